import * as tf from '@tensorflow/tfjs-core';
import { TrainingDivergedError } from '../errors.js';
import type { HistoryRecord } from '../history.js';
import { learningRateOf } from '../optimizers.js';
import type { RunState } from './run-state.js';

/**
 * Reads the kept losses and plugin reports (the only host reads of training)
 * and checks divergence: the first non-finite loss puts back the params of
 * the last finite read and throws {@link TrainingDivergedError}.
 */
export async function logPoint(run: RunState): Promise<void> {
  const steps = run.pendingLosses.length;
  if (steps === 0) return;
  const stacked = tf.stack(run.pendingLosses);
  const losses = await stacked.data();
  tf.dispose([stacked, ...run.pendingLosses]);
  run.pendingLosses = [];
  const firstBad = losses.findIndex((v) => !Number.isFinite(v));
  if (firstBad >= 0) {
    const restored = run.goodSnapshot;
    if (restored) {
      run.table!.restore(restored.values);
      await restoreSlots(run, restored.slots);
    }
    throw new TrainingDivergedError(run.stepCount - steps + firstBad + 1, restored?.step ?? 0);
  }
  let sum = 0;
  for (const v of losses) sum += v;
  const row: HistoryRecord = { step: run.stepCount, epoch: run.epochCount, loss: sum / steps };
  const lr = learningRateOf(run.optimizer);
  if (lr !== undefined) row.learningRate = lr;
  for (const [name, value] of run.reports) row[name] = (await value.data())[0]!;
  run.history.logs.push(row);
  run.epochLossSum += sum;
  run.epochSteps += steps;
  await takeGoodSnapshot(run);
}

/**
 * Copies the params and the optimizer's slots as the last known finite state
 * (fit start and log points only): after a divergence both go back, or
 * Adam's or momentum's NaN slots would make the next fit diverge at once.
 */
export async function takeGoodSnapshot(run: RunState): Promise<void> {
  if (!run.builtModel) return;
  disposeSnapshot(run);
  const weights = await run.optimizer.getWeights();
  // tfjs's getWeights makes the iteration count ('iter') a new tensor and hands out its live slot variables: keep the one, copy the others
  const slots = weights.map(({ name, tensor }) => ({ name, tensor: name === 'iter' ? tf.keep(tensor) : tf.keep(tf.clone(tensor)) }));
  run.goodSnapshot = { step: run.stepCount, values: run.table!.snapshot(), slots };
}

/** Puts the snapshot's slots back into the optimizer and frees the slots they replace. */
async function restoreSlots(run: RunState, slots: Array<{ name: string; tensor: tf.Tensor }>): Promise<void> {
  const replaced = await run.optimizer.getWeights();
  // setWeights builds its slot variables on copies' data, so the snapshot stays ours to free
  await run.optimizer.setWeights(slots.map(({ name, tensor }) => ({ name, tensor: tf.clone(tensor) })));
  for (const { tensor } of replaced) tensor.dispose();
}

/** Frees the last finite state. */
export function disposeSnapshot(run: RunState): void {
  if (run.goodSnapshot) {
    for (const t of run.goodSnapshot.values.values()) t.dispose();
    for (const { tensor } of run.goodSnapshot.slots) tensor.dispose();
  }
  run.goodSnapshot = undefined;
}

/** Adds an epoch row: the mean training loss since the last row, and the given metrics. */
export function recordEpoch(run: RunState, epoch: number, metrics: Record<string, number> = {}): void {
  const loss = run.epochSteps > 0 ? run.epochLossSum / run.epochSteps : Number.NaN;
  run.history.epochs.push({ epoch, step: run.stepCount, loss, ...metrics });
  run.epochLossSum = 0;
  run.epochSteps = 0;
}
