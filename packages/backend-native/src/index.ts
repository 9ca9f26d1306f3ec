/**
 * @tikhonov/backend-native — a tfjs backend named `native` for Node: a C++
 * N-API addon (SGEMM from oneDNN and OpenBLAS, oneDNN's convolutions, loops of
 * its own) for the kernels of a training step, tfjs-backend-cpu's kernels (on
 * the same Float32Array storage, no copies) for the rest.
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
  /** 'addon': this package's OpenBLAS addon; 'tfjs-node': @tensorflow/tfjs-node's libtensorflow. */
  engine: 'addon' | 'tfjs-node';
  /** The addon's threads (addon engine; tfjs-node manages its own). */
  threads?: number;
  /** The BLAS or library underneath. */
  blas: string;
  /** Kernels running natively (addon engine; with tfjs-node, all of them). */
  nativeKernels: readonly string[];
  /** What runs the 3×3-and-larger convolutions (addon engine): `'oneDNN 2.6.3, Winograd where it pays'`, `'oneDNN 2.6.3'` (direct kernels only: asked for, or a CPU without oneDNN's Winograd kernels) or `'im2col + SGEMM'`. */
  convolutions?: string;
  /** What runs the matrix products (addon engine): `'oneDNN 2.6.3 + OpenBLAS'` (the large ones through oneDNN) or `'OpenBLAS'`. */
  products?: string;
}

/** Options of {@link useNativeBackend}. */
export interface NativeBackendOptions {
  /**
   * Threads of the addon's pool, which runs the SGEMMs (OpenBLAS or oneDNN
   * single-threaded in each, on a band of the output) and the large elementwise, im2col and
   * pooling loops (addon engine; 1–64). Default: the cores OpenBLAS detects, at most 8.
   */
  threads?: number;
  /**
   * 'addon' (default) selects this package's `native` backend; 'tfjs-node'
   * selects `@tensorflow/tfjs-node` where the application has installed it and
   * it loads. It is looked up by name at run time, not declared as an
   * optional peer: pnpm's auto-install-peers would then install it, and its
   * install script downloads libtensorflow.
   */
  engine?: 'addon' | 'tfjs-node';
  /**
   * What runs the convolutions that are neither pointwise nor a one-channel
   * 3×3 forward pass (those stay on the addon's own kernels; addon engine):
   * `'onednn'` — oneDNN's JIT kernels, first layers' filter gradients included,
   * the default when the addon was built with it (Debian: libdnnl-dev), with
   * its Winograd F(4×4, 3×3) kernels for the forward pass and the 'same' input
   * gradient of 3×3 stride-1 convolutions whose channel counts are multiples
   * of 16, where the CPU has them (about 3× direct's rounding error: see the README) —, `'onednn-direct'`,
   * oneDNN's direct kernels only, or `'im2col'`, the addon's direct kernels for
   * patches of ≤ 32 taps and im2col + SGEMM for the others (OpenBLAS's for
   * a chunk of images, the library {@link NativeBackendOptions.products} picks
   * for a whole batch's matrix). Asking for either oneDNN from an addon built
   * without it is an error.
   */
  convolutions?: 'onednn' | 'onednn-direct' | 'im2col';
  /**
   * What runs the matrix products (dense layers, matMul, pointwise
   * convolutions, the whole-batch im2col products; addon engine): `'onednn'` — oneDNN's SGEMM for
   * products of at least 2²¹ multiply-adds (or an inner dimension below 32),
   * OpenBLAS's for the smaller ones, the default when the addon was built
   * with oneDNN — or `'openblas'`, OpenBLAS for all. The two round
   * differently in the last bits. Asking for `'onednn'` from an addon built
   * without it is an error.
   */
  products?: 'onednn' | 'openblas';
}

const optionsSchema = z
  .object({ threads: schemas.positiveInt.optional(), engine: z.enum(['addon', 'tfjs-node']).optional(), convolutions: z.enum(['onednn', 'onednn-direct', 'im2col']).optional(), products: z.enum(['onednn', 'openblas']).optional() })
  .strict();

