import * as tf from '@tensorflow/tfjs-core';
import { OptionError, schemas, z, type Plugin } from '@tikhonov/core';
import { affineOp, IDENTITY, warp, type FillMode, type Interpolation, type Resampling } from './affine.js';
import { drawBoxSize, uniformIn, type Hazard, type ImageOp } from './op.js';
import { transformFactory, type CommonOptions } from './plugin.js';

/** How an affine transform reads and fills (defaults: bilinear, constant 0). */
export interface ResamplingOptions {
  interpolation?: Interpolation;
  fill?: FillMode;
  fillValue?: number;
}

const resamplingShape = {
  interpolation: z.enum(['bilinear', 'nearest'], { message: "must be 'bilinear' or 'nearest'" }).optional(),
  fill: z.enum(['constant', 'reflect', 'nearest', 'wrap'], { message: "must be 'constant', 'reflect', 'nearest' or 'wrap'" }).optional(),
  fillValue: z.number({ message: 'must be a number' }).finite({ message: 'must be finite' }).optional(),
};

const resamplingOf = (o: ResamplingOptions): Resampling => ({ interpolation: o.interpolation ?? 'bilinear', fill: o.fill ?? 'constant', fillValue: o.fillValue ?? 0 });

const range = z
  .tuple([z.number().finite(), z.number().finite()], { message: 'must be [min, max], two finite numbers' })
  .refine(([lo, hi]) => lo <= hi, { message: 'must be [min, max] with min ≤ max' });
const positiveRange = range.refine(([lo]) => lo > 0, { message: 'must be [min, max] with 0 < min ≤ max' });

const rad = (degrees: number) => (degrees * Math.PI) / 180;

/** Options of {@link translate}. */
export interface TranslateOptions extends ResamplingOptions {
  /** Largest horizontal shift in pixels: each image moves by U(−dx, dx). */
  dx: number;
  /** Largest vertical shift in pixels. Default dx. */
  dy?: number;
}

/** Shifts each image by its own U(−dx, dx) × U(−dy, dy) pixels (seed §7.5, "translating the training images a few pixels"). */
export const translate: (options: TranslateOptions & CommonOptions & { name?: string }) => Plugin = transformFactory<TranslateOptions>(
  'translate',
  { dx: schemas.nonNegative, dy: schemas.nonNegative.optional(), ...resamplingShape },
  (o) => affineOp('translate', [], (rng) => ({ ...IDENTITY, dx: uniformIn(rng, -o.dx, o.dx), dy: uniformIn(rng, -(o.dy ?? o.dx), o.dy ?? o.dx) }), resamplingOf(o)),
);

/** Options of {@link rotate}. */
export interface RotateOptions extends ResamplingOptions {
  /** Largest angle: each image turns by U(−degrees, degrees) about its centre. Above 90 the op carries the hazard `rotate180`. */
  degrees: number;
}

/** Turns each image by its own angle about its centre. */
export const rotate: (options: RotateOptions & CommonOptions & { name?: string }) => Plugin = transformFactory<RotateOptions>(
  'rotate',
  { degrees: schemas.nonNegative, ...resamplingShape },
  (o) => affineOp('rotate', o.degrees > 90 ? ['rotate180'] : [], (rng) => ({ ...IDENTITY, rotate: rad(uniformIn(rng, -o.degrees, o.degrees)) }), resamplingOf(o)),
);

/** Options of {@link scale}. */
export interface ScaleOptions extends ResamplingOptions {
  /** Zoom factors: each image is scaled about its centre by U(min, max) (> 1 zooms in). */
  range: [number, number];
}

/** Zooms each image in or out about its centre. */
export const scale: (options: ScaleOptions & CommonOptions & { name?: string }) => Plugin = transformFactory<ScaleOptions>(
  'scale',
  { range: positiveRange, ...resamplingShape },
  (o) => affineOp('scale', [], (rng) => {
    const s = uniformIn(rng, o.range[0], o.range[1]);
    return { ...IDENTITY, scaleX: s, scaleY: s };
  }, resamplingOf(o)),
);

