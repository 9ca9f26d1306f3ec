/**
 * @tikhonov/ensembles — model averaging (Deep Learning §7.10): an Ensemble
 * with combination rules and uncertainty, bagging with its out-of-bag error,
 * deep ensembles, weight averaging (EMA, SWA) as plugins, and calibration
 * metrics.
 */
export { Ensemble, type Member, type EnsembleOptions, type EnsembleReport } from './ensemble.js';
export { combine, predictedClasses, uncertainty, COMBINE_RULES, type CombineRule, type Uncertainty } from './combine.js';
export { bagging, deepEnsemble, outOfBagError, type MembersOptions, type BaggingResult } from './bagging.js';
export { trainMembers, type MemberJob, type MemberRunner } from './runner.js';
export { ema, swa, type EmaOptions, type SwaOptions } from './averaging.js';
export { snapshotEnsemble, fastGeometricEnsemble, type SnapshotOptions } from './snapshots.js';
export { calibration, reliabilitySvg, type Calibration } from './calibration.js';
export { fitTemperature, temperatureScaling } from './temperature.js';
export { steinVariationalGradientDescent, svgdDirection, type SvgdOptions } from './svgd.js';
export { svgd, type SvgdPluginOptions } from './svgd-plugin.js';
export { sampledEnsemble, type SampledEnsembleOptions } from './sampled.js';
export { bayesByBackpropVector, type BayesByBackpropOptions, type MeanField } from './bayes-by-backprop.js';
export { bayesByBackprop, posteriorStddevs, type BayesByBackpropPluginOptions } from './bayes-by-backprop-plugin.js';
export { boosting, type BoostingOptions, type BoostingResult } from './boosting.js';
