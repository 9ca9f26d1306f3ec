import * as tf from '@tensorflow/tfjs-core';
import { OptionError, z } from '@tikhonov/core';
import { HAZARDS, type Hazard, type ImageOp } from './op.js';

/**
 * What a task allows (seed §7.5: OCR must not flip or turn "b"/"d" and
 * "6"/"9"): `forbid` lists hazards no transform may carry (an error when
 * one does), `unsafeFor` the classes a hazard must leave untouched (those
 * examples are skipped, counted and reported). Declare it once per task and
 * give it to every augmentation plugin.
 */
export interface LabelSafety {
  forbid?: Hazard[];
  unsafeFor?: Partial<Record<Hazard, number[]>>;
}

/** zod schema of {@link LabelSafety}. */
export const safetySchema = z
  .object({
    forbid: z.array(z.enum(HAZARDS, { message: `must name hazards among ${HAZARDS.join(', ')}` })).optional(),
    unsafeFor: z.partialRecord(z.enum(HAZARDS, { message: `must be keyed by hazards among ${HAZARDS.join(', ')}` }), z.array(z.number().int().nonnegative(), { message: 'must be an array of class ids' })).optional(),
  }, { message: 'must be { forbid?, unsafeFor? }' })
  .strict();

/** Throws when an op carries a hazard the task forbids, naming both. */
export function checkForbidden(who: string, ops: readonly ImageOp[], safety: LabelSafety | undefined): void {
  for (const op of ops) {
    for (const hazard of op.hazards) {
      if (safety?.forbid?.includes(hazard)) {
        const classes = safety.unsafeFor?.[hazard];
        const named = classes?.length ? ` (it would change classes ${classes.join(', ')})` : '';
        throw new OptionError(who, 'safety', safety, `the task forbids '${hazard}', which ${op.name} can do${named}; drop ${op.name} or the forbid entry`);
      }
    }
  }
}

/** The classes an op must leave alone under the task's safety (empty when none). */
export function guardedClasses(op: ImageOp, safety: LabelSafety | undefined): number[] {
  return [...new Set(op.hazards.flatMap((h) => safety?.unsafeFor?.[h] ?? []))];
}

/** Per example: true where the label is not one of `classes` (ids [n] or rows [n, k], by argmax). Bool [n]. */
export function safeRows(labels: tf.Tensor, classes: readonly number[]): tf.Tensor1D {
  const ids = labels.rank === 1 ? tf.cast(labels, 'int32') : tf.argMax(tf.reshape(labels, [labels.shape[0]!, -1]), -1);
  let unsafe: tf.Tensor = tf.cast(tf.zerosLike(ids), 'bool');
  for (const c of classes) unsafe = tf.logicalOr(unsafe, tf.equal(ids, c));
  return tf.logicalNot(unsafe) as tf.Tensor1D;
}
