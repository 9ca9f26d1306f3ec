import * as tf from '@tensorflow/tfjs-core';
import { definePlugin, HostRandom, Order, schemas, validateOptions, z, type Plugin } from '@tikhonov/core';
import { affineOp, IDENTITY } from './affine.js';
import { hostStream, imagesOf, type ImageOp } from './op.js';
import { brightnessOp, contrastOp } from './photometric.js';
import { applyEntry, commonShape, entryOf, labelsOf, reportGuarded, type Applied, type TransformEntry } from './plugin.js';
import { checkForbidden, guardedClasses, safetySchema, type LabelSafety } from './safety.js';

/**
 * Per image, the transform `assignment[i]` (−1: none), each applied once to
 * the images assigned to it (a gather), and the batch put back in order (a
 * gather by the inverse permutation): per-image choices, one set of tensor
 * ops per transform, no loop over images.
 */
export function applyAssigned(entries: readonly TransformEntry[], assignment: Int32Array, x: tf.Tensor4D, labels: tf.Tensor | undefined, rng: HostRandom): Applied {
  const order: number[] = [];
  const parts: tf.Tensor4D[] = [];
  const guarded: Array<tf.Scalar | undefined> = [];
  for (let k = -1; k < entries.length; k++) {
    const rows = [...assignment.keys()].filter((i) => assignment[i] === k);
    if (rows.length === 0) continue;
    const index = tf.tensor1d(rows, 'int32');
    const sub = tf.gather(x, index) as tf.Tensor4D;
    if (k < 0) parts.push(sub);
    else {
      const applied = applyEntry({ ...entries[k]!, p: 1 }, sub, labels && tf.gather(labels, index), rng);
      parts.push(applied.x);
      guarded.push(applied.guarded);
    }
    order.push(...rows);
  }
  if (parts.length === 1) return { x: parts[0]!, guarded: guarded[0] };
  const position = new Int32Array(order.length);
  order.forEach((row, j) => (position[row] = j));
  const given = guarded.filter((g): g is tf.Scalar => g !== undefined);
  return { x: tf.gather(tf.concat(parts), tf.tensor1d(position, 'int32')) as tf.Tensor4D, guarded: given.length ? (tf.addN(given) as tf.Scalar) : undefined };
}

const pluginList = z.array(z.custom<Plugin>((v) => typeof v === 'object' && v !== null), { message: 'must be an array of transforms' }).min(1, { message: 'must hold at least one transform' });

/** Options of {@link augment}. */
export interface AugmentOptions {
  /** Probability of each transform per image, for all of them; default each transform's own `p`. */
  p?: number;
  safety?: LabelSafety;
}

function entriesOf(who: string, transforms: readonly Plugin[], safety: LabelSafety | undefined, p?: number): TransformEntry[] {
  const entries = transforms.map((t) => entryOf(t, who)).map((e) => ({ op: e.op, p: p ?? e.p, safety: safety ?? e.safety }));
  checkForbidden(who, entries.map((e) => e.op), safety);
  return entries;
}

/** One plugin that applies the transforms in turn, each to every image with its probability. */
export function augment(transforms: Plugin[], options: AugmentOptions & { name?: string } = {}): Plugin {
  validateOptions('augment', z.object({ transforms: pluginList }), { transforms });
  return policy('augment', { p: commonShape.p, safety: safetySchema.optional() }, options, (o, name) => {
    const entries = entriesOf(name, transforms, o.safety, o.p);
    return (x, labels, rng) => {
      let current: Applied = { x };
      const guarded: Array<tf.Scalar | undefined> = [];
      for (const entry of entries) {
        current = applyEntry(entry, current.x, labels, rng);
        guarded.push(current.guarded);
      }
      return { x: current.x, guarded: sumOf(guarded) };
    };
  }, transforms);
}

/** Options of {@link oneOf}. */
export interface OneOfOptions {
  /** Probability that an image gets one of the transforms (chosen uniformly). Default 1. */
  p?: number;
  safety?: LabelSafety;
}

/** One plugin that gives each image one of the transforms, chosen uniformly per image. */
export function oneOf(transforms: Plugin[], options: OneOfOptions & { name?: string } = {}): Plugin {
  validateOptions('oneOf', z.object({ transforms: pluginList }), { transforms });
  return policy('oneOf', { p: commonShape.p, safety: safetySchema.optional() }, options, (o, name) => {
    const entries = entriesOf(name, transforms, o.safety);
    const p = o.p ?? 1;
    return (x, labels, rng) => applyAssigned(entries, Int32Array.from({ length: x.shape[0] }, () => (rng.uniform() < p ? rng.int(entries.length) : -1)), x, labels, rng);
  }, transforms);
}

/** The largest magnitude (bin 30) of RandAugment's ops, from torchvision's table. */
const MAX = { rotate: 30, shear: 0.3, translate: 150 / 331, enhance: 0.9 };

