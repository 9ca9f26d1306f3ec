import { Matrix, solve } from 'ml-matrix';
import type { MatrixLike } from './analysis.js';

/**
 * Orthogonal matching pursuit (Pati et al. 1993), the sparse-coding inference
 * of seed §7.9: h* = argmin ‖x − Wh‖² subject to ‖h‖₀ ≤ k. W's columns are
 * the dictionary atoms (d × n); greedily adds the atom most correlated with
 * the residual, then refits the chosen atoms by least squares. Stops early
 * when the residual vanishes.
 */
export function orthogonalMatchingPursuit(x: ArrayLike<number>, W: MatrixLike, k: number): Float64Array {
  const dict = Array.isArray(W) ? new Matrix(W) : new Matrix(Array.from({ length: W.data.length / W.columns }, (_, i) => Array.from({ length: W.columns }, (_, j) => W.data[i * W.columns + j]!)));
  if (x.length !== dict.rows) throw new RangeError(`orthogonalMatchingPursuit: x has ${x.length} values but W has ${dict.rows} rows`);
  if (!Number.isInteger(k) || k < 1 || k > dict.columns) throw new RangeError(`orthogonalMatchingPursuit: k = ${k} is not allowed; must be an integer in [1, ${dict.columns}]`);
  const target = Matrix.columnVector(Array.from(x));
  const chosen: number[] = [];
  let residual = target.clone();
  let coefficients = new Matrix(0, 1);
  const norm = target.norm() || 1;
  while (chosen.length < k && residual.norm() > 1e-12 * norm) {
    const correlation = dict.transpose().mmul(residual).getColumn(0);
    let best = -1;
    correlation.forEach((c, j) => {
      if (!chosen.includes(j) && (best < 0 || Math.abs(c) > Math.abs(correlation[best]!))) best = j;
    });
    chosen.push(best);
    const sub = dict.subMatrixColumn(chosen);
    coefficients = solve(sub, target, true);
    residual = target.clone().sub(sub.mmul(coefficients));
  }
  const h = new Float64Array(dict.columns);
  chosen.forEach((j, i) => (h[j] = coefficients.get(i, 0)));
  return h;
}
