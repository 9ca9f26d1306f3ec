import * as tf from '@tensorflow/tfjs-core';
import type { ParamTable, PluginState } from '@tikhonov/core';
import { readCopy, writeCopy } from '#disk-copy';

/**
 * A copy of the parameters θ* kept off the backend: in host memory (typed
 * arrays, 4 bytes per parameter) or, with a directory, on disk as a tfjs
 * weights file. It is written only when the monitored value improves and
 * read only to restore, as the seed advises (§7.7).
 */
export class BestParams {
  private host: Map<string, { shape: number[]; values: Float32Array }> | undefined;
  private onDisk = false;

  constructor(private readonly dir?: string) {}

  /** True once a copy exists. */
  get exists(): boolean {
    return this.host !== undefined || this.onDisk;
  }

  /** Copies the current params (reads them from the backend: call at evaluation points only). */
  async save(params: ParamTable): Promise<void> {
    const copy = new Map<string, { shape: number[]; values: Float32Array }>();
    for (const p of params.all) copy.set(p.name, { shape: [...p.shape], values: (await p.variable.data()) as Float32Array });
    if (!this.dir) {
      this.host = copy;
      return;
    }
    const tensors = Object.fromEntries([...copy].map(([k, v]) => [k, tf.tensor(v.values, v.shape)]));
    const { data, specs } = await tf.io.encodeWeights(tensors);
    tf.dispose(Object.values(tensors));
    await writeCopy(this.dir, new Uint8Array(data), JSON.stringify({ weightsManifest: [{ paths: ['best.bin'], weights: specs }] }));
    this.onDisk = true;
  }

  /** Writes θ* back into the params. */
  async restore(params: ParamTable): Promise<void> {
    const values = new Map<string, tf.Tensor>();
    if (this.host) {
      for (const [k, v] of this.host) values.set(k, tf.tensor(v.values, v.shape));
    } else if (this.onDisk) {
      const { manifest: text, bytes } = await readCopy(this.dir!);
      const manifest = JSON.parse(text);
      const decoded = tf.io.decodeWeights(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, manifest.weightsManifest[0].weights);
      for (const [k, v] of Object.entries(decoded)) values.set(k, v);
    } else {
      return;
    }
    params.restore(values);
    tf.dispose([...values.values()]);
  }

  /** Host copy for checkpoints: the values as Float32Arrays (binary in checkpoint files, 4 bytes a parameter). */
  stateDict(): PluginState {
    if (!this.host) return { onDisk: this.onDisk };
    return { params: Object.fromEntries([...this.host].map(([k, v]) => [k, { shape: v.shape, values: v.values.slice() }])) };
  }

  loadStateDict(state: PluginState): void {
    // number arrays: checkpoints written before θ* was binary
    const params = state.params as Record<string, { shape: number[]; values: Float32Array | number[] }> | undefined;
    this.host = params ? new Map(Object.entries(params).map(([k, v]) => [k, { shape: v.shape, values: Float32Array.from(v.values) }])) : undefined;
    this.onDisk = Boolean(state.onDisk);
  }
}
