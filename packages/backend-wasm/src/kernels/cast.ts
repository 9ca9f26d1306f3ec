// tfjs-backend-wasm 4.22 casts float32 to bool through an integer, so 0.5
// becomes false; TensorFlow's cast and tfjs-cpu's are x ≠ 0 (0.5 → true,
// NaN → true). Found by checkBackend's cast case. The wrapper computes that
// cast as NotEqual(x, 0) with wasm's own kernels and leaves every other cast
// to wasm.
import type * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { composed } from './compose.js';

type KernelFunc = tf.KernelConfig['kernelFunc'];

/** Wraps wasm's `Cast`: float32 → bool becomes x ≠ 0. */
export function withCastToBoolAsNotEqual(original: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { dtype } = args.attrs as { dtype: tf.DataType };
    if (dtype !== 'bool' || x.dtype !== 'float32') return original(args);
    return composed(args.backend as BackendWasm, (scope) => {
      const zero = scope.run('Fill', {}, { shape: [], value: 0, dtype: 'float32' });
      return scope.run('NotEqual', { a: x, b: zero });
    });
  };
}
