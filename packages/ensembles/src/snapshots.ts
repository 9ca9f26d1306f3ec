import * as tf from '@tensorflow/tfjs-core';
import { definePlugin, OptionError, schemas, z, type ModelOutput, type Plugin, type StepContext } from '@tikhonov/core';
import { tensorsFromJSON, tensorsToJSON, type SavedTensor } from './tensor-state.js';

/** Options of {@link snapshotEnsemble} and {@link fastGeometricEnsemble}. */
export interface SnapshotOptions {
  /** Keep only the latest this many members (older ones are freed). Default: all. */
  maxMembers?: number;
  /** How members' outputs combine at inference: mean of probabilities (`'mean'`, default; the output is its log, so softmax gives it back) or mean output (`'regression'`). */
  combine?: 'mean' | 'regression';
}

type CollectAt = 'cycleEnd' | 'cycleMiddle';

/** True when the step that began at `ctx.epochProgress` is where a member is taken. */
function collectsNow(ctx: StepContext, at: CollectAt): boolean {
  const cycle = ctx.schedule!.cycle!;
  const before = cycle(ctx.epochProgress);
  const after = cycle(ctx.epochProgress + 1 / ctx.stepsPerEpoch);
  if (at === 'cycleEnd') return after.index > before.index;
  return before.phase < 0.5 && (after.phase >= 0.5 || after.index > before.index);
}

/** Mean of the members' probabilities (as log-probabilities, usable as logits) or of their outputs. */
function average(outputs: tf.Tensor[], rule: 'mean' | 'regression'): tf.Tensor {
  if (rule === 'regression') return tf.div(tf.addN(outputs), outputs.length);
  return tf.log(tf.div(tf.addN(outputs.map((o) => tf.softmax(o))), outputs.length));
}

function collector(who: string, at: CollectAt, needs: string, { maxMembers = Infinity, combine = 'mean' }: SnapshotOptions) {
  const members: Map<string, tf.Tensor>[] = [];
  let active: Map<string, tf.Tensor> | undefined;
  const free = () => {
    members.forEach((m) => m.forEach((t) => t.dispose()));
    members.length = 0;
  };
  const hooks: Omit<Plugin, 'name' | 'apiVersion'> = {
    modes: ['infer', 'sample'],
    afterStepKind: 'average',
    beforeFit(ctx) {
      if (!ctx.schedule?.cycle) {
        throw new OptionError(who, 'optimizer.learningRate', ctx.schedule?.kind ?? ctx.learningRate, `${who} takes its members from the cycles of the learning rate; give the optimizer ${needs}`);
      }
    },
    afterStep(ctx) {
      if (!collectsNow(ctx, at)) return;
      members.push(ctx.params.snapshot());
      if (members.length > maxMembers) members.shift()!.forEach((t) => t.dispose());
    },
    // only while wrapPredict runs one member: every other pass sees the params unchanged
    transformParam: (param, value) => active?.get(param.name) ?? value,
    wrapPredict(x, next) {
      if (members.length === 0) return next(x);
      const outputs: ModelOutput[] = [];
      try {
        for (const member of members) {
          active = member;
          outputs.push(next(x));
        }
      } finally {
        active = undefined;
      }
      const first = outputs[0]!;
      if (first instanceof tf.Tensor) return average(outputs as tf.Tensor[], combine);
      return Object.fromEntries(Object.keys(first).map((k) => [k, average(outputs.map((o) => (o as Record<string, tf.Tensor>)[k]!), combine)]));
    },
    stateDict: () => ({ members: members.map((m) => tensorsToJSON(m)) }),
    loadStateDict(state) {
      free();
      for (const saved of state.members as Record<string, SavedTensor>[]) members.push(tensorsFromJSON(saved));
    },
    dispose: free,
  };
  return hooks;
}

const options = {
  maxMembers: schemas.positiveInt.optional(),
  combine: z.enum(['mean', 'regression'], { message: "must be 'mean' or 'regression'" }).optional(),
};

/**
 * Snapshot ensembles (Huang et al. 2017, "train 1, get M for free"): with a
 * cyclic cosine learning rate (`schedules.cosineWarmRestarts`), the params at
 * the end of every cycle — each a local minimum the restart then leaves — are
 * kept as a member. Inference (`predict`, `evaluate`, validation) averages
 * the members' probabilities; training is unchanged. Members are checkpointed.
 */
export const snapshotEnsemble: (options?: SnapshotOptions & { name?: string }) => Plugin = definePlugin({
  name: 'snapshotEnsemble',
  options,
  setup: (o: SnapshotOptions) => collector('snapshotEnsemble', 'cycleEnd', 'a cyclic schedule such as schedules.cosineWarmRestarts({ max, period })', o),
});

/**
 * Fast geometric ensembling (Garipov et al. 2018): with the triangular
 * learning rate `schedules.cyclicLinear` (short cycles of 2–4 epochs), the
 * params at the middle of every cycle — where the rate is lowest — are kept as
 * a member; inference averages the members as {@link snapshotEnsemble} does.
 */
export const fastGeometricEnsemble: (options?: SnapshotOptions & { name?: string }) => Plugin = definePlugin({
  name: 'fastGeometricEnsemble',
  options,
  setup: (o: SnapshotOptions) => collector('fastGeometricEnsemble', 'cycleMiddle', 'the triangular schedule schedules.cyclicLinear({ high, low, period })', o),
});
