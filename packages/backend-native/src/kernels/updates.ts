// Core's fused update kernels (FUSED_KERNELS: weight averages, optimizer
// steps, the max-norm projection): no gradient, never on the tape, each one
// or two native passes.
import * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from '../addon.js';
import { columnSumsOf, floatsOf, outputArray, unusedOutputArray } from './storage.js';

type KernelFunc = tf.KernelConfig['kernelFunc'];
type Inputs = Record<string, tf.TensorInfo>;

/**
 * Core's fused lerp (`FUSED_KERNELS.lerp`, a + weight·(b − a)) in one native
 * pass. Core only dispatches it for two float32 tensors of one shape.
 */
export function lerpKernel(addon: NativeAddon): KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as Inputs;
    const { weight } = args.attrs as { weight: number };
    const backend = args.backend as MathBackendCPU;
    if (!tf.util.arraysEqual(a!.shape, b!.shape)) throw new RangeError(`TikhonovLerp: a has shape [${a!.shape}] and b [${b!.shape}]; they must be equal`);
    const out = outputArray(backend, tf.util.sizeFromShape(a!.shape));
    if (out.length > 0) addon.lerp(floatsOf(backend, a!), floatsOf(backend, b!), out, weight);
    return backend.makeTensorInfo(a!.shape, 'float32', out);
  };
}

/**
 * Core's fused Adam update (`FUSED_KERNELS.adam`): outputs [value, m, v]
 * from one native pass. The scalars are rounded to float32 as tfjs's
 * AdamOptimizer makes them (a number becomes a float32 scalar; 1 − βᵗ is a
 * float32 subtraction from the stored βᵗ), so the pass repeats its
 * arithmetic exactly. βᵗ is read from its scalar's storage: host memory on
 * this backend, not a device read.
 */
export function adamKernel(addon: NativeAddon): KernelFunc {
  return (args) => {
    const { value, gradient, m, v, accBeta1, accBeta2 } = args.inputs as Inputs;
    const { beta1, beta2, epsilon, learningRate } = args.attrs as { beta1: number; beta2: number; epsilon: number; learningRate: number };
    const backend = args.backend as MathBackendCPU;
    for (const [name, t] of [['gradient', gradient], ['m', m], ['v', v]] as const) {
      if (!tf.util.arraysEqual(t!.shape, value!.shape)) throw new RangeError(`TikhonovAdam: ${name} has shape [${t!.shape}] but value has [${value!.shape}]`);
    }
    const power1 = floatsOf(backend, accBeta1!)[0]!;
    const power2 = floatsOf(backend, accBeta2!)[0]!;
    const constants = Float32Array.of(beta1, 1 - beta1, beta2, 1 - beta2, Math.fround(1 - power1), Math.fround(1 - power2), epsilon, -learningRate);
    const n = tf.util.sizeFromShape(value!.shape);
    const outs = [outputArray(backend, n), outputArray(backend, n), outputArray(backend, n)] as const;
    const known = columnSumsOf(backend);
    const sums = known?.blocksFor(value!.shape);
    if (n > 0) addon.adam(floatsOf(backend, value!), floatsOf(backend, gradient!), floatsOf(backend, m!), floatsOf(backend, v!), outs[0], outs[1], outs[2], constants, sums?.blocks, sums?.cols);
    if (sums) known!.note(outs[0], sums);
    return outs.map((out) => backend.makeTensorInfo(value!.shape, 'float32', out));
  };
}

/**
 * Core's fused momentum-SGD update (`FUSED_KERNELS.momentum`): outputs
 * [value, accumulation] from one native pass. −lr and the momentum are
 * rounded to float32 as tfjs's MomentumOptimizer makes its scalars, so the
 * pass repeats its arithmetic exactly.
 */
