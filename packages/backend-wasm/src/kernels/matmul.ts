// tfjs-backend-wasm's matmul is fast only without transposes: with
// transposeA or transposeB it leaves XNNPACK's packed path and runs ≈ 8–15×
// slower (measured here: [784×128]ᵀ·[128×256] 51 ms against 3.2 ms for an
// explicit transpose then a plain matmul). Every dense layer's gradient
// (dW = xᵀ·dy, dx = dy·Wᵀ) takes that path, so the transposes are done
// explicitly first.
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { composed, type KernelScope } from './compose.js';

type KernelFunc = tf.KernelConfig['kernelFunc'];
type Args = Parameters<KernelFunc>[0];

function swapLastTwo(scope: KernelScope, x: tf.TensorInfo): tf.TensorInfo {
  const r = x.shape.length;
  const perm = Array.from({ length: r }, (_, i) => (i === r - 2 ? r - 1 : i === r - 1 ? r - 2 : i));
  return scope.transpose(x, perm);
}

/**
 * Wraps wasm's `BatchMatMul` or `_FusedMatMul` kernel function: transposed
 * operands are materialized, then the original kernel runs untransposed.
 */
export function withExplicitTransposes(original: KernelFunc): KernelFunc {
  return (args: Args) => {
    const attrs = args.attrs as { transposeA?: boolean; transposeB?: boolean };
    if (!attrs.transposeA && !attrs.transposeB) return original(args);
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return original(args);
    return composed(args.backend as BackendWasm, (scope) => {
      const inputs = { ...args.inputs, a: attrs.transposeA ? swapLastTwo(scope, a) : a, b: attrs.transposeB ? swapLastTwo(scope, b) : b };
      return scope.own(original({ ...args, inputs, attrs: { ...args.attrs, transposeA: false, transposeB: false } }) as tf.TensorInfo);
    });
  };
}
