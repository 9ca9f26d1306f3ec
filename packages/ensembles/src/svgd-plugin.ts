import * as tf from '@tensorflow/tfjs-core';
import { BuiltModel, definePlugin, deriveSeed, OptionError, schemas, z, type ModelOutput, type ParamInfo, type Plugin } from '@tikhonov/core';
import { svgdDirection } from './svgd.js';
import { tensorsFromJSON, tensorsToJSON, type SavedTensor } from './tensor-state.js';

/** Options of {@link svgd}. */
export interface SvgdPluginOptions {
  /** K, full parameter sets (the trainer's own params are particle 0). Default 5. */
  particles?: number;
  /** RBF bandwidth h; `'median'` (default): med²/log K over the particles' distances, each step. */
  bandwidth?: 'median' | number;
  /** The prior N(0, σ_p² I) on every param: σ_p. Default 1. */
  priorStddev?: number;
  /** Keep the repulsive term (default true); without it the particles are K independent MAP ascents. */
  repulsive?: boolean;
  /** How particles' outputs combine at inference: mean of probabilities (default) or mean output. */
  combine?: 'mean' | 'regression';
}

/** The log posterior's gradient for one particle: −N·∇(mean batch loss) − w/σ_p². */
function logPosteriorGradient(grad: tf.Tensor, w: tf.Tensor, size: number, priorVariance: number): tf.Tensor {
  return tf.sub(tf.mul(grad, -size), tf.div(w, priorVariance));
}

/**
 * Stein variational gradient descent over a Trainer's model (deck 004; Liu &
 * Wang 2016): K particles — the trainer's params and K − 1 more sets, each
 * initialised as the model would be under its own seed — move together by
 * θᵢ ← θᵢ + ε·φ(θᵢ), φ(θᵢ) = (1/K)Σⱼ[k(θⱼ, θᵢ)∇log p(θⱼ | D) + ∇_{θⱼ}k(θⱼ, θᵢ)],
 * with log p(θ | D) = −N·(mean batch loss) − ‖θ‖²/(2σ_p²) + const (so the
 * loss must be a per-example negative log-likelihood, as softmax cross
 * entropy is) and ε the trainer's learning rate (schedules apply). Each step
 * runs K nested forward/backward passes (tag `'svgd'`); the trainer's own
 * optimizer rule is not used (its gradients are replaced by zeros, which
 * leave every tfjs optimizer's params where they are). Inference averages
 * the particles; `predict(x, { sample: true })` returns one particle's output,
 * picked uniformly (so {@link sampledEnsemble} works over the particles). Other penalties do not enter the particles' posterior.
 */
