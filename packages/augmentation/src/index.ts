/**
 * @tikhonov/augmentation — dataset augmentation (Deep Learning §7.5) as
 * batched transformBatch plugins with per-image random parameters: affine
 * warps, flips, crops, photometric changes, random erasing, mixup/cutmix,
 * RandAugment/TrivialAugment, label safety, test-time augmentation and
 * tangent propagation.
 */
export { translate, rotate, scale, shear, affine, flip, randomCrop, randomResizedCrop } from './geometric.js';
export type { TranslateOptions, RotateOptions, ScaleOptions, ShearOptions, AffineOptions, FlipOptions, RandomCropOptions, RandomResizedCropOptions, ResamplingOptions } from './geometric.js';
export { brightness, contrast, gamma, gaussianNoise, randomErasing } from './photometric.js';
export type { BrightnessOptions, ContrastOptions, GammaOptions, GaussianNoiseOptions, RandomErasingOptions } from './photometric.js';
export { mixup, cutmix, mixupCutmix, cutmixBoxes, type MixupOptions, type CutmixOptions, type MixupCutmixOptions, type LambdaMode } from './mix.js';
export { augment, oneOf, randAugment, trivialAugment, type AugmentOptions, type OneOfOptions, type RandAugmentOptions } from './policies.js';
export { testTimeAugmentation, type TestTimeAugmentationOptions } from './test-time.js';
export { tangentProp, tangentVector, type Tangent, type TangentPropOptions } from './tangent-prop.js';
export { HAZARDS, type Hazard, type ImageOp, type ImageSize } from './op.js';
export type { LabelSafety } from './safety.js';
export { entryOf, type CommonOptions, type TransformEntry } from './plugin.js';
export { transformRows, type AffineParams, type Interpolation, type FillMode } from './affine.js';
export { betaDraw } from './beta.js';
