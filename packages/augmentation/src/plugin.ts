import * as tf from '@tensorflow/tfjs-core';
import { definePlugin, Order, z, type Batch, type HostRandom, type Plugin, type StepContext } from '@tikhonov/core';
import { hostStream, imagesOf, sizeOf, whereImages, type ImageOp } from './op.js';
import { checkForbidden, guardedClasses, safeRows, safetySchema, type LabelSafety } from './safety.js';

/** Options every transform plugin takes. */
export interface CommonOptions {
  /** Probability that an image is transformed (drawn per image). */
  p?: number;
  /** The task's label safety: forbidden hazards are an error, unsafe classes are left untouched. */
  safety?: LabelSafety;
}

/** zod shapes of {@link CommonOptions}. */
export const commonShape = {
  p: z.number({ message: 'must be a number' }).min(0, { message: 'must be in [0, 1]' }).max(1, { message: 'must be in [0, 1]' }).optional(),
  safety: safetySchema.optional(),
};

/** What a transform plugin does, for the policies that compose plugins (augment, oneOf, test-time augmentation). */
export interface TransformEntry {
  readonly op: ImageOp;
  readonly p: number;
  readonly safety: LabelSafety | undefined;
}

const ENTRIES = new WeakMap<Plugin, TransformEntry>();

/** The transform behind a plugin made by this package's factories, or an error naming what was given. */
export function entryOf(plugin: unknown, who: string): TransformEntry {
  const entry = typeof plugin === 'object' && plugin !== null ? ENTRIES.get(plugin as Plugin) : undefined;
  if (!entry) throw new TypeError(`${who}: ${typeof plugin === 'object' && plugin !== null && 'name' in plugin ? `'${String((plugin as Plugin).name)}'` : String(plugin)} is not a transform of @tikhonov/augmentation (flip, rotate, randomErasing, …)`);
  return entry;
}

/** The targets of a batch as one tensor, or undefined (a transform needs them only for label safety). */
export function labelsOf(batch: Batch, who: string, needed: boolean): tf.Tensor | undefined {
  if (!needed) return undefined;
  if (batch.y instanceof tf.Tensor) return batch.y;
  throw new TypeError(`${who}: label safety needs one target tensor; the batch has named targets (${Object.keys(batch.y).join(', ')})`);
}

/** One transform's result: the images, and how many chosen images label safety left untouched (when it guarded any class). */
export interface Applied {
  x: tf.Tensor4D;
  guarded?: tf.Scalar;
}

/**
 * Applies one transform to the images chosen with probability p (drawn on
 * the host) and safe for their labels (decided on the device).
 */
export function applyEntry(entry: TransformEntry, x: tf.Tensor4D, labels: tf.Tensor | undefined, rng: HostRandom): Applied {
  const n = x.shape[0];
  const chosen = Uint8Array.from({ length: n }, () => (entry.p >= 1 || rng.uniform() < entry.p ? 1 : 0));
  const params = entry.op.draw(n, rng, sizeOf(x));
  if (!chosen.some((c) => c === 1)) return { x };
  const out = entry.op.apply(x, params, sizeOf(x));
  const guarded = labels ? guardedClasses(entry.op, entry.safety) : [];
  if (guarded.length === 0 && chosen.every((c) => c === 1)) return { x: out };
  const chosenMask = tf.tensor1d(chosen, 'bool');
  if (guarded.length === 0) return { x: whereImages(chosenMask, out, x) };
  const mask = tf.logicalAnd(chosenMask, safeRows(labels!, guarded));
  return { x: whereImages(mask, out, x), guarded: tf.sum(tf.cast(tf.logicalAnd(chosenMask, tf.logicalNot(mask)), 'float32')) as tf.Scalar };
}

/** Reports the guarded counts of a step's transforms, summed, as `<plugin>.guarded` (when any transform guarded). */
export function reportGuarded(ctx: StepContext, counts: ReadonlyArray<tf.Scalar | undefined>): void {
  const given = counts.filter((c): c is tf.Scalar => c !== undefined);
  if (given.length > 0) ctx.report('guarded', given.length === 1 ? given[0]! : (tf.addN(given) as tf.Scalar));
}

/**
 * A transform plugin factory: validates the op's options (plus `p`,
 * `safety`, `name`), refuses forbidden hazards, and makes a transformBatch
 * plugin at the augmentation tier that the policies can also compose.
 */
export function transformFactory<O extends object>(name: string, shape: z.ZodRawShape, makeOp: (options: O) => ImageOp, defaultP = 1): (options?: O & CommonOptions & { name?: string }) => Plugin {
  let made: TransformEntry | undefined;
  const define = definePlugin<O & CommonOptions>({
    name,
    options: { ...shape, ...commonShape },
    setup: (options, pluginName) => {
      const entry: TransformEntry = { op: makeOp(options), p: options.p ?? defaultP, safety: options.safety };
      checkForbidden(pluginName, [entry.op], entry.safety);
      made = entry;
      const needsLabels = guardedClasses(entry.op, entry.safety).length > 0;
      return {
        order: Order.augmentation,
        transformBatch: (batch, ctx) => {
          const applied = applyEntry(entry, imagesOf(batch.x, pluginName), labelsOf(batch, pluginName, needsLabels), hostStream(ctx.random));
          reportGuarded(ctx, [applied.guarded]);
          return { ...batch, x: applied.x };
        },
      };
    },
  });
  return (options) => {
    const plugin = (define as (o?: O & CommonOptions & { name?: string }) => Plugin)(options);
    ENTRIES.set(plugin, made!);
    return plugin;
  };
}