/**
 * Selects a native backend. Throws — never falls back silently — when the
 * addon is not built (saying what to install and how to rebuild), or when
 * `engine: 'tfjs-node'` is asked for and @tensorflow/tfjs-node does not load.
 */
export async function useNativeBackend(options: NativeBackendOptions = {}): Promise<NativeBackendInfo> {
  const { threads, engine = 'addon', convolutions, products } = validateOptions('useNativeBackend', optionsSchema, options);
  if (engine === 'tfjs-node') {
    if (convolutions !== undefined) throw new Error(`useNativeBackend: convolutions = '${convolutions}' applies to the addon engine only`);
    if (products !== undefined) throw new Error(`useNativeBackend: products = '${products}' applies to the addon engine only`);
    return useTfjsNode(threads);
  }
  const addon = loadAddon();
  // oneDNN is built into the addon or not: both setters return its description, or ''
  const dnnl = addon.setDnnl(convolutions !== 'im2col');
  addon.setDnnlGemm(products !== 'openblas');
  const winograd = addon.setDnnlWinograd(convolutions !== 'onednn-direct');
  if (!dnnl) {
    for (const [option, value, instead] of [['convolutions', convolutions, 'im2col'], ['products', products, 'openblas']] as const) {
      if (value?.startsWith('onednn')) throw new Error(`useNativeBackend: ${option} = '${value}' but this addon was built without oneDNN: install it (Debian: \`sudo apt-get install libdnnl-dev\`) and rebuild the addon, or pass ${option}: '${instead}'`);
    }
  }
  if (threads !== undefined) addon.setThreads(threads);
  const ok = await tf.setBackend(NATIVE);
  if (!ok) throw new Error(`useNativeBackend: tfjs could not start the '${NATIVE}' backend`);
  await tf.ready();
  return {
    backend: tf.getBackend(),
    engine,
    threads: addon.getThreads(),
    blas: addon.config(),
    nativeKernels: nativeKernels(),
    convolutions: !dnnl || convolutions === 'im2col' ? 'im2col + SGEMM' : convolutions === 'onednn-direct' || !winograd ? dnnl : `${dnnl}, Winograd where it pays`,
    products: dnnl && products !== 'openblas' ? `${dnnl} + OpenBLAS` : 'OpenBLAS',
  };
}

/** The name tfjs-node registers its backend under. */
const TFJS_NODE_BACKEND = 'tensorflow';

async function useTfjsNode(threads: number | undefined): Promise<NativeBackendInfo> {
  if (threads !== undefined) {
    throw new Error(`useNativeBackend: threads = ${threads} applies to the addon engine only; tfjs-node sizes libtensorflow's thread pools itself (TF_NUM_INTEROP_THREADS / TF_NUM_INTRAOP_THREADS)`);
  }
  // a variable specifier: the package is not a dependency (see the option's doc)
  const specifier = '@tensorflow/tfjs-node';
  try {
    await import(specifier);
  } catch (error) {
    throw new Error(
      `useNativeBackend: engine 'tfjs-node' needs @tensorflow/tfjs-node, which did not load (${(error as Error).message.split('\n')[0]}). ` +
        "Install it with 'pnpm add @tensorflow/tfjs-node' (its install downloads libtensorflow), or use the default engine 'addon'.",
    );
  }
  if (!(await tf.setBackend(TFJS_NODE_BACKEND))) throw new Error(`useNativeBackend: @tensorflow/tfjs-node loaded but its '${TFJS_NODE_BACKEND}' backend did not start`);
  await tf.ready();
  return { backend: tf.getBackend(), engine: 'tfjs-node', blas: 'libtensorflow (@tensorflow/tfjs-node)', nativeKernels: tf.getKernelsForBackend(TFJS_NODE_BACKEND).map((k) => k.kernelName) };
}
