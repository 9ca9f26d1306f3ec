import * as tf from '@tensorflow/tfjs-core';
import { z, type ParamInfo, type PluginState } from '@tikhonov/core';

/** The point w₀ a penalty pulls towards: a constant, or the params at the start of the first fit. */
export type Center = number | 'initial';

export const centerSchema = z.union([z.number().finite(), z.literal('initial')], { message: "must be a finite number or 'initial'" });

/**
 * Holds w₀ for each penalised param. `'initial'` copies the params once, when
 * the first fit starts, and keeps them through checkpoints (stateDict).
 */
export class Centers {
  private readonly values = new Map<string, tf.Tensor>();
  constructor(
    private readonly owner: string,
    private readonly center: Center,
  ) {}

  /** Takes the copies for `'initial'` (once; a resumed fit keeps the loaded ones). */
  capture(params: readonly ParamInfo[]): void {
    if (this.center !== 'initial') return;
    for (const p of params) if (!this.values.has(p.name)) this.values.set(p.name, tf.keep(tf.clone(p.variable)));
  }

  /** w − w₀ for a param (w itself when w₀ = 0). */
  offset(p: ParamInfo): tf.Tensor {
    if (this.center === 'initial') {
      const c = this.values.get(p.name);
      if (!c) throw new Error(`${this.owner}: no initial value captured for '${p.name}'`);
      return tf.sub(p.variable, c);
    }
    return this.center === 0 ? p.variable : tf.sub(p.variable, this.center);
  }

  /** Frees the captured copies (the plugin's dispose). */
  dispose(): void {
    for (const v of this.values.values()) v.dispose();
    this.values.clear();
  }

  stateDict(): PluginState {
    if (this.center !== 'initial') return {};
    return { initial: Object.fromEntries([...this.values].map(([k, v]) => [k, { shape: v.shape, values: Array.from(v.dataSync()) }])) };
  }

  loadStateDict(state: PluginState): void {
    if (this.center !== 'initial') return;
    const initial = (state.initial ?? {}) as Record<string, { shape: number[]; values: number[] }>;
    for (const v of this.values.values()) v.dispose();
    this.values.clear();
    for (const [k, v] of Object.entries(initial)) this.values.set(k, tf.keep(tf.tensor(v.values, v.shape)));
  }
}
