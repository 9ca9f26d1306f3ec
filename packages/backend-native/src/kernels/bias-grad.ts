// core's BIAS_ACTIVATION_GRAD_KERNEL: a relu layer's gradient at its
// pre-activation and its bias in one pass over the activations (the fused
// dense and conv layers' gradients call it).
import * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from '../addon.js';
import { floatsOf, outputArray } from './storage.js';

type KernelFunc = tf.KernelConfig['kernelFunc'];

/** Inputs `{ dy, y }` (one shape, y = relu(z)), attribute `{ activation: 'relu' }`: outputs [dz = dy·step(y), db = Σ dz over all axes but the last]. */
export function reluBiasGradKernel(addon: NativeAddon): KernelFunc {
  return (args) => {
    const { dy, y } = args.inputs as Record<string, tf.TensorInfo>;
    const { activation } = args.attrs as { activation: string };
    // core calls this kernel for relu only; anything else is a caller's bug, not a case to guess at
    if (activation !== 'relu') throw new Error(`TikhonovBiasActivationGrad: activation '${activation}' is not supported (only 'relu')`);
    if (!tf.util.arraysEqual(dy!.shape, y!.shape) || dy!.shape.length === 0) throw new Error(`TikhonovBiasActivationGrad: dy [${dy!.shape}] and y [${y!.shape}] must have one shape of rank ≥ 1`);
    const backend = args.backend as MathBackendCPU;
    const size = tf.util.sizeFromShape(dy!.shape);
    const cols = dy!.shape[dy!.shape.length - 1]!;
    const dz = outputArray(backend, size);
    const db = outputArray(backend, cols);
    if (size > 0) addon.reluBiasGrad(floatsOf(backend, dy!), floatsOf(backend, y!), dz, db);
    else db.fill(0);
    return [backend.makeTensorInfo(dy!.shape, 'float32', dz), backend.makeTensorInfo([cols], 'float32', db)];
  };
}
