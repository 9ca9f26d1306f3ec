// Small helpers for kernels composed of wasm's own kernels. They call the
// registered kernel functions directly (not tf ops): inside a kernel the
// engine must not record tape entries or track new tensors, and every
// intermediate must be freed on the wasm heap before the kernel returns.
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** The backend name tfjs-backend-wasm registers. */
export const WASM = 'wasm';

/** Runs wasm's kernel `name` and collects its output as an intermediate of `scope`. */
export class KernelScope {
  private readonly intermediates: tf.TensorInfo[] = [];
  constructor(readonly backend: BackendWasm) {}

  run(name: string, inputs: Record<string, tf.TensorInfo>, attrs: Record<string, unknown> = {}): tf.TensorInfo {
    const kernel = tf.getKernel(name, WASM);
    if (!kernel) throw new Error(`@tikhonov/backend-wasm: wasm has no '${name}' kernel to compose with`);
    const out = kernel.kernelFunc({ inputs, backend: this.backend, attrs: attrs as tf.NamedAttrMap }) as tf.TensorInfo;
    this.intermediates.push(out);
    return out;
  }

  /** Collects `t`, a kernel output made outside {@link run}, as an intermediate. */
  own(t: tf.TensorInfo): tf.TensorInfo {
    this.intermediates.push(t);
    return t;
  }

  /** Hands `result` to the caller (not freed) and frees every other intermediate. */
  finish(result: tf.TensorInfo): tf.TensorInfo {
    // an input returned as is must still be a new tensor to the engine
    if (!this.intermediates.includes(result)) result = this.run('Identity', { x: result });
    for (const t of this.intermediates) if (t !== result) this.backend.disposeData(t.dataId);
    return result;
  }

  /** Frees every intermediate (on error). */
  abandon(): void {
    for (const t of this.intermediates) this.backend.disposeData(t.dataId);
  }

  reshape(x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  /**
   * Pads (positive amounts) and crops (negative amounts) each axis by
   * `[before, after]` — tfjs's pad takes no negative padding.
   */
  padOrCrop(x: tf.TensorInfo, amounts: Array<[number, number]>): tf.TensorInfo {
    let y = x;
    if (amounts.some(([a, b]) => a < 0 || b < 0)) {
      const begin = amounts.map(([a]) => Math.max(0, -a));
      const size = amounts.map(([a, b], i) => y.shape[i]! - Math.max(0, -a) - Math.max(0, -b));
      if (size.some((s) => s <= 0)) throw new Error(`@tikhonov/backend-wasm: cropping [${amounts.join('; ')}] leaves nothing of shape [${y.shape}]`);
      y = this.run('Slice', { x: y }, { begin, size });
    }
    if (amounts.some(([a, b]) => a > 0 || b > 0)) {
      y = this.run('PadV2', { x: y }, { paddings: amounts.map(([a, b]) => [Math.max(0, a), Math.max(0, b)]), constantValue: 0 });
    }
    return y;
  }

  /** The leading `size` entries of each axis (no-op when already that shape). */
  take(x: tf.TensorInfo, size: number[]): tf.TensorInfo {
    if (size.every((s, i) => s === x.shape[i])) return x;
    return this.run('Slice', { x }, { begin: size.map(() => 0), size });
  }
}

/** Runs `body` in a fresh scope, freeing intermediates whether it returns or throws. */
export function composed(backend: BackendWasm, body: (scope: KernelScope) => tf.TensorInfo): tf.TensorInfo {
  const scope = new KernelScope(backend);
  try {
    return scope.finish(body(scope));
  } catch (error) {
    scope.abandon();
    throw error;
  }
}
