import * as tf from '@tensorflow/tfjs-core';
import { RandomStream, schemas, validateOptions, z } from '@tikhonov/core';

/** Options of {@link bayesByBackpropVector}. */
export interface BayesByBackpropOptions {
  /** log p(D | w) for each of S weight samples: w [S, d] ⇒ [S] (samples must not interact). */
  logLikelihood: (w: tf.Tensor2D) => tf.Tensor1D;
  /** Number of weights d. */
  dimension: number;
  /** The prior N(0, σ_p² I): its standard deviation. */
  priorStddev: number;
  steps: number;
  /** Adam's learning rate on μ and ρ. Default 0.01. */
  learningRate?: number;
  /** Monte Carlo samples of w per step. Default 8. */
  samples?: number;
  /** Initial σ (ρ = log(e^σ − 1)). Default 0.1. */
  initStddev?: number;
  seed?: number;
}

/** The fitted mean-field Gaussian q(w) = N(μ, diag σ²). */
export interface MeanField {
  mean: Float32Array;
  stddev: Float32Array;
}

const schema = z
  .object({
    logLikelihood: z.custom<BayesByBackpropOptions['logLikelihood']>((v) => typeof v === 'function', { message: 'must be a function w => log-likelihood per sample' }),
    dimension: schemas.positiveInt,
    priorStddev: schemas.positive,
    steps: schemas.positiveInt,
    learningRate: schemas.positive.optional(),
    samples: schemas.positiveInt.optional(),
    initStddev: schemas.positive.optional(),
    seed: schemas.seed.optional(),
  })
  .strict();

/**
 * Bayes by Backprop (Blundell et al. 2015; deck 004): a mean-field Gaussian
 * q(w | θ) with θ = (μ, ρ), σ = softplus(ρ), fitted by maximising the ELBO
 * E_q[log p(D | w)] − KL[q ‖ p] with reparameterised samples
 * w = μ + σ ⊙ ε, ε ~ N(0, I), and the KL to the Gaussian prior in closed
 * form: Σᵢ log(σ_p/σᵢ) + (σᵢ² + μᵢ²)/(2σ_p²) − ½. Seeded; returns μ and σ.
 */
export function bayesByBackpropVector(options: BayesByBackpropOptions): MeanField {
  const o = validateOptions('bayesByBackpropVector', schema, options) as BayesByBackpropOptions;
  const d = o.dimension;
  const s = o.samples ?? 8;
  const sp = o.priorStddev;
  const init = o.initStddev ?? 0.1;
  const mu = tf.variable(tf.zeros([1, d]));
  const rho = tf.variable(tf.fill([1, d], Math.log(Math.expm1(init))));
  const optimizer = tf.train.adam(o.learningRate ?? 0.01);
  const random = new RandomStream(['bayesByBackprop', o.seed ?? 0]);
  for (let step = 0; step < o.steps; step++) {
    const eps = random.normal([s, d]);
    optimizer.minimize(() => {
      const sigma = tf.softplus(rho);
      const w = tf.add(mu, tf.mul(sigma, eps)) as tf.Tensor2D;
      const expectedLogLik = tf.mean(o.logLikelihood(w));
      const kl = tf.sum(tf.sub(tf.add(tf.log(tf.div(sp, sigma)), tf.div(tf.add(tf.square(sigma), tf.square(mu)), 2 * sp * sp)), 0.5));
      return tf.sub(kl, expectedLogLik) as tf.Scalar;
    }, false, [mu, rho]);
    eps.dispose();
  }
  const result = { mean: mu.dataSync().slice() as Float32Array, stddev: tf.tidy(() => tf.softplus(rho).dataSync().slice()) as Float32Array };
  tf.dispose([mu, rho]);
  optimizer.dispose();
  return result;
}
