import * as tf from '@tensorflow/tfjs-core';
import { OptionError, type Module } from '@tikhonov/core';

/** Options of {@link fastDropoutDense}. */
export interface FastDropoutDenseOptions {
  /** Probability p of dropping each input unit, in [0, 1). */
  rate: number;
  /** `'linear'` (default), `'relu'`, `'tanh'` or `'sigmoid'`, applied to the pre-activation. */
  activation?: 'linear' | 'relu' | 'tanh' | 'sigmoid';
  name?: string;
}

const activations = { linear: (z: tf.Tensor) => z, relu: tf.relu, tanh: tf.tanh, sigmoid: tf.sigmoid } as const;

/**
 * The mean and variance of a dense layer's pre-activation under inverted
 * dropout of its inputs, z = Σᵢ (mᵢ/(1 − p))·hᵢWᵢⱼ + bⱼ with mᵢ ~ Bernoulli(1 − p):
 * μ = hW + b and s² = p/(1 − p)·(h²)(W²) (elementwise squares), exactly.
 */
export function dropoutSumMoments(h: tf.Tensor, W: tf.Tensor, b: tf.Tensor, rate: number): { mean: tf.Tensor; variance: tf.Tensor } {
  return { mean: tf.add(tf.matMul(h, W), b), variance: tf.mul(rate / (1 - rate), tf.matMul(tf.square(h), tf.square(W))) };
}

/**
 * Fast dropout (Wang & Manning 2013; seed §7.11): a dense layer whose inputs
 * are dropped, with the dropout sum replaced by its Gaussian approximation.
 * Instead of one Bernoulli draw per input, training draws each unit's
 * pre-activation directly, z = μ + s·ε with ε ~ N(0, 1) and the exact moments
 * μ, s² of the dropout sum ({@link dropoutSumMoments}); the gradient flows
 * through μ and s (the reparameterisation), so it is less noisy than
 * dropout's. Sampled predictions (`predict(x, { sample: true })`) draw the
 * same way; plain inference uses z = μ, weight scaling.
 *
 * It is a layer rather than a plugin because the approximation needs the
 * layer's inputs and weights together, which no plugin hook sees. Its random
 * numbers come from the trainer's seeded stream (`ForwardScope.random`).
 */
export function fastDropoutDense(units: number, options: FastDropoutDenseOptions): Module {
  if (!Number.isInteger(units) || units <= 0) throw new OptionError('fastDropoutDense', 'units', units, 'must be a positive integer');
  const { rate, activation = 'linear', name } = options;
  if (!(Number.isFinite(rate) && rate >= 0 && rate < 1)) throw new OptionError('fastDropoutDense', 'rate', rate, 'must be in [0, 1)');
  if (!(activation in activations)) throw new OptionError('fastDropoutDense', 'activation', activation, `must be one of ${Object.keys(activations).join(', ')}`);
  const act = activations[activation];
  const self: Module = {
    kind: 'fastDropoutDense',
    name,
    emitsSite: activation !== 'linear',
    init(shape, scope) {
      const inputs = (shape as number[])[0]!;
      scope.param(self, 'kernel', { shape: [inputs, units], role: 'weight', init: activation === 'relu' ? 'heNormal' : 'glorotUniform', fanInAxes: [0] });
      scope.param(self, 'bias', { shape: [units], role: 'bias', init: 'zeros', fanInAxes: [] });
      return [units];
    },
    apply(x, scope) {
      const h = x as tf.Tensor;
      const W = scope.param(self, 'kernel');
      const b = scope.param(self, 'bias');
      if (scope.mode === 'infer' || rate === 0) return act(tf.add(tf.matMul(h, W), b));
      const { mean, variance } = dropoutSumMoments(h, W, b, rate);
      const eps = scope.random(self).normal(mean.shape);
      // √ at s² = 0 has an infinite derivative: keep s² off zero for the gradient's sake (s ≥ 1e-6 changes z by ≤ 1e-6·|ε|)
      return act(tf.add(mean, tf.mul(tf.sqrt(tf.maximum(variance, 1e-12)), eps)));
    },
  };
  return self;
}
