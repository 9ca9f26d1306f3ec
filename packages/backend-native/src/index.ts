/**
 * @tikhonov/backend-native — a tfjs backend named `native` for Node: OpenBLAS
 * SGEMM through a C++ N-API addon for the matmul family, tfjs-backend-cpu's
 * kernels (on the same Float32Array storage, no copies) for the rest.
 */
import * as tf from '@tensorflow/tfjs-core';
import { schemas, validateOptions, z } from '@tikhonov/core';
import { loadAddon } from './addon.js';
import { NATIVE, nativeKernels } from './register.js';

export { NATIVE, NativeBackend, nativeKernels } from './register.js';
export { loadAddon, type NativeAddon } from './addon.js';

/** What {@link useNativeBackend} started. */
export interface NativeBackendInfo {
  backend: string;
  /** OpenBLAS threads. */
  threads: number;
  /** OpenBLAS build configuration. */
  blas: string;
  /** Kernels running natively. */
  nativeKernels: readonly string[];
}

/**
 * Selects the `native` backend. Throws — never falls back silently — when the
 * addon is not built, saying what to install and how to rebuild.
 * `threads` sets OpenBLAS's thread count (default: OpenBLAS's own, the cores).
 */
export async function useNativeBackend(options: { threads?: number } = {}): Promise<NativeBackendInfo> {
  const { threads } = validateOptions('useNativeBackend', z.object({ threads: schemas.positiveInt.optional() }).strict(), options);
  const addon = loadAddon();
  if (threads !== undefined) addon.setThreads(threads);
  const ok = await tf.setBackend(NATIVE);
  if (!ok) throw new Error(`useNativeBackend: tfjs could not start the '${NATIVE}' backend`);
  await tf.ready();
  return { backend: tf.getBackend(), threads: addon.getThreads(), blas: addon.config(), nativeKernels: nativeKernels() };
}
