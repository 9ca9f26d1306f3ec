import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from './errors.js';

/**
 * Throws a {@link BackendError} saying what to do when no tfjs backend is
 * registered (tfjs-core alone has none; its own message, "No backend found
 * in registry.", names no remedy).
 */
export function requireBackend(owner: string): void {
  const registry = (tf.engine() as unknown as { registryFactory: Record<string, unknown> }).registryFactory;
  if (Object.keys(registry).length > 0) return;
  throw new BackendError(
    `${owner}: no TensorFlow.js backend is registered. Import one first: import '@tensorflow/tfjs-backend-cpu' (plain JavaScript, anywhere), or start a faster one: await useNativeBackend() from '@tikhonov/backend-native' (Node with OpenBLAS) or await useWasmBackend() from '@tikhonov/backend-wasm' (Node and browsers)`,
  );
}
