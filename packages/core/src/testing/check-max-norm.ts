// For backends with core's fused max-norm kernel: projectMaxNorm on the
// active backend against a float64 hand computation.
import * as tf from '@tensorflow/tfjs-core';
import { projectMaxNorm } from '../fused-ops.js';
import { HostRandom } from '../random.js';

/** What {@link checkMaxNormProjection} found. */
export interface MaxNormReport {
  /** The projection's values (for comparisons between thread counts). */
  values: Float32Array;
  /** Largest relative error against value·c/‖w_j‖ computed in float64, over the projected and kept units. */
  worst: number;
  /** Values of units inside the ball whose bits changed (expected 0: their factor is exactly 1). */
  insideChanged: number;
  /** Whether the unit holding a NaN is all NaN afterwards, as the composed form leaves it. */
  nanKept: boolean;
  /** Tensors the projection added (expected 1: its output). */
  tensorsAdded: number;
  /** Units outside the ball, so projected (most of the 512). */
  projected: number;
}

/**
 * Projects a 784×512 kernel (the epoch bench's first layer) onto the ball of
 * radius 2.4 per unit with `projectMaxNorm`, most units outside it, one well
 * inside, one zero and one holding a NaN.
 */
export function checkMaxNormProjection(seed = 8): MaxNormReport {
  const r = new HostRandom(seed);
  const [rows, cols, c] = [784, 512, 2.4];
  const w = Float32Array.from({ length: rows * cols }, () => (r.uniform() - 0.5) * 0.3);
  // column 7 well inside the ball, column 9 holds a NaN, column 11 is zero
  for (let i = 0; i < rows; i++) {
    w[i * cols + 7] = w[i * cols + 7]! * 1e-3;
    w[i * cols + 11] = 0;
  }
  w[5 * cols + 9] = NaN;
  const norms = Array.from({ length: cols }, (_, j) => {
    let s = 0;
    for (let i = 0; i < rows; i++) s += w[i * cols + j]! ** 2;
    return Math.sqrt(s);
  });
  const value = tf.tensor2d(w, [rows, cols]);
  const before = tf.memory().numTensors;
  const out = projectMaxNorm(value, c);
  const tensorsAdded = tf.memory().numTensors - before;
  const got = out.dataSync() as Float32Array;
  tf.dispose([value, out]);
  let worst = 0;
  let insideChanged = 0;
  let nanKept = true;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const k = i * cols + j;
      if (j === 9) {
        nanKept &&= Number.isNaN(got[k]);
        continue;
      }
      const want = norms[j]! > c ? (w[k]! * c) / norms[j]! : w[k]!;
      if (norms[j]! <= c && !Object.is(got[k], w[k])) insideChanged++;
      worst = Math.max(worst, Math.abs(got[k]! - want) / Math.max(Math.abs(want), 1e-30));
    }
  }
  return { values: got, worst, insideChanged, nanKept, tensorsAdded, projected: norms.filter((n) => n > c).length };
}
