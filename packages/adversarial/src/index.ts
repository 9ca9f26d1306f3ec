/**
 * @tikhonov/adversarial — adversarial examples and adversarial training
 * (Deep Learning §7.13): FGSM and PGD attacks batched on the backend,
 * robustness curves with gradient-masking checks, and the training plugins
 * of Goodfellow et al., Madry et al., TRADES and virtual adversarial training.
 */
export type { Attack, AttackModel, AttackProblem } from './attack.js';
export { fgsm, type FgsmOptions } from './fgsm.js';
export { pgd, type PgdOptions } from './pgd.js';
export type { Norm } from './ball.js';
export { crossEntropyPerExample, klPerExample, lossPerExample, labelObjective, type AttackLoss, type Objective, type Success } from './objective.js';
export { runAttack, attackModelOf, type AttackSource, type AttackResult, type RunAttackOptions } from './run-attack.js';
export { robustness, robustnessTable, robustnessSvg, type RobustnessOptions, type RobustnessReport, type RobustnessRow } from './robustness.js';
export { adversarialTraining, madry, type AdversarialTrainingOptions } from './adversarial-training.js';
export { trades, type TradesOptions } from './trades.js';
export { virtualAdversarial, type VirtualAdversarialOptions } from './vat.js';
export { catastrophicOverfittingGuard, type OverfittingGuardOptions } from './overfitting-guard.js';
export { UnlabeledStream } from './unlabeled.js';
