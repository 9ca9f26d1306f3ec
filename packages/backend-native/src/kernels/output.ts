import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { BufferPool } from '../buffer-pool.js';

/**
 * Storage for a native kernel's output: from the backend's pool (a recycled
 * array has stale contents, so the kernel must write every value).
 */
export function outputArray(backend: MathBackendCPU, length: number): Float32Array {
  const pool = (backend as MathBackendCPU & { pool?: BufferPool }).pool;
  return pool ? pool.take(length) : new Float32Array(length);
}
