import * as tf from '@tensorflow/tfjs-core';
import { OptionError, schemas, validateOptions, z } from '@tikhonov/core';

/** Options of {@link steinVariationalGradientDescent}. */
export interface SvgdOptions {
  /** log p(θ | D) up to a constant for each particle: particles [K, d] ⇒ [K] (particles must not interact). */
  logPosterior: (particles: tf.Tensor2D) => tf.Tensor1D;
  /** The starting particles [K, d] (K ≥ 2). */
  init: tf.Tensor2D;
  steps: number;
  /** Step size ε of θ ← θ + ε·φ(θ). */
  stepSize: number;
  /** RBF bandwidth h in k(x, y) = exp(−‖x − y‖²/h); `'median'` (default): h = med²/log K (Liu & Wang 2016). */
  bandwidth?: 'median' | number;
  /** Keep the repulsive term Σⱼ ∇_{θⱼ}k(θⱼ, θᵢ) (default). Without it the particles are K independent gradient ascents to the MAP. */
  repulsive?: boolean;
}

const schema = z
  .object({
    logPosterior: z.custom<SvgdOptions['logPosterior']>((v) => typeof v === 'function', { message: 'must be a function particles => log posterior per particle' }),
    init: z.instanceof(tf.Tensor, { message: 'must be a tensor of particles [K, d]' }),
    steps: schemas.positiveInt,
    stepSize: schemas.positive,
    bandwidth: z.union([z.literal('median'), schemas.positive], { message: "must be 'median' or a number > 0" }).optional(),
    repulsive: z.boolean().optional(),
  })
  .strict();

/**
 * One SVGD direction (deck 004; Liu & Wang 2016):
 * φ(θᵢ) = (1/K) Σⱼ [k(θⱼ, θᵢ)·∇_{θⱼ} log p(θⱼ | D) + ∇_{θⱼ} k(θⱼ, θᵢ)] — the
 * kernel-smoothed gradient pulls particles up the posterior, the second
 * (repulsive) term, (2/h) Σⱼ (θᵢ − θⱼ) k(θⱼ, θᵢ) for the RBF kernel, keeps
 * them apart.
 */
export function svgdDirection(particles: tf.Tensor2D, grads: tf.Tensor2D, bandwidth: 'median' | number, repulsive: boolean): tf.Tensor2D {
  return tf.tidy(() => {
    const k = particles.shape[0];
    const sq = tf.sum(tf.square(particles), 1, true);
    // squared distances ‖θᵢ − θⱼ‖² = |θᵢ|² + |θⱼ|² − 2θᵢ·θⱼ (clipped at 0 against rounding)
    const d2 = tf.relu(tf.sub(tf.add(sq, tf.transpose(sq)), tf.mul(2, tf.matMul(particles, particles, false, true))));
    // on the device: the median is the (n − ⌊n/2⌋)-th largest of the n distances, no host read
    const n = k * k;
    const h: number | tf.Tensor =
      bandwidth === 'median' ? tf.div(tf.maximum(tf.min(tf.topk(tf.reshape(d2, [n]), n - Math.floor(n / 2)).values), 1e-12), Math.log(k)) : bandwidth;
    const kernel = tf.exp(tf.neg(tf.div(d2, h)));
    const drive = tf.matMul(kernel, grads);
    if (!repulsive) return tf.div(drive, k) as tf.Tensor2D;
    const push = tf.mul(tf.div(2, h), tf.sub(tf.mul(particles, tf.sum(kernel, 1, true)), tf.matMul(kernel, particles)));
    return tf.div(tf.add(drive, push), k) as tf.Tensor2D;
  });
}

/**
 * Stein variational gradient descent on K particles of a flat parameter
 * vector: `steps` times θ ← θ + ε·φ(θ). The particles approximate the
 * posterior; their mean and spread are its mean and spread. Returns the
 * final particles (the caller disposes them). The {@link svgd} plugin does
 * the same over a Trainer's model.
 */
export function steinVariationalGradientDescent(options: SvgdOptions): tf.Tensor2D {
  const o = validateOptions('steinVariationalGradientDescent', schema, options) as SvgdOptions;
  if (o.init.rank !== 2 || o.init.shape[0]! < 2) throw new OptionError('steinVariationalGradientDescent', 'init', o.init.shape, 'must be particles [K, d] with K ≥ 2');
  const gradient = tf.grad((theta: tf.Tensor) => tf.sum(o.logPosterior(theta as tf.Tensor2D)));
  let particles = tf.clone(o.init) as tf.Tensor2D;
  for (let s = 0; s < o.steps; s++) {
    const next = tf.tidy(() => tf.add(particles, tf.mul(o.stepSize, svgdDirection(particles, gradient(particles) as tf.Tensor2D, o.bandwidth ?? 'median', o.repulsive ?? true)))) as tf.Tensor2D;
    particles.dispose();
    particles = next;
  }
  return particles;
}