export function momentumKernel(addon: NativeAddon): KernelFunc {
  return (args) => {
    const { value, gradient, accumulation } = args.inputs as Inputs;
    const { momentum, learningRate, useNesterov } = args.attrs as { momentum: number; learningRate: number; useNesterov: boolean };
    const backend = args.backend as MathBackendCPU;
    for (const [name, t] of [['gradient', gradient], ['accumulation', accumulation]] as const) {
      if (!tf.util.arraysEqual(t!.shape, value!.shape)) throw new RangeError(`TikhonovMomentum: ${name} has shape [${t!.shape}] but value has [${value!.shape}]`);
    }
    const n = tf.util.sizeFromShape(value!.shape);
    const outs = [outputArray(backend, n), outputArray(backend, n)] as const;
    const known = columnSumsOf(backend);
    const sums = known?.blocksFor(value!.shape);
    if (n > 0) addon.momentum(floatsOf(backend, value!), floatsOf(backend, gradient!), floatsOf(backend, accumulation!), outs[0], outs[1], momentum, -learningRate, useNesterov, sums?.blocks, sums?.cols);
    if (sums) known!.note(outs[0], sums);
    return outs.map((out) => backend.makeTensorInfo(value!.shape, 'float32', out));
  };
}

/**
 * Core's fused plain-SGD update (`FUSED_KERNELS.sgd`): the value after one
 * step, (−lr)·g + θ, from one native pass; −lr is rounded to float32 as
 * tfjs's SGDOptimizer makes its scalar, so the pass repeats its arithmetic.
 */
export function sgdKernel(addon: NativeAddon): KernelFunc {
  return (args) => {
    const { value, gradient } = args.inputs as Inputs;
    const { learningRate } = args.attrs as { learningRate: number };
    const backend = args.backend as MathBackendCPU;
    if (!tf.util.arraysEqual(gradient!.shape, value!.shape)) throw new RangeError(`TikhonovSgd: gradient has shape [${gradient!.shape}] but value has [${value!.shape}]`);
    const n = tf.util.sizeFromShape(value!.shape);
    const out = outputArray(backend, n);
    const known = columnSumsOf(backend);
    const sums = known?.blocksFor(value!.shape);
    if (n > 0) addon.sgd(floatsOf(backend, value!), floatsOf(backend, gradient!), out, -learningRate, sums?.blocks, sums?.cols);
    if (sums) known!.note(out, sums);
    return backend.makeTensorInfo(value!.shape, 'float32', out);
  };
}

/**
 * Core's fused max-norm projection (`FUSED_KERNELS.maxNorm`) of a kernel
 * whose last axis indexes its units: the column norms, then a scaled copy
 * only if some unit is outside the ball. When none is, the output is the
 * input's own storage (one more reference, as tfjs-cpu's Identity does):
 * the projection would copy it bit for bit, and a tensor is never written
 * after it is made. The column sums come from the update that wrote the
 * value when it made them (src/column-sums.ts: the update kernels above make
 * them for the shapes this kernel has projected), else from a pass over it. Core only dispatches it for a non-empty float32 tensor
 * of rank ≥ 2 and c > 0.
 */
export function maxNormKernel(addon: NativeAddon): KernelFunc {
  return (args) => {
    const { value } = args.inputs as Inputs;
    const { c } = args.attrs as { c: number };
    const backend = args.backend as MathBackendCPU;
    const shape = value!.shape;
    if (shape.length < 2) throw new RangeError(`TikhonovMaxNorm: value has shape [${shape}]; it needs rank ≥ 2`);
    const units = shape[shape.length - 1]!;
    const n = tf.util.sizeFromShape(shape);
    const out = outputArray(backend, n);
    if (n === 0) return backend.makeTensorInfo(shape, 'float32', out);
    const values = floatsOf(backend, value!);
    // the column sums the update that wrote this value made (column-sums.ts); without them, ask for them next time
    const known = columnSumsOf(backend);
    const sums = known?.of(values, units);
    if (!sums) known?.want(n, units);
    if (addon.maxNormColumns(values, out, n / units, units, c, sums) > 0) return backend.makeTensorInfo(shape, 'float32', out);
    // every unit inside the ball: out was not written; it goes back to the pool
    unusedOutputArray(backend, out);
    backend.incRef(value!.dataId);
    return { dataId: value!.dataId, shape, dtype: 'float32' };
  };
}

