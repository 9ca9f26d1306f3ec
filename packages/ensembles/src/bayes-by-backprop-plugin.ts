import * as tf from '@tensorflow/tfjs-core';
import { definePlugin, OptionError, Order, paramSelectorSchema, RandomStream, schemas, selectOrThrow, z, type DenseCall, type ParamInfo, type ParamSelector, type Plugin, type StepContext } from '@tikhonov/core';
import { tensorsFromJSON, tensorsToJSON, type SavedTensor } from './tensor-state.js';

/** Options of {@link bayesByBackprop}. */
export interface BayesByBackpropPluginOptions {
  /** The prior N(0, σ_p² I) on every selected param: σ_p. Default 1. */
  priorStddev?: number;
  /** σ at the start (ρ = log(e^σ − 1)). Default 0.01: small against typical initial weights, so training starts near a plain net. */
  initStddev?: number;
  /** The KL term's weight in the mean batch loss. Default 1/N (N = the fit's training examples): the ELBO per example. */
  klWeight?: number;
  /** Which params get a distribution; default the weights and biases. The others stay point estimates. */
  select?: ParamSelector;
  /** Adam's β₁, β₂ for ρ. Default 0.9, 0.999. */
  betas?: [number, number];
  /**
   * Local reparameterisation for dense layers whose kernel is selected
   * (Kingma, Salimans & Welling 2015): instead of one weight sample per step,
   * each example's pre-activation is drawn from the Gaussian it has under q,
   * N(x·μ_W + μ_b, (x²)·σ_W² + σ_b²), so the examples of a batch see
   * independent weights (which, Kingma et al. show, lowers the gradient's
   * variance; not measured here). Other params
   * (convolutions, normalisation scales) are sampled per weight. Default true.
   */
  local?: boolean;
}

// Adam's ε for ρ's update
const ADAM_EPSILON = 1e-8;
// added to a local pre-activation's variance before the square root: keeps its gradient finite where an input row is
// all zeros and the layer has no sampled bias (relative size negligible against any σ² a float32 σ can hold above 1e-6)
const VARIANCE_FLOOR = 1e-12;

/**
 * Bayes by Backprop over a Trainer's model (Blundell et al. 2015; deck 004):
 * each selected param becomes a mean-field Gaussian q(w) = N(μ, softplus(ρ)²),
 * μ being the trainer's own param and ρ a variable of the plugin's, trained
 * through the same tape. A training step runs at reparameterised samples:
 * w = μ + softplus(ρ)·ε per weight (one ε per param and step, shared by every
 * nested pass of the step) or, for dense layers with `local` (the default),
 * per example and unit at the pre-activation (see the option). It adds
 * klWeight·KL[q ‖ N(0, σ_p²I)] in closed form, so with a per-example negative
 * log-likelihood loss (softmax cross entropy; a Gaussian NLL for regression)
 * and the default klWeight 1/N the trainer minimises the negative ELBO per
 * example. μ takes the trainer's optimizer step; ρ's gradient (from
 * `ctx.ownGradients`) takes the plugin's Adam at the trainer's current
 * learning rate. Inference (`'infer'`) uses the means μ; `predict(x, {
 * sample: true })` samples as training does, so `monteCarloPredict` averages
 * over the posterior. Other plugins' penalties on these params see μ.
 */
