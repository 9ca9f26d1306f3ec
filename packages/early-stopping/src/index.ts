/**
 * @tikhonov/early-stopping — Algorithm 7.1 (early stopping with restore of
 * θ*), 7.2 (retrain on all data for i* steps or epochs) and 7.3 (continue on
 * all data until the validation loss reaches the subtrain loss), with a
 * divergence guard, and the closed forms of its equivalence to L² (§7.7).
 */
export { earlyStopping, type EarlyStoppingOptions, type EarlyStoppingReport } from './early-stopping.js';
export { retrainOnAll, continueUntil, type TrainerFactory, type SplitRunOptions, type RetrainResult, type ContinueResult } from './algorithms.js';
export { earlyStoppingFactors, equivalentL2 } from './analysis.js';
