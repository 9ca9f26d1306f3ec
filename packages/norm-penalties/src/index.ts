/**
 * @tikhonov/norm-penalties — parameter norm penalties (L², L¹, elastic net),
 * decoupled weight decay, constraints with reprojection, the KKT-multiplier
 * form of §7.3, parameter tying and representation penalties, plus the
 * closed-form analysis helpers of Deep Learning ch. 7.2–7.4.
 */
export { l2, type L2Options } from './l2.js';
export { l1, elasticNet, softThreshold, type L1Options, type ElasticNetOptions } from './l1.js';
export { weightDecay, type WeightDecayOptions } from './weight-decay.js';
export { maxNorm, unitNorm, nonNeg, normConstraint, projectL1Ball, unitNorms, type MaxNormOptions, type NormConstraintOptions } from './constraints.js';
export { lagrangian, groupNorm, type LagrangianOptions } from './lagrangian.js';
export { tying, type TyingOptions } from './tying.js';
export { activityL1, activityL2, klSparsity, studentT, type ActivityOptions, type KlSparsityOptions } from './activity.js';
export { orthogonalMatchingPursuit } from './omp.js';
export { ridge, pseudoInverse, matVec, symmetricEigen, l2ShrinkFactors, effectiveParameters, UnderdeterminedError, type MatrixLike } from './analysis.js';
export { WEIGHTS, type Group } from './selection.js';
export type { Center } from './center.js';
