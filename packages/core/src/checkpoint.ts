import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError } from './errors.js';
import { CHECKPOINT_FORMAT, type CheckpointData, type CheckpointTarget, type PluginState } from './checkpoint-data.js';

export { CHECKPOINT_FORMAT, type CheckpointData, type CheckpointTarget };

/** Serialises a trainer (params, optimizer slots, plugin states, counters, history). */
export async function exportCheckpoint(trainer: CheckpointTarget): Promise<CheckpointData> {
  const model = trainer.model;
  const named: tf.NamedTensorMap = {};
  for (const p of model.params) named[p.name] = p.variable;
  const encoded = await tf.io.encodeWeights(named);
  // Slot names embed process-unique variable names; store them under param names.
  const toParamName = new Map(model.params.map((p) => [model.variableName(p), p.name]));
  const slots = await trainer.optimizer.getWeights();
  const slotMap: tf.NamedTensorMap = {};
  for (const { name, tensor } of slots) slotMap[renameSlot(name, toParamName)] = tensor;
  const optimizerEncoded = await tf.io.encodeWeights(slotMap);
  // getWeights makes a fresh scalar of the iteration count besides the slot variables: ours to free
  for (const { tensor } of slots) if (!(tensor instanceof tf.Variable)) tensor.dispose();
  const plugins: Record<string, PluginState> = {};
  for (const plugin of trainer.plugins) if (plugin.stateDict) plugins[plugin.name] = plugin.stateDict();
  const progress = trainer.progressState();
  return {
    model: {
      format: CHECKPOINT_FORMAT,
      weightsManifest: [{ paths: ['weights.bin'], weights: encoded.specs }],
      params: model.params.map((p) => ({ name: p.name, shape: [...p.shape] })),
    },
    weights: encoded.data,
    optimizer: { className: trainer.optimizer.getClassName(), weights: optimizerEncoded.specs },
    optimizerWeights: optimizerEncoded.data,
    state: { seed: trainer.seed, ...progress, plugins },
  };
}

/** Loads a checkpoint into a trainer built for the same model; refuses a mismatch with the differences listed. */
export async function importCheckpoint(trainer: CheckpointTarget, data: CheckpointData): Promise<void> {
  if (data?.model?.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(`not a Tikhonov checkpoint (format ${String(data?.model?.format)}; expected ${CHECKPOINT_FORMAT})`);
  }
  const model = trainer.model;
  const want = model.params.map((p) => `${p.name} [${p.shape.join(',')}]`);
  const got = data.model.params.map((p) => `${p.name} [${p.shape.join(',')}]`);
  const missing = want.filter((w) => !got.includes(w));
  const extra = got.filter((g) => !want.includes(g));
  if (missing.length || extra.length) {
    throw new CheckpointError(
      `checkpoint is for another model: ${missing.length ? `missing ${missing.join(', ')}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `unexpected ${extra.join(', ')}` : ''}`,
    );
  }
  if (data.state.seed !== trainer.seed) {
    throw new CheckpointError(`checkpoint was written with seed ${data.state.seed} but this trainer has seed ${trainer.seed}; resuming would not reproduce the run`);
  }
  if (data.optimizer.className !== trainer.optimizer.getClassName()) {
    throw new CheckpointError(`checkpoint holds ${data.optimizer.className} state but this trainer uses ${trainer.optimizer.getClassName()}`);
  }
  const checkSize = (specs: tf.io.WeightsManifestEntry[], buffer: ArrayBuffer, what: string) => {
    const bytes = specs.reduce((sum, s) => sum + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
    if (buffer.byteLength !== bytes) throw new CheckpointError(`${what} holds ${buffer.byteLength} bytes but its manifest needs ${bytes}: the file is truncated or corrupt`);
  };
  checkSize(data.model.weightsManifest[0]!.weights, data.weights, 'weights.bin');
  checkSize(data.optimizer.weights, data.optimizerWeights, 'optimizer.bin');
  // every refusal comes before the first write, so a refused load leaves the trainer as it was
  for (const plugin of trainer.plugins) {
    const state = data.state.plugins[plugin.name];
    if (state !== undefined && !plugin.loadStateDict) throw new CheckpointError(`checkpoint holds state for plugin '${plugin.name}', which has no loadStateDict`);
    if (state === undefined && plugin.stateDict) {
      throw new CheckpointError(`checkpoint has no state for plugin '${plugin.name}' (saved with other plugins: ${Object.keys(data.state.plugins).join(', ') || 'none'})`);
    }
  }
  const values = tf.io.decodeWeights(data.weights, data.model.weightsManifest[0]!.weights);
  for (const p of model.params) {
    p.variable.assign(values[p.name]!);
  }
  tf.dispose(Object.values(values));
  const toVariableName = new Map(model.params.map((p) => [p.name, model.variableName(p)]));
  const slots = tf.io.decodeWeights(data.optimizerWeights, data.optimizer.weights);
  await trainer.optimizer.setWeights(
    data.optimizer.weights.map((spec) => ({ name: renameSlot(spec.name, toVariableName), tensor: slots[spec.name]! })),
  );
  // setWeights copies the slot values into new variables; the decoded tensors can go.
  tf.dispose(Object.values(slots));
  for (const plugin of trainer.plugins) {
    const state = data.state.plugins[plugin.name];
    if (state !== undefined) plugin.loadStateDict!(state);
  }
  trainer.restoreProgress(data.state);
}

/** Renames `<prefix>/<slot>` where prefix is a key of `map` (variable ↔ param names). */
function renameSlot(name: string, map: Map<string, string>): string {
  for (const [from, to] of map) {
    if (name === from) return to;
    if (name.startsWith(`${from}/`)) return to + name.slice(from.length);
  }
  return name;
}