/** Options of {@link shear}. */
export interface ShearOptions extends ResamplingOptions {
  /** Largest horizontal shear angle (degrees): x ← x + tan(U(−x, x))·y. */
  x?: number;
  /** Largest vertical shear angle (degrees). */
  y?: number;
}

/** Shears each image by its own angles. */
export const shear: (options: ShearOptions & CommonOptions & { name?: string }) => Plugin = transformFactory<ShearOptions>(
  'shear',
  { x: z.number().min(0).lt(90, { message: 'must be in [0, 90) degrees' }).optional(), y: z.number().min(0).lt(90, { message: 'must be in [0, 90) degrees' }).optional(), ...resamplingShape },
  (o) => {
    if (o.x === undefined && o.y === undefined) throw new OptionError('shear', 'x', undefined, 'give x or y (the largest shear angle in degrees)');
    return affineOp('shear', [], (rng) => ({ ...IDENTITY, shearX: Math.tan(rad(uniformIn(rng, -(o.x ?? 0), o.x ?? 0))), shearY: Math.tan(rad(uniformIn(rng, -(o.y ?? 0), o.y ?? 0))) }), resamplingOf(o));
  },
);

/** Options of {@link affine}. */
export interface AffineOptions extends ResamplingOptions {
  /** Largest rotation (degrees). */
  degrees?: number;
  /** Largest shifts [dx, dy] in pixels. */
  translate?: [number, number];
  /** Zoom range [min, max]. */
  scale?: [number, number];
  /** Largest horizontal shear (degrees). */
  shear?: number;
}

/**
 * A random affine map per image, as torchvision's RandomAffine: rotation,
 * shift, zoom and shear drawn independently for every image of the batch
 * (torchvision draws one set per call), applied in one resampling.
 */
export const affine: (options: AffineOptions & CommonOptions & { name?: string }) => Plugin = transformFactory<AffineOptions>(
  'affine',
  {
    degrees: schemas.nonNegative.optional(),
    translate: z.tuple([schemas.nonNegative, schemas.nonNegative], { message: 'must be [dx, dy], largest shifts in pixels' }).optional(),
    scale: positiveRange.optional(),
    shear: z.number().min(0).lt(90, { message: 'must be in [0, 90) degrees' }).optional(),
    ...resamplingShape,
  },
  (o) =>
    affineOp('affine', (o.degrees ?? 0) > 90 ? ['rotate180'] : [], (rng) => {
      const s = o.scale ? uniformIn(rng, o.scale[0], o.scale[1]) : 1;
      return {
        rotate: rad(uniformIn(rng, -(o.degrees ?? 0), o.degrees ?? 0)),
        shearX: Math.tan(rad(uniformIn(rng, -(o.shear ?? 0), o.shear ?? 0))),
        shearY: 0,
        scaleX: s,
        scaleY: s,
        dx: uniformIn(rng, -(o.translate?.[0] ?? 0), o.translate?.[0] ?? 0),
        dy: uniformIn(rng, -(o.translate?.[1] ?? 0), o.translate?.[1] ?? 0),
      };
    }, resamplingOf(o)),
);

/** Options of {@link flip}. */
export interface FlipOptions {
  /** `'horizontal'` (mirror left–right, hazard `flipHorizontal`) or `'vertical'` (hazard `flipVertical`). Default horizontal. */
  direction?: 'horizontal' | 'vertical';
}

/** The mirror op (exact: a reversal of the width or height axis). */
export function flipOp(direction: 'horizontal' | 'vertical'): ImageOp<null> {
  const hazard: Hazard = direction === 'horizontal' ? 'flipHorizontal' : 'flipVertical';
  return { name: hazard, hazards: [hazard], draw: () => null, apply: (x) => tf.reverse(x, direction === 'horizontal' ? 2 : 1) };
}

