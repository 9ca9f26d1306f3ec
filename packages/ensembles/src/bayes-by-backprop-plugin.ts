import * as tf from '@tensorflow/tfjs-core';
import { definePlugin, OptionError, Order, paramSelectorSchema, RandomStream, schemas, selectOrThrow, type ParamInfo, type ParamSelector, type Plugin } from '@tikhonov/core';
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
}

// Adam's ε for ρ's update
const ADAM_EPSILON = 1e-8;

/**
 * Bayes by Backprop over a Trainer's model (Blundell et al. 2015; deck 004):
 * each selected param becomes a mean-field Gaussian q(w) = N(μ, softplus(ρ)²),
 * μ being the trainer's own param and ρ held by the plugin. A training step
 * runs at one reparameterised sample w = μ + softplus(ρ)·ε (one ε per param
 * and step, shared by every nested pass of the step) and adds klWeight·KL[q ‖
 * N(0, σ_p²I)] in closed form, so with a per-example negative log-likelihood
 * loss (softmax cross entropy; a Gaussian NLL for regression) and the default
 * klWeight 1/N the trainer minimises the negative ELBO per example. μ takes the
 * trainer's optimizer step (its gradient comes through the tape); ρ's gradient
 * follows by the chain rule from the same backward pass,
 * ∂F/∂ρ = (∂L/∂w·ε + klWeight·(σ/σ_p² − 1/σ))·sigmoid(ρ), with ∂L/∂w = ∂F/∂μ −
 * klWeight·μ/σ_p² (every use of w in the step shares ε, so the sum over uses
 * is exact), and is applied by the plugin's Adam at the trainer's current
 * learning rate. Inference (`'infer'`) uses the means μ; `predict(x, {
 * sample: true })` draws w from q, so `monteCarloPredict` averages over the
 * posterior. Other plugins' penalties on these params are counted as if
 * taken at w.
 */
