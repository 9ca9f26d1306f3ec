// For backends with core's fused optimizer kernels: a fused optimizer against
// tfjs's own, expected equal bit for bit (the kernels repeat tfjs's float32
// operations in its order).
import * as tf from '@tensorflow/tfjs-core';
import { setLearningRate } from '../optimizers.js';
import { HostRandom } from '../random.js';

/** What {@link checkFusedOptimizer} found: every value that differed, and the tensors each run left held. */
export interface FusedOptimizerReport {
  /** One line per variable, slot or resumed variable whose values differ (its first differing index); empty when equal. */
  mismatches: string[];
  /** Tensors held after each run (variables and slots): equal when the fused kernels leave nothing behind. */
  tensorsHeld: { fused: number; tfjs: number };
}

/**
 * Runs a fused optimizer and tfjs's for 12 steps on three variables (the
 * first 300×257, above a native pool's threading threshold), with a
 * learning-rate change at step 5 and no gradient for the last variable at step
 * 7, on the active backend; compares the values and the slots, then restores
 * a fresh fused optimizer from tfjs's slots and compares one more step.
 */
export async function checkFusedOptimizer(make: { fused: (lr: number) => tf.Optimizer; tfjs: (lr: number) => tf.Optimizer }, options: { seed: number; label: string }): Promise<FusedOptimizerReport> {
  const r = new HostRandom(options.seed);
  const shapes = [[300, 257], [257], [7, 3]];
  const start = shapes.map((s) => Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => r.uniform() * 2 - 1));
  const grads = Array.from({ length: 12 }, () => shapes.map((s) => Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => (r.uniform() - 0.5) * 3)));
  const run = (optimizer: tf.Optimizer, prefix: string) => {
    const vars = shapes.map((s, k) => tf.variable(tf.tensor(start[k]!, s), true, `${prefix}${k}`));
    grads.forEach((step, t) => {
      if (t === 5) setLearningRate(optimizer, 0.0037);
      tf.tidy(() => optimizer.applyGradients(Object.fromEntries(vars.map((v, k) => [v.name, tf.tensor(step[k]!, shapes[k])]).filter((_, k) => !(t === 7 && k === 2))) as never));
    });
    return vars;
  };
  const mismatches: string[] = [];
  const compare = (what: string, got: ArrayLike<number>, want: ArrayLike<number>) => {
    const at = Array.prototype.findIndex.call(got, (x: number, i: number) => x !== want[i]);
    if (at >= 0 || got.length !== want.length) mismatches.push(`${options.label}, ${what}: first differing value at ${at}`);
  };
  const fused = make.fused(0.013);
  const reference = make.tfjs(0.013);
  const before = tf.memory().numTensors;
  const a = run(fused, `fused-${options.label}/`);
  const afterFused = tf.memory().numTensors;
  const b = run(reference, `tfjs-${options.label}/`);
  const tensorsHeld = { fused: afterFused - before, tfjs: tf.memory().numTensors - afterFused };
  for (let k = 0; k < shapes.length; k++) compare(`variable ${k}`, a[k]!.dataSync(), b[k]!.dataSync());
  const [wa, wb] = [await fused.getWeights(), await reference.getWeights()];
  const slotName = (name: string) => name.replace(/^(fused|tfjs)-[^/]+\//, '');
  if (wa.map((w) => slotName(w.name)).join() !== wb.map((w) => slotName(w.name)).join()) mismatches.push(`${options.label}: slots ${wa.map((w) => w.name)} vs ${wb.map((w) => w.name)}`);
  else for (let k = 0; k < wa.length; k++) compare(`slot ${wb[k]!.name}`, wa[k]!.tensor.dataSync(), wb[k]!.tensor.dataSync());
  // a fused optimizer restored from tfjs's slots continues as tfjs's does
  const resumed = make.fused(0.0037);
  await resumed.setWeights(wb.map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) })));
  tf.tidy(() => {
    const g = Object.fromEntries(b.map((v, k) => [v.name, tf.tensor(grads[0]![k]!, shapes[k])]));
    const copy = b.map((v) => tf.variable(tf.clone(v), true, `${v.name}-copy`));
    reference.applyGradients(g as never);
    resumed.applyGradients(Object.fromEntries(copy.map((v, k) => [v.name, g[b[k]!.name]!])) as never);
    for (let k = 0; k < shapes.length; k++) compare(`resumed variable ${k}`, copy[k]!.dataSync(), b[k]!.dataSync());
    copy.forEach((v) => v.dispose());
  });
  tf.dispose([...a, ...b]);
  for (const o of [fused, reference, resumed]) o.dispose();
  return { mismatches, tensorsHeld };
}
