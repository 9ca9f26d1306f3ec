// tfjs-backend-wasm's matmul is fast only without transposes: with
// transposeA or transposeB it leaves XNNPACK's packed path and runs ≈ 8–15×
// slower (measured here: [784×128]ᵀ·[128×256] 51 ms against 3.2 ms for an
// explicit transpose then a plain matmul). Every dense layer's gradient
// (dW = xᵀ·dy, dx = dy·Wᵀ) takes that path, so the transposes are done
// explicitly first.
//
// It also keeps one XNNPACK operator per right-hand operand's storage (its
// data id), built for the shape of the first use. Reshape shares storage, so
// W [64, 10] used as is (a dense layer) and then as a reshaped view [640, 1]
// (L²'s ‖w‖² as one dot product) runs the second product with the first
// one's operator: out-of-bounds reads and writes, a corrupted wasm heap, and
// a crash at some later free. A right operand whose shape is not its
// storage's is therefore copied first (Identity copies on wasm).
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
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const backend = args.backend as BackendWasm;
    const viewB = isReshapeView(backend, b);
    if (!attrs.transposeA && !attrs.transposeB && !viewB) return original(args);
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return original(args);
    return composed(backend, (scope) => {
      // a transposed b is a fresh tensor already; an untransposed view gets its own storage
      const right = attrs.transposeB ? swapLastTwo(scope, b) : viewB ? scope.run('Identity', { x: b }) : b;
      const inputs = { ...args.inputs, a: attrs.transposeA ? swapLastTwo(scope, a) : a, b: right };
      return scope.own(original({ ...args, inputs, attrs: { ...args.attrs, transposeA: false, transposeB: false } }) as tf.TensorInfo);
    });
  };
}

/** True when x's shape is not its storage's: a Reshape output sharing another tensor's data. */
function isReshapeView(backend: BackendWasm, x: tf.TensorInfo): boolean {
  const stored = (backend as unknown as { dataIdMap: { get(id: object): { shape: number[] } | undefined } }).dataIdMap.get(x.dataId);
  return stored !== undefined && stored.shape.join(',') !== x.shape.join(',');
}
