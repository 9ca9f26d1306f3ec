// Where native kernels find their inputs' storage and get their outputs'.
import type * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { BufferPool } from '../buffer-pool.js';
import type { KnownColumnSums } from '../column-sums.js';

/**
 * Storage for a native kernel's output: from the backend's pool (a recycled
 * array has stale contents, so the kernel must write every value).
 */
export function outputArray(backend: MathBackendCPU, length: number): Float32Array {
  const pool = (backend as MathBackendCPU & { pool?: BufferPool }).pool;
  return pool ? pool.take(length) : new Float32Array(length);
}

/** The column sums update kernels keep for the max-norm kernel (column-sums.ts), on a backend with a pool. */
export function columnSumsOf(backend: MathBackendCPU): KnownColumnSums | undefined {
  return (backend as MathBackendCPU & { pool?: BufferPool }).pool?.columnSums;
}

/** An array from {@link outputArray} that the kernel did not use after all: back to the pool. */
export function unusedOutputArray(backend: MathBackendCPU, array: Float32Array): void {
  (backend as MathBackendCPU & { pool?: BufferPool }).pool?.release(array);
}

/**
 * Float32 storage of a float32 tensor held by a cpu-family backend (no copy),
 * or undefined when it is stored otherwise (tfjs-cpu may keep a float32
 * tensor cast from bool in a Uint8Array): native kernels then fall back.
 */
export function valuesOf(backend: MathBackendCPU, t: tf.TensorInfo): Float32Array | undefined {
  const values = backend.data.get(t.dataId).values;
  return t.dtype === 'float32' && values instanceof Float32Array ? values : undefined;
}

/**
 * The float32 values of a float32 tensor as a Float32Array: its own storage,
 * or a copy where tfjs-cpu keeps it in another array type (a cast from bool
 * stays bytes). For kernels with no cpu fallback to hand such a tensor to.
 */
export function floatsOf(backend: MathBackendCPU, t: tf.TensorInfo): Float32Array {
  return valuesOf(backend, t) ?? Float32Array.from(backend.data.get(t.dataId).values as ArrayLike<number>);
}

/**
 * The values of an int32 tensor held by a cpu-family backend (no copy): an
 * Int32Array, or the Float32Array in which tfjs-cpu's OneHot keeps its int32
 * rows; undefined for another dtype or storage (kernels then fall back).
 */
export function intValuesOf(backend: MathBackendCPU, t: tf.TensorInfo): Int32Array | Float32Array | undefined {
  const values = backend.data.get(t.dataId).values;
  return t.dtype === 'int32' && (values instanceof Int32Array || values instanceof Float32Array) ? values : undefined;
}
