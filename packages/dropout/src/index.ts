/**
 * @tikhonov/dropout — dropout with every inference rule of Deep Learning
 * §7.11 (weight scaling, Monte Carlo, exact enumeration of the 2ⁿ
 * sub-networks), DropConnect, Gaussian, spatial and alpha dropout, and Monte
 * Carlo predictive uncertainty.
 */
export { dropout, type DropoutOptions, type InferenceRule } from './dropout.js';
export { dropConnect, gaussianDropout, spatialDropout, alphaDropout, type DropConnectOptions, type SiteDropoutOptions } from './relatives.js';
export { monteCarloPredict, type McPrediction } from './monte-carlo.js';
export { dropUnits, type Scaling } from './masks.js';
export { combine, type MeanKind, type OutputKind } from './inference.js';
export { stochasticPool2d, type StochasticPoolOptions } from './stochastic-pooling.js';
export { fastDropoutDense, dropoutSumMoments, type FastDropoutDenseOptions } from './fast-dropout.js';