/** Mirrors each image with probability p (default 0.5). Not for OCR-like tasks: declare `safety`. */
export const flip: (options?: FlipOptions & CommonOptions & { name?: string }) => Plugin = transformFactory<FlipOptions>(
  'flip',
  { direction: z.enum(['horizontal', 'vertical'], { message: "must be 'horizontal' or 'vertical'" }).optional() },
  (o) => flipOp(o.direction ?? 'horizontal'),
  0.5,
);

/** Options of {@link randomCrop}. */
export interface RandomCropOptions {
  /** Pixels of padding on each side before cropping back to the image's size. */
  padding: number;
  /** How the padding is filled. Default constant 0. */
  fill?: FillMode;
  fillValue?: number;
}

/**
 * Pads each image by `padding` pixels and crops it back to its size at a
 * random offset (CIFAR's pad-4-crop): an integer shift per image in
 * [−padding, padding]², done exactly (nearest sampling at whole pixels).
 */
export const randomCrop: (options: RandomCropOptions & CommonOptions & { name?: string }) => Plugin = transformFactory<RandomCropOptions>(
  'randomCrop',
  { padding: schemas.positiveInt, fill: resamplingShape.fill, fillValue: resamplingShape.fillValue },
  (o) =>
    affineOp('randomCrop', [], (rng) => ({ ...IDENTITY, dx: rng.int(2 * o.padding + 1) - o.padding, dy: rng.int(2 * o.padding + 1) - o.padding }), { interpolation: 'nearest', fill: o.fill ?? 'constant', fillValue: o.fillValue ?? 0 }),
);

/** Options of {@link randomResizedCrop}. */
export interface RandomResizedCropOptions {
  /** Area fraction range of the crop. Default [0.08, 1]. */
  scale?: [number, number];
  /** Aspect ratio (width / height) range, drawn log-uniformly. Default [3/4, 4/3]. */
  ratio?: [number, number];
}

/**
 * Crops a random box of each image (area fraction from `scale`, aspect
 * ratio from `ratio`, ten tries then the centre as torchvision) and resizes
 * it back to the image's size: one bilinear affine warp for the batch.
 */
export const randomResizedCrop: (options?: RandomResizedCropOptions & CommonOptions & { name?: string }) => Plugin = transformFactory<RandomResizedCropOptions>(
  'randomResizedCrop',
  { scale: positiveRange.optional(), ratio: positiveRange.optional() },
  (o) => resizedCropOp(o.scale ?? [0.08, 1], o.ratio ?? [3 / 4, 4 / 3]),
);

function resizedCropOp(areas: [number, number], ratios: [number, number]): ImageOp<Float32Array> {
  return {
    name: 'randomResizedCrop',
    hazards: [],
    draw: (n, rng, { height, width }) => {
      const rows = new Float32Array(n * 6);
      for (let i = 0; i < n; i++) {
        let box: [number, number, number, number] | undefined;
        const size = drawBoxSize(rng, areas, ratios, height, width, { tall: false, strict: false });
        if (size) box = [rng.int(height - size[0] + 1), rng.int(width - size[1] + 1), size[0], size[1]];
        if (!box) {
          // torchvision's fallback: the centre crop with the ratio clamped into range
          const r = width / height;
          const [h, w] = r < ratios[0] ? [Math.round(width / ratios[0]), width] : r > ratios[1] ? [height, Math.round(height * ratios[1])] : [height, width];
          box = [Math.floor((height - h) / 2), Math.floor((width - w) / 2), h, w];
        }
        const [top, left, h, w] = box;
        // crop and resize is an affine map: output pixel (u, v) reads (left + u·(w − 1)/(W − 1), top + v·(h − 1)/(H − 1)),
        // the corners' pixel centres onto the image's (as tf.image.cropAndResize samples)
        const sx = width > 1 ? (w - 1) / (width - 1) : 0;
        const sy = height > 1 ? (h - 1) / (height - 1) : 0;
        rows.set([sx, 0, left, 0, sy, top], i * 6);
      }
      return rows;
    },
    apply: (x, rows) => warp(x, rows, { interpolation: 'bilinear', fill: 'nearest', fillValue: 0 }),
  };
}
