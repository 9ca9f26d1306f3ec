/**
 * @tikhonov/noise — noise as a regulariser (Deep Learning §7.5–7.6): at the
 * inputs, hidden units, weights, gradients and targets, and the Jacobian
 * penalty that input noise amounts to for small noise.
 */
export { inputNoise, hiddenNoise, type InputNoiseOptions, type HiddenNoiseOptions } from './input-noise.js';
export { weightNoise, type WeightNoiseOptions } from './weight-noise.js';
export { gradientNoise, gradientNoiseVariance, type GradientNoiseOptions } from './gradient-noise.js';
export { labelSmoothing, labelNoise, corruptLabels } from './labels.js';
export { jacobianPenalty } from './jacobian.js';
export { perturb, type NoiseKind } from './perturb.js';
