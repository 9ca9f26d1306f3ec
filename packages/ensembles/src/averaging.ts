import * as tf from '@tensorflow/tfjs-core';
import { definePlugin, schemas, z, type ParamTable, type Plugin } from '@tikhonov/core';

/** Kept copies of every param, by name. */
type Shadow = Map<string, tf.Tensor>;

const copyParams = (params: ParamTable, zeros: boolean): Shadow =>
  new Map(params.all.map((p) => [p.name, tf.keep(zeros ? tf.zerosLike(p.variable) : tf.clone(p.variable))]));

const freeShadow = (s: Shadow | undefined) => s?.forEach((t) => t.dispose());

/** A shadow as JSON (checkpoint time only: it reads the values). */
const shadowToJson = (s: Shadow | undefined) => (s ? Object.fromEntries([...s].map(([k, t]) => [k, { shape: t.shape, values: Array.from(t.dataSync()) }])) : null);
const shadowFromJson = (j: unknown): Shadow | undefined =>
  j ? new Map(Object.entries(j as Record<string, { shape: number[]; values: number[] }>).map(([k, v]) => [k, tf.keep(tf.tensor(v.values, v.shape))])) : undefined;

/** Options of {@link ema}. */
export interface EmaOptions {
  /** β of θ̄ ← β·θ̄ + (1 − β)·θ after every step. Default 0.999. */
  decay?: number;
  /** Start θ̄ at 0 and use θ̄/(1 − βᵗ) (as Adam's moments), instead of starting at the initial params. Default false. */
  biasCorrection?: boolean;
}

/**
 * An exponential moving average of the params (Polyak averaging's
 * exponential form): after every step, at the `'average'` afterStep tier
 * (it sees the step's final params, after decay and constraints),
 * θ̄ ← β·θ̄ + (1 − β)·θ. Inference (`predict`, `evaluate`, validation; the
 * `'infer'` and `'sample'` modes) runs on θ̄ through `transformParam`;
 * training continues on the raw params, which it never writes.
 */
export const ema: (options?: EmaOptions & { name?: string }) => Plugin = definePlugin({
  name: 'ema',
  options: {
    decay: z.number({ message: 'must be a number' }).min(0, { message: 'must be in [0, 1)' }).lt(1, { message: 'must be in [0, 1)' }).optional(),
    biasCorrection: z.boolean({ message: 'must be true or false' }).optional(),
  },
  setup: ({ decay = 0.999, biasCorrection = false }: EmaOptions) => {
    let shadow: Shadow | undefined;
    let steps = 0;
    return {
      modes: ['infer', 'sample'],
      afterStepKind: 'average',
      beforeFit(ctx) {
        shadow ??= copyParams(ctx.params, biasCorrection);
      },
      afterStep(ctx) {
        for (const p of ctx.params.all) {
          const old = shadow!.get(p.name)!;
          shadow!.set(p.name, tf.keep(tf.add(tf.mul(old, decay), tf.mul(p.variable, 1 - decay))));
          old.dispose();
        }
        steps++;
      },
      transformParam(param, value) {
        const averaged = shadow?.get(param.name);
        if (!averaged || (biasCorrection && steps === 0)) return value;
        return biasCorrection ? tf.div(averaged, 1 - decay ** steps) : averaged;
      },
      stateDict: () => ({ steps, shadow: shadowToJson(shadow) }),
      loadStateDict(state) {
        freeShadow(shadow);
        steps = state.steps as number;
        shadow = shadowFromJson(state.shadow);
      },
      dispose() {
        freeShadow(shadow);
        shadow = undefined;
      },
    };
  },
});

/** Options of {@link swa}. */
export interface SwaOptions {
  /** The first epoch end whose params join the average (1 = after the first epoch). Default 1. */
  start?: number;
  /** Collect every this many epochs from `start`. Default 1. */
  every?: number;
}

/**
 * Stochastic weight averaging (Izmailov et al. 2018): the arithmetic mean
 * of the params at epoch ends start, start + every, … (θ̄ ← θ̄ + (θ − θ̄)/n);
 * inference runs on θ̄ once one snapshot is in, training continues on the
 * raw params. Batch-norm statistics are not recomputed for θ̄ (see the README).
 */
export const swa: (options?: SwaOptions & { name?: string }) => Plugin = definePlugin({
  name: 'swa',
  options: { start: schemas.positiveInt.optional(), every: schemas.positiveInt.optional() },
  setup: ({ start = 1, every = 1 }: SwaOptions) => {
    let mean: Shadow | undefined;
    let count = 0;
    return {
      modes: ['infer', 'sample'],
      afterEpoch(ctx) {
        if (ctx.epoch < start || (ctx.epoch - start) % every !== 0) return;
        count++;
        if (!mean) {
          mean = copyParams(ctx.params, false);
          return;
        }
        for (const p of ctx.params.all) {
          const old = mean.get(p.name)!;
          mean.set(p.name, tf.keep(tf.tidy(() => tf.add(old, tf.div(tf.sub(p.variable, old), count)))));
          old.dispose();
        }
      },
      transformParam: (param, value) => mean?.get(param.name) ?? value,
      stateDict: () => ({ count, mean: shadowToJson(mean) }),
      loadStateDict(state) {
        freeShadow(mean);
        count = state.count as number;
        mean = shadowFromJson(state.mean);
      },
      dispose() {
        freeShadow(mean);
        mean = undefined;
      },
    };
  },
});
