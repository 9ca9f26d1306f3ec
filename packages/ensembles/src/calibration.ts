import * as tf from '@tensorflow/tfjs-core';
import { learningCurvesSvg } from '@tikhonov/core';

/** Calibration of predicted probabilities [n, c] against class ids [n] (host numbers; call at evaluation points). */
export interface Calibration {
  /** Mean negative log-likelihood of the true class. */
  nll: number;
  /** Mean Brier score Σ_c (p_c − y_c)². */
  brier: number;
  /** Expected calibration error: Σ_bins (n_b / n)·|accuracy_b − confidence_b| over equal-width confidence bins. */
  ece: number;
  accuracy: number;
  /** Per bin: mean confidence, accuracy and count (the reliability diagram's points). */
  bins: Array<{ confidence: number; accuracy: number; count: number }>;
}

/** NLL, Brier score, ECE (with `bins` equal-width bins, default 10) and accuracy of probabilities against labels. */
export function calibration(probabilities: tf.Tensor, labels: tf.Tensor, bins = 10): Calibration {
  const [p, y] = tf.tidy(() => {
    const ids = labels.rank === 1 ? tf.cast(labels, 'int32') : tf.argMax(labels, -1);
    return [Array.from(probabilities.dataSync()), Array.from(ids.dataSync())];
  });
  const n = y.length;
  const c = p.length / n;
  let nll = 0;
  let brier = 0;
  let correct = 0;
  const sums = Array.from({ length: bins }, () => ({ confidence: 0, correct: 0, count: 0 }));
  for (let i = 0; i < n; i++) {
    const row = p.slice(i * c, i * c + c);
    const label = y[i]!;
    nll -= Math.log(Math.max(row[label]!, 1e-30));
    row.forEach((v, k) => (brier += (v - (k === label ? 1 : 0)) ** 2));
    let top = 0;
    for (let k = 1; k < c; k++) if (row[k]! > row[top]!) top = k;
    const hit = top === label ? 1 : 0;
    correct += hit;
    const bin = Math.min(bins - 1, Math.floor(row[top]! * bins));
    sums[bin]!.confidence += row[top]!;
    sums[bin]!.correct += hit;
    sums[bin]!.count++;
  }
  const binRows = sums.filter((b) => b.count > 0).map((b) => ({ confidence: b.confidence / b.count, accuracy: b.correct / b.count, count: b.count }));
  const ece = binRows.reduce((s, b) => s + (b.count / n) * Math.abs(b.accuracy - b.confidence), 0);
  return { nll: nll / n, brier: brier / n, ece, accuracy: correct / n, bins: binRows };
}

/** A reliability diagram (accuracy against confidence per bin, with the diagonal of perfect calibration) as SVG. */
export function reliabilitySvg(series: ReadonlyArray<{ label: string; calibration: Calibration }>, options: { title?: string } = {}): string {
  return learningCurvesSvg(
    [
      { label: 'perfect calibration', points: [[0, 0], [1, 1]], dashed: true, color: '#999' },
      ...series.map((s) => ({ label: `${s.label} (ECE ${s.calibration.ece.toFixed(3)})`, points: s.calibration.bins.map((b) => [b.confidence, b.accuracy] as const) })),
    ],
    { title: options.title ?? 'reliability diagram', xLabel: 'confidence', yLabel: 'accuracy' },
  );
}
