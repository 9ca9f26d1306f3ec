/**
 * Eq. 7.26: after τ gradient-descent steps of rate η from w = 0 on a quadratic
 * with Hessian eigenvalues λᵢ, the component of w along eigenvector i is
 * [1 − (1 − ηλᵢ)^τ] times that of w*.
 */
export function earlyStoppingFactors(hessianEigenvalues: ArrayLike<number>, learningRate: number, steps: number): Float64Array {
  return Float64Array.from(hessianEigenvalues, (l) => 1 - (1 - learningRate * l) ** steps);
}

/** Eq. 7.28: the L² coefficient early stopping after τ steps of rate η resembles, α ≈ 1/(τη). */
export function equivalentL2(learningRate: number, steps: number): number {
  return 1 / (learningRate * steps);
}