export const bayesByBackprop: (options?: BayesByBackpropPluginOptions & { name?: string }) => Plugin = definePlugin({
  name: 'bayesByBackprop',
  options: {
    priorStddev: schemas.positive.optional(),
    initStddev: schemas.positive.optional(),
    klWeight: schemas.nonNegative.optional(),
    select: paramSelectorSchema.optional(),
    betas: schemas.rate.array().length(2, { message: 'must be [β₁, β₂]' }).optional(),
  },
  setup: ({ priorStddev = 1, initStddev = 0.01, klWeight, select, betas = [0.9, 0.999] }: BayesByBackpropPluginOptions, name) => {
    const priorVariance = priorStddev ** 2;
    const [beta1, beta2] = betas;
    let chosen: ParamInfo[] = [];
    let seed = 0;
    let weight = 0;
    // ρ and Adam's moments per param name, and the steps Adam has taken
    let rho = new Map<string, tf.Tensor>();
    let first = new Map<string, tf.Tensor>();
    let second = new Map<string, tf.Tensor>();
    let updates = 0;
    let rhoGrads = new Map<string, tf.Tensor>();
    // σ = softplus(ρ) and sigmoid(ρ) = dσ/dρ, computed once per update of ρ; the step's ε, drawn once per step
    let sigma = new Map<string, tf.Tensor>();
    let slope = new Map<string, tf.Tensor>();
    // ρ's parts of the KL, constant between updates of ρ: the value Σ log(σ_p/σ) + σ²/(2σ_p²) − ½ and the weighted
    // gradient klWeight·(σ/σ_p² − 1/σ)·sigmoid(ρ)
    let klRest = new Map<string, tf.Tensor>();
    let klSlope = new Map<string, tf.Tensor>();
    let epsilon = new Map<string, tf.Tensor>();
    let epsilonStep = -1;
    const free = () => [rho, first, second, rhoGrads, sigma, slope, klRest, klSlope, epsilon].forEach((m) => m.forEach((t) => t.dispose()));
    const replace = (map: Map<string, tf.Tensor>, key: string, value: tf.Tensor) => {
      map.get(key)?.dispose();
      map.set(key, tf.keep(value));
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
    const refresh = (key: string) => {
      const sd = tf.softplus(rho.get(key)!);
      const ds = tf.sigmoid(rho.get(key)!);
      replace(sigma, key, sd);
      replace(slope, key, ds);
      replace(klRest, key, tf.sum(tf.sub(tf.add(tf.neg(tf.log(tf.div(sd, priorStddev))), tf.div(tf.square(sd), 2 * priorVariance)), 0.5)));
      replace(klSlope, key, tf.mul(tf.mul(tf.sub(tf.div(sd, priorVariance), tf.div(1, sd)), weight), ds));
    };
    const refreshAll = () => tf.tidy(() => [...rho.keys()].forEach(refresh));
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
          rho.set(p.name, tf.keep(tf.fill([...p.shape], Math.log(Math.expm1(initStddev)))));
          first.set(p.name, tf.keep(tf.zeros([...p.shape])));
          second.set(p.name, tf.keep(tf.zeros([...p.shape])));
        }
        refreshAll();
      },
      transformParam(param, value, ctx) {
        const sd = sigma.get(param.name);
        if (!sd) return value;
        const eps = ctx.mode === 'train' ? epsilonAt(param, ctx.step) : ctx.random.normal([...param.shape]);
        return tf.add(value, tf.mul(sd, eps));
      },
      penalty(ctx) {
        if (chosen.length === 0) return undefined;
        // KL[N(μ, σ²) ‖ N(0, σ_p²)] = log(σ_p/σ) + (σ² + μ²)/(2σ_p²) − ½ per weight; only μ is on the tape
        const kl = tf.addN(chosen.flatMap((p) => [klRest.get(p.name)!, tf.div(tf.sum(tf.square(p.variable)), 2 * priorVariance)])) as tf.Scalar;
        ctx.report('kl', kl);
        return tf.mul(kl, weight) as tf.Scalar;
      },
      transformGradients(grads, ctx) {
        for (const p of chosen) {
          const gradMu = grads[p.name];
          if (!gradMu) continue;
          const gradW = tf.sub(gradMu, tf.mul(p.variable, weight / priorVariance));
          replace(rhoGrads, p.name, tf.add(tf.mul(tf.mul(gradW, epsilonAt(p, ctx.step)), slope.get(p.name)!), klSlope.get(p.name)!));
        }
        return grads;
      },
      afterStep(ctx) {
        if (rhoGrads.size === 0) return;
        updates++;
        const lr = ctx.learningRate ?? 0.001;
        const correction1 = 1 - beta1 ** updates;
        const correction2 = 1 - beta2 ** updates;
        for (const [key, g] of rhoGrads) {
          const m = tf.add(tf.mul(first.get(key)!, beta1), tf.mul(g, 1 - beta1));
          const v = tf.add(tf.mul(second.get(key)!, beta2), tf.mul(tf.square(g), 1 - beta2));
          const step = tf.div(tf.div(m, correction1), tf.add(tf.sqrt(tf.div(v, correction2)), ADAM_EPSILON));
          replace(rho, key, tf.sub(rho.get(key)!, tf.mul(step, lr)));
          refresh(key);
          replace(first, key, m);
          replace(second, key, v);
          g.dispose();
        }
        rhoGrads = new Map();
      },
      stateDict: () => ({ rho: tensorsToJSON(rho), first: tensorsToJSON(first), second: tensorsToJSON(second), updates }),
      loadStateDict(state) {
        free();
        rho = tensorsFromJSON(state.rho as Record<string, SavedTensor>);
        first = tensorsFromJSON(state.first as Record<string, SavedTensor>);
        second = tensorsFromJSON(state.second as Record<string, SavedTensor>);
        rhoGrads = new Map();
        [sigma, slope, klRest, klSlope, epsilon] = [new Map(), new Map(), new Map(), new Map(), new Map()];
        epsilonStep = -1;
        refreshAll(); // sample-mode predictions right after a load need σ
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