export const svgd: (options?: SvgdPluginOptions & { name?: string }) => Plugin = definePlugin({
  name: 'svgd',
  options: {
    particles: schemas.positiveInt.min(2, { message: 'must be ≥ 2' }).optional(),
    bandwidth: z.union([z.literal('median'), schemas.positive], { message: "must be 'median' or a number > 0" }).optional(),
    priorStddev: schemas.positive.optional(),
    repulsive: z.boolean({ message: 'must be true or false' }).optional(),
    combine: z.enum(['mean', 'regression'], { message: "must be 'mean' or 'regression'" }).optional(),
  },
  setup: ({ particles: count = 5, bandwidth = 'median', priorStddev = 1, repulsive = true, combine = 'mean' }: SvgdPluginOptions) => {
    // particles 1 … K−1; particle 0 is the trainer's params
    let others: Map<string, tf.Tensor>[] = [];
    let active: ReadonlyMap<string, tf.Tensor> | undefined;
    let size = 0;
    let direction: tf.Tensor2D | undefined;
    const priorVariance = priorStddev ** 2;
    const free = () => {
      others.forEach((m) => m.forEach((t) => t.dispose()));
      others = [];
      direction?.dispose();
      direction = undefined;
    };
    const withParams = <T>(values: ReadonlyMap<string, tf.Tensor> | undefined, f: () => T): T => {
      active = values;
      try {
        return f();
      } finally {
        active = undefined;
      }
    };
    const flat = (params: readonly ParamInfo[], values: (p: ParamInfo) => tf.Tensor) => tf.concat(params.map((p) => tf.reshape(values(p), [-1])));
    return {
      modes: ['train', 'infer', 'sample'],
      beforeFit(ctx) {
        if (!ctx.data) throw new OptionError('svgd', 'data', undefined, 'svgd needs the fit’s training data (its size N scales the likelihood)');
        size = ctx.data.size;
        if (others.length > 0) return;
        for (let k = 1; k < count; k++) {
          // a fresh initialisation under another seed, as a deep ensemble's member would start
          const model = new BuiltModel(ctx.model.root, ctx.model.inputShape, deriveSeed(ctx.seed, 'svgd', 'particle', k));
          others.push(new Map(model.params.map((p) => [p.name, tf.keep(tf.clone(p.variable))])));
          model.dispose();
        }
      },
      transformParam: (param, value) => active?.get(param.name) ?? value,
      transformGradients(grads, ctx) {
        const trainable = ctx.params.all.filter((p) => p.trainable);
        const batch = ctx.batch!;
        const gradientAt = (values: Map<string, tf.Tensor>): tf.Tensor => {
          const names = trainable.map((p) => p.name);
          const g = tf.grads((...w: tf.Tensor[]) => withParams(new Map([...values, ...names.map((n, i) => [n, w[i]!] as const)]), () => ctx.loss(ctx.forward(batch.x, { tag: 'svgd' }), batch.y, batch.weight)));
          const parts = g(names.map((n) => values.get(n)!));
          return tf.concat(parts.map((part, i) => tf.reshape(logPosteriorGradient(part, values.get(names[i]!)!, size, priorVariance), [-1])));
        };
        const own = new Map(ctx.params.all.map((p) => [p.name, p.variable as tf.Tensor]));
        const sets = [own, ...others];
        const positions = tf.stack(sets.map((set) => flat(trainable, (p) => set.get(p.name)!))) as tf.Tensor2D;
        const gradients = tf.stack(sets.map(gradientAt)) as tf.Tensor2D;
        direction?.dispose();
        direction = tf.keep(svgdDirection(positions, gradients, bandwidth, repulsive));
        return Object.fromEntries(Object.entries(grads).map(([name, g]) => [name, tf.zerosLike(g)]));
      },
      afterStep(ctx) {
        if (!direction) return;
        const lr = ctx.learningRate ?? 0.01;
        const trainable = ctx.params.all.filter((p) => p.trainable);
        let offset = 0;
        for (const p of trainable) {
          const length = p.shape.reduce((a, b) => a * b, 1);
          const step = (row: number) => tf.reshape(tf.mul(tf.slice(direction!, [row, offset], [1, length]), lr), [...p.shape]);
          ctx.params.write(p, tf.add(p.variable, step(0)));
          others.forEach((set, k) => {
            const old = set.get(p.name)!;
            set.set(p.name, tf.keep(tf.add(old, step(k + 1))));
            old.dispose();
          });
          offset += length;
        }
        direction.dispose();
        direction = undefined;
      },
      wrapPredict(x, next, ctx) {
        // a draw from the particle approximation of the posterior is one particle, uniformly
        if (ctx.mode === 'sample') {
          const k = ctx.random.nextSeed() % count;
          return k === 0 ? next(x) : withParams(others[k - 1], () => next(x));
        }
        const outputs = [next(x), ...others.map((set) => withParams(set, () => next(x)))] as ModelOutput[];
        if (!(outputs[0] instanceof tf.Tensor)) throw new OptionError('svgd', 'model', 'named outputs', 'svgd averages single-output models');
        const ts = outputs as tf.Tensor[];
        return combine === 'regression' ? tf.div(tf.addN(ts), ts.length) : tf.log(tf.div(tf.addN(ts.map((o) => tf.softmax(o))), ts.length));
      },
      stateDict: () => ({ particles: others.map((m) => tensorsToJSON(m)) }),
      loadStateDict(state) {
        free();
        others = (state.particles as Record<string, SavedTensor>[]).map((saved) => tensorsFromJSON(saved));
      },
      dispose: free,
    };
  },
});
