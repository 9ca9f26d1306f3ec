import { EigenvalueDecomposition, Matrix, pseudoInverse as mlPseudoInverse, solve } from 'ml-matrix';

/** A matrix as rows of numbers, or a row-major Float64Array with its column count. */
export type MatrixLike = number[][] | { data: ArrayLike<number>; columns: number };

function toMatrix(a: MatrixLike): Matrix {
  if (Array.isArray(a)) return new Matrix(a);
  const rows = a.data.length / a.columns;
  const m = new Matrix(rows, a.columns);
  for (let i = 0; i < rows; i++) for (let j = 0; j < a.columns; j++) m.set(i, j, a.data[i * a.columns + j]!);
  return m;
}

/** Thrown when the unregularised normal equations have no unique solution. */
export class UnderdeterminedError extends Error {
  override name = 'UnderdeterminedError';
}

/**
 * Ridge regression in closed form, w = (XᵀX + αI)⁻¹Xᵀy (seed §7.2.1), in
 * float64 on the host (ml-matrix). With α = 0 and XᵀX singular (fewer rows
 * than columns, or collinear columns) the problem is under-determined: that is
 * an error pointing at `pseudoInverse` (seed §7.4).
 */
export function ridge(X: MatrixLike, y: ArrayLike<number>, alpha: number): Float64Array {
  if (!(alpha >= 0 && Number.isFinite(alpha))) throw new RangeError(`ridge: alpha = ${alpha} is not allowed; must be a finite number ≥ 0`);
  const x = toMatrix(X);
  if (y.length !== x.rows) throw new RangeError(`ridge: X has ${x.rows} rows but y has ${y.length} values`);
  const gram = x.transpose().mmul(x);
  if (alpha === 0) {
    const eig = new EigenvalueDecomposition(gram, { assumeSymmetric: true }).realEigenvalues;
    const largest = Math.max(...eig.map(Math.abs));
    if (x.rows < x.columns || Math.min(...eig) <= largest * 1e-12) {
      throw new UnderdeterminedError(
        `ridge: XᵀX (${x.columns}×${x.columns}) is singular (${x.rows} examples, ${x.columns} features), so the unregularised problem is under-determined; use alpha > 0 or pseudoInverse(X)`,
      );
    }
  }
  for (let i = 0; i < x.columns; i++) gram.set(i, i, gram.get(i, i) + alpha);
  const rhs = x.transpose().mmul(Matrix.columnVector(Array.from(y)));
  return Float64Array.from(solve(gram, rhs).getColumn(0));
}

/** Moore–Penrose pseudo-inverse X⁺ (via SVD), as rows; X⁺y is the minimum-norm least-squares solution. */
export function pseudoInverse(X: MatrixLike): number[][] {
  return mlPseudoInverse(toMatrix(X)).to2DArray();
}

/** Multiplies a matrix (rows) by a vector. */
export function matVec(A: number[][], v: ArrayLike<number>): Float64Array {
  return Float64Array.from(A, (row) => row.reduce((s, a, j) => s + a * v[j]!, 0));
}

/** Eigenvalues and eigenvectors (columns of Q) of a symmetric matrix, e.g. a Hessian H = QΛQᵀ. */
export function symmetricEigen(H: MatrixLike): { values: number[]; vectors: number[][] } {
  const e = new EigenvalueDecomposition(toMatrix(H), { assumeSymmetric: true });
  return { values: e.realEigenvalues, vectors: e.eigenvectorMatrix.to2DArray() };
}

/** The factors λᵢ/(λᵢ + α) by which L² shrinks w*'s components along the Hessian's eigenvectors (eq. 7.7). */
export function l2ShrinkFactors(hessianEigenvalues: ArrayLike<number>, alpha: number): Float64Array {
  return Float64Array.from(hessianEigenvalues, (l) => l / (l + alpha));
}

/** Effective number of parameters γ = Σ λᵢ/(λᵢ + α) (eq. 7.8). */
export function effectiveParameters(hessianEigenvalues: ArrayLike<number>, alpha: number): number {
  return l2ShrinkFactors(hessianEigenvalues, alpha).reduce((a, b) => a + b, 0);
}
