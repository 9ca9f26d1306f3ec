// Registers the `native` backend (priority below cpu, so importing this file
// never changes the default backend; useNativeBackend selects it).
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { loadAddon } from './addon.js';
import { registerNativeKernels } from './kernels/register.js';

/** The backend name. */
export const NATIVE = 'native';

/** tfjs-backend-cpu's storage and kernels, with the native overrides on top. */
export class NativeBackend extends MathBackendCPU {}

let nativeKernelNames: string[] = [];

/** Kernels that run natively (the rest are tfjs-backend-cpu's JavaScript). */
export function nativeKernels(): readonly string[] {
  return nativeKernelNames;
}

if (!tf.findBackendFactory(NATIVE)) {
  tf.registerBackend(NATIVE, () => {
    loadAddon(); // throws with the reason when the addon is missing
    return new NativeBackend();
  }, 0);
  const cpuKernels = new Map(tf.getKernelsForBackend('cpu').map((k) => [k.kernelName, k]));
  // Every cpu kernel works on NativeBackend (same storage); copy them first.
  for (const config of cpuKernels.values()) tf.registerKernel({ ...config, backendName: NATIVE });
  try {
    const addon = loadAddon();
    nativeKernelNames = registerNativeKernels(NATIVE, addon, (name) => cpuKernels.get(name)!.kernelFunc);
  } catch {
    // the addon is missing: useNativeBackend reports why
  }
}