export const bayesByBackprop: (options?: BayesByBackpropPluginOptions & { name?: string }) => Plugin = definePlugin({
  name: 'bayesByBackprop',
  options: {
    priorStddev: schemas.positive.optional(),
    initStddev: schemas.positive.optional(),
    klWeight: schemas.nonNegative.optional(),
    select: paramSelectorSchema.optional(),
    betas: schemas.rate.array().length(2, { message: 'must be [β₁, β₂]' }).optional(),
    local: z.boolean().optional(),
  },
  setup: ({ priorStddev = 1, initStddev = 0.01, klWeight, select, betas = [0.9, 0.999], local = true }: BayesByBackpropPluginOptions, name) => {
    const priorVariance = priorStddev ** 2;
    const [beta1, beta2] = betas;
    let chosen: ParamInfo[] = [];
    // the dense product being computed at its pre-activation: its params are not sampled per weight
    let wrapping: DenseCall | undefined;
    let seed = 0;
    let weight = 0;
    // ρ (the plugin's variables) and Adam's moments per param name, and the steps Adam has taken
    let rho = new Map<string, tf.Variable>();
    let first = new Map<string, tf.Tensor>();
    let second = new Map<string, tf.Tensor>();
    let updates = 0;
    let epsilon = new Map<string, tf.Tensor>();
    let epsilonStep = -1;
    const free = () => [rho, first, second, epsilon].forEach((m) => m.forEach((t) => t.dispose()));
    const replace = (map: Map<string, tf.Tensor>, key: string, value: tf.Tensor) => {
      map.get(key)?.dispose();
      map.set(key, tf.keep(value));
    };
    const addRho = (key: string, value: tf.Tensor) => {
      rho.get(key)?.dispose();
      rho.set(key, tf.variable(value, true));
    };
    // the step's ε for a param: the same for every pass of the step, reproducible from (seed, step, param)
    const epsilonAt = (param: ParamInfo, step: number) => {
      if (epsilonStep !== step) {
        epsilon.forEach((t) => t.dispose());
        epsilon = new Map();
        epsilonStep = step;
      }
      let eps = epsilon.get(param.name);
      if (!eps) epsilon.set(param.name, (eps = tf.keep(new RandomStream([seed, name, 'epsilon', step, param.name]).normal([...param.shape]))));
      return eps;
    };
    // σ = softplus(ρ) on the tape, once per param in a step's main pass (its forward and the KL share it): each
    // softplus costs a pass over the weights forward and two backward
    let sigmas = new Map<string, tf.Tensor>();
    let sigmasStep = -1;
    const sigmaOf = (key: string, ctx: StepContext) => {
      if (ctx.mode !== 'train' || ctx.pass.nested) return tf.softplus(rho.get(key)!);
      if (sigmasStep !== ctx.step) {
        // the last step's tensors died with its tidy: only forget them
        sigmas = new Map();
        sigmasStep = ctx.step;
      }
      let sd = sigmas.get(key);
      if (!sd) sigmas.set(key, (sd = tf.softplus(rho.get(key)!)));
      return sd;
    };
    // local reparameterisation: the pre-activation drawn from its Gaussian under q, per example and unit
    const transformDense: Plugin['transformDense'] = (call, next, ctx) => {
      if (!rho.has(call.kernel.name)) return next();
      wrapping = call;
      let mean: tf.Tensor;
      try {
        mean = next();
      } finally {
        wrapping = undefined;
      }
      // Var[x·W + b] = (x²)·σ_W² + σ_b² (a bias left out of `select` is a point estimate)
      let variance = tf.matMul(tf.square(call.input), tf.square(sigmaOf(call.kernel.name, ctx)));
      if (call.bias && rho.has(call.bias.name)) variance = tf.add(variance, tf.square(sigmaOf(call.bias.name, ctx)));
      const eps = ctx.random.normal(mean.shape);
      return tf.add(mean, tf.mul(tf.sqrt(tf.add(variance, VARIANCE_FLOOR)), eps));
    };
    return {
      order: Order.noise,
      modes: ['train', 'sample'],
      beforeFit(ctx) {
        // a fit always has its training data here
        weight = klWeight ?? 1 / ctx.data!.size;
        seed = ctx.seed;
        chosen = selectOrThrow(
          ctx.params.all.filter((p) => p.trainable),
          select ?? { roles: ['weight', 'bias'] },
          name,
        );
        for (const p of chosen) {
          if (rho.has(p.name)) continue; // resumed or a later fit: keep the learned σ
          tf.tidy(() => addRho(p.name, tf.fill([...p.shape], Math.log(Math.expm1(initStddev)))));
          first.set(p.name, tf.keep(tf.zeros([...p.shape])));
          second.set(p.name, tf.keep(tf.zeros([...p.shape])));
        }
      },
      variables: () => Object.fromEntries(rho),
      // only with local: a wrapped dense layer cannot use the fused matMul + activation
      ...(local ? { transformDense } : {}),
      transformParam(param, value, ctx) {
        if (!rho.has(param.name) || param.name === wrapping?.kernel.name || param.name === wrapping?.bias?.name) return value;
        const eps = ctx.mode === 'train' ? epsilonAt(param, ctx.step) : ctx.random.normal([...param.shape]);
        return tf.add(value, tf.mul(sigmaOf(param.name, ctx), eps));
      },
      penalty(ctx) {
        if (chosen.length === 0) return undefined;
        // KL[N(μ, σ²) ‖ N(0, σ_p²)] = log(σ_p/σ) + (σ² + μ²)/(2σ_p²) − ½ per weight, μ and ρ both on the tape
        const terms = chosen.map((p) => {
          const sd = sigmaOf(p.name, ctx);
          const perWeight = tf.sub(tf.div(tf.add(tf.square(sd), tf.square(p.variable)), 2 * priorVariance), tf.log(sd));
          return tf.sum(perWeight);
        });
        const count = chosen.reduce((s, p) => s + tf.util.sizeFromShape([...p.shape]), 0);
        const kl = tf.add(tf.addN(terms), count * (Math.log(priorStddev) - 0.5)) as tf.Scalar;
        ctx.report('kl', kl);
        return tf.mul(kl, weight) as tf.Scalar;
      },
      afterStep(ctx) {
        const grads = ctx.ownGradients;
        if (Object.keys(grads).length === 0) return;
        updates++;
        const lr = ctx.learningRate ?? 0.001;
        const correction1 = 1 - beta1 ** updates;
        const correction2 = 1 - beta2 ** updates;
        for (const [key, g] of Object.entries(grads)) {
          const m = tf.add(tf.mul(first.get(key)!, beta1), tf.mul(g, 1 - beta1));
          const v = tf.add(tf.mul(second.get(key)!, beta2), tf.mul(tf.square(g), 1 - beta2));
          const step = tf.div(tf.div(m, correction1), tf.add(tf.sqrt(tf.div(v, correction2)), ADAM_EPSILON));
          rho.get(key)!.assign(tf.sub(rho.get(key)!, tf.mul(step, lr)));
          replace(first, key, m);
          replace(second, key, v);
        }
      },
      stateDict: () => ({ rho: tensorsToJSON(rho), first: tensorsToJSON(first), second: tensorsToJSON(second), updates }),
      loadStateDict(state) {
        free();
        const saved = tensorsFromJSON(state.rho as Record<string, SavedTensor>);
        rho = new Map();
        for (const [key, value] of saved) {
          addRho(key, value);
          value.dispose();
        }
        first = tensorsFromJSON(state.first as Record<string, SavedTensor>);
        second = tensorsFromJSON(state.second as Record<string, SavedTensor>);
        epsilon = new Map();
        epsilonStep = -1;
        updates = state.updates as number;
      },
      dispose: free,
    };
  },
});

/** σ = softplus(ρ) per param name from a {@link bayesByBackprop} plugin's state (a host read). */
export function posteriorStddevs(plugin: Plugin): Map<string, Float32Array> {
  const rho = plugin.stateDict?.().rho as Record<string, SavedTensor> | undefined;
  if (!rho) throw new OptionError('posteriorStddevs', 'plugin', plugin.name, 'a bayesByBackprop plugin');
  return new Map(Object.entries(rho).map(([k, v]) => [k, Float32Array.from(v.values, (r) => Math.log1p(Math.exp(r)))]));
}