/** RandAugment's ops at a magnitude drawn per image (0…30; a random sign each), as torchvision's list without the 8-bit-only ones. */
export function randAugmentOps(magnitude: (rng: HostRandom) => number): ImageOp[] {
  const signed = (rng: HostRandom, max: number) => ((magnitude(rng) / 30) * max) * (rng.uniform() < 0.5 ? -1 : 1);
  const resampling = { interpolation: 'nearest', fill: 'constant', fillValue: 0 } as const;
  const enhance = (name: 'brightness' | 'contrast', make: typeof brightnessOp): ImageOp<Float32Array> => {
    const base = make(1, 1);
    return { ...base, name, draw: (n, rng) => Float32Array.from({ length: n }, () => 1 + signed(rng, MAX.enhance)) };
  };
  return [
    { name: 'identity', hazards: [], draw: () => null, apply: (x) => x },
    affineOp('rotate', [], (rng) => ({ ...IDENTITY, rotate: (signed(rng, MAX.rotate) * Math.PI) / 180 }), resampling),
    affineOp('shearX', [], (rng) => ({ ...IDENTITY, shearX: signed(rng, MAX.shear) }), resampling),
    affineOp('shearY', [], (rng) => ({ ...IDENTITY, shearY: signed(rng, MAX.shear) }), resampling),
    affineOp('translateX', [], (rng, size) => ({ ...IDENTITY, dx: signed(rng, MAX.translate * size.width) }), resampling),
    affineOp('translateY', [], (rng, size) => ({ ...IDENTITY, dy: signed(rng, MAX.translate * size.height) }), resampling),
    enhance('brightness', brightnessOp),
    enhance('contrast', contrastOp),
  ];
}

/** Options of {@link randAugment}. */
export interface RandAugmentOptions {
  /** Ops applied to each image in turn, each chosen uniformly per image. Default 2. */
  n?: number;
  /** Magnitude of every op, 0…30 (torchvision's 31 bins). Default 9. */
  magnitude?: number;
  safety?: LabelSafety;
}

/**
 * RandAugment (Cubuk et al. 2020): n rounds, each image taking one op chosen
 * uniformly (identity, rotate, shear x/y, translate x/y, brightness,
 * contrast) at the fixed magnitude with a random sign.
 */
export function randAugment(options: RandAugmentOptions & { name?: string } = {}): Plugin {
  return policy('randAugment', { n: schemas.positiveInt.optional(), magnitude: z.number().min(0).max(30, { message: 'must be in [0, 30]' }).optional(), safety: safetySchema.optional() }, options, (o, name) => {
    const entries = randAugmentOps(() => o.magnitude ?? 9).map((op) => ({ op, p: 1, safety: o.safety }));
    checkForbidden(name, entries.map((e) => e.op), o.safety);
    return (x, labels, rng) => rounds(entries, o.n ?? 2, x, labels, rng);
  });
}

/** TrivialAugment (Müller & Hutter 2021): one op per image, chosen uniformly, at a magnitude drawn uniformly per image. */
export function trivialAugment(options: { safety?: LabelSafety; name?: string } = {}): Plugin {
  return policy('trivialAugment', { safety: safetySchema.optional() }, options, (o) => {
    const entries = randAugmentOps((rng) => rng.int(31)).map((op) => ({ op, p: 1, safety: o.safety }));
    return (x, labels, rng) => rounds(entries, 1, x, labels, rng);
  });
}

function rounds(entries: TransformEntry[], n: number, x: tf.Tensor4D, labels: tf.Tensor | undefined, rng: HostRandom): Applied {
  let current: Applied = { x };
  const guarded: Array<tf.Scalar | undefined> = [];
  for (let r = 0; r < n; r++) {
    current = applyAssigned(entries, Int32Array.from({ length: x.shape[0] }, () => rng.int(entries.length)), current.x, labels, rng);
    guarded.push(current.guarded);
  }
  return { x: current.x, guarded: sumOf(guarded) };
}

const sumOf = (counts: ReadonlyArray<tf.Scalar | undefined>): tf.Scalar | undefined => {
  const given = counts.filter((c): c is tf.Scalar => c !== undefined);
  return given.length === 0 ? undefined : given.length === 1 ? given[0] : (tf.addN(given) as tf.Scalar);
};

type Run = (x: tf.Tensor4D, labels: tf.Tensor | undefined, rng: HostRandom) => Applied;

/** A policy plugin: validated options, a transformBatch at the augmentation tier, and nestable in other policies when it is one transform. */
function policy<O extends { safety?: LabelSafety }>(name: string, shape: z.ZodRawShape, options: O & { name?: string }, build: (o: O, name: string) => Run, transforms: Plugin[] = []): Plugin {
  let run: Run | undefined;
  let needsLabels = false;
  const define = definePlugin<O>({
    name,
    options: shape,
    setup: (o, pluginName) => {
      run = build(o, pluginName);
      needsLabels = (o.safety !== undefined && Object.keys(o.safety.unsafeFor ?? {}).length > 0) || transforms.some((t) => guardedClasses(entryOf(t, pluginName).op, entryOf(t, pluginName).safety).length > 0);
      const me = run;
      return {
        order: Order.augmentation,
        transformBatch: (batch, ctx) => {
          const applied = me(imagesOf(batch.x, pluginName), labelsOf(batch, pluginName, needsLabels), hostStream(ctx.random));
          reportGuarded(ctx, [applied.guarded]);
          return { ...batch, x: applied.x };
        },
      };
    },
  });
  return (define as (o: O & { name?: string }) => Plugin)(options);
}

