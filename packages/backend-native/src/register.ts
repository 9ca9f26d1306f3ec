// Registers the `native` backend (priority below cpu, so importing this file
// never changes the default backend; useNativeBackend selects it).
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { loadAddon } from './addon.js';
import { BufferPool } from './buffer-pool.js';
import { registerRandomFill } from '@tikhonov/core';
import { registerNativeKernels } from './kernels/register.js';
import { nativeRandomFill } from './random.js';

/** The backend name. */
export const NATIVE = 'native';

/**
 * tfjs-backend-cpu's storage and kernels, with the native overrides on top,
 * and a pool recycling native kernels' output arrays (see buffer-pool.ts).
 */
export class NativeBackend extends MathBackendCPU {
  /** Output arrays of disposed tensors, for the next native kernel outputs. */
  readonly pool = new BufferPool();

  override readSync(dataId: object): tf.backend_util.BackendValues {
    // the caller gets this very array: it must never be recycled
    if (this.data.has(dataId)) this.pool.escape(this.data.get(dataId).values);
    return super.readSync(dataId);
  }

  override async read(dataId: object): Promise<tf.backend_util.BackendValues> {
    return this.readSync(dataId);
  }

  override disposeData(dataId: object, force = false): boolean {
    const values = this.data.has(dataId) ? this.data.get(dataId).values : undefined;
    const result = super.disposeData(dataId, force);
    if (values !== undefined && !this.data.has(dataId)) this.pool.release(values);
    return result;
  }
}

type KernelFunc = tf.KernelConfig['kernelFunc'];

/**
 * Wraps a tfjs-cpu kernel so that an output sharing an input's buffer (a view
 * or the same array under a new tensor, as cpu's Slice makes) marks that
 * input's array as seen: the pool must never recycle it.
 */
export function guardAliases(kernelFunc: KernelFunc): KernelFunc {
  return (args) => {
    const result = kernelFunc(args);
    const backend = args.backend as NativeBackend;
    if (!(backend instanceof NativeBackend)) return result;
    for (const out of Array.isArray(result) ? result : [result]) {
      if (!backend.data.has(out.dataId)) continue;
      const outValues = backend.data.get(out.dataId).values as { buffer?: ArrayBufferLike } | undefined;
      for (const input of Object.values(args.inputs)) {
        if (!input || input.dataId === out.dataId || !backend.data.has(input.dataId)) continue;
        const inValues = backend.data.get(input.dataId).values as { buffer?: ArrayBufferLike } | undefined;
        if (inValues?.buffer !== undefined && inValues.buffer === outValues?.buffer) backend.pool.escape(inValues);
      }
    }
    return result;
  };
}

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
  for (const config of cpuKernels.values()) tf.registerKernel({ ...config, backendName: NATIVE, kernelFunc: guardAliases(config.kernelFunc) });
  let addon: ReturnType<typeof loadAddon> | undefined;
  try {
    addon = loadAddon();
  } catch {
    // the addon is missing: useNativeBackend reports why
  }
  if (addon) {
    // outside the try: a registration error is a bug to see, not a missing addon
    const cpu = (name: string) => {
      const config = cpuKernels.get(name);
      if (!config) throw new Error(`@tikhonov/backend-native: tfjs-backend-cpu has no kernel '${name}' to fall back to`);
      return guardAliases(config.kernelFunc);
    };
    nativeKernelNames = registerNativeKernels(NATIVE, addon, cpu);
    registerRandomFill(NATIVE, nativeRandomFill(addon));
  }
}
