import * as tf from '@tensorflow/tfjs-core';

/** One per-variable slot entry of a tfjs optimizer (Adam's m or v, momentum's velocity, …). */
interface SlotEntry {
  originalName: string;
  variable: tf.Variable;
}

/** Slots of variables the optimizer does not update now (frozen params), kept by field and variable name. */
export type ParkedSlots = Map<string, SlotEntry>;

const isSlotEntry = (e: unknown): e is SlotEntry => !!e && typeof (e as SlotEntry).originalName === 'string' && (e as SlotEntry).variable instanceof tf.Variable;
/** `${variable}/${slot}` → variable */
const variableOf = (e: SlotEntry) => e.originalName.slice(0, e.originalName.lastIndexOf('/'));

/**
 * tfjs optimizers keep their per-variable slots in arrays indexed by the
 * variable's position in the list passed to `applyGradients`, each entry
 * naming its variable (`originalName` = `${variable}/${slot}`). When
 * freeze/unfreeze changes that list, positions shift and a slot meets another
 * variable's gradient: a shape error, or, for equal shapes, silently wrong
 * moments. This re-keys every such array to the new list by name before the
 * update: slots of variables leaving the list are parked (as PyTorch leaves a
 * frozen param's moments untouched), returning variables get theirs back,
 * new ones get an empty place that tfjs fills with its own initial value on
 * first use (zeros, or Adagrad's initial accumulator). Optimizers without
 * slots (SGD) have no such arrays and are left alone.
 */
export function alignSlots(optimizer: tf.Optimizer, order: readonly string[], parked: ParkedSlots): void {
  const fields = optimizer as unknown as Record<string, unknown>;
  for (const field of Object.keys(fields)) {
    const value = fields[field];
    if (!Array.isArray(value) || !value.some(isSlotEntry)) continue;
    const byVariable = new Map<string, SlotEntry>();
    for (const e of value) if (isSlotEntry(e)) byVariable.set(variableOf(e), e);
    const aligned: Array<SlotEntry | undefined> = order.map((name) => {
      const key = `${field}|${name}`;
      const back = byVariable.get(name) ?? parked.get(key);
      byVariable.delete(name);
      parked.delete(key);
      return back;
    });
    for (const [name, e] of byVariable) parked.set(`${field}|${name}`, e);
    fields[field] = aligned;
  }
}

/** Frees parked slots (the trainer's dispose). */
export function disposeParked(parked: ParkedSlots): void {
  for (const e of parked.values()) e.variable.dispose();
  parked.clear();
}
