import * as tf from '@tensorflow/tfjs-core';
import type { HostRandom } from '@tikhonov/core';
import type { Hazard, ImageOp, ImageSize } from './op.js';
import { resampleAffine, type FillMode, type Interpolation } from './resample.js';

export type { FillMode, Interpolation } from './resample.js';

/** One image's affine map, forward (content moves by it): rotation θ (radians), shears, scales, shift (pixels). */
export interface AffineParams {
  rotate: number;
  shearX: number;
  shearY: number;
  scaleX: number;
  scaleY: number;
  dx: number;
  dy: number;
}

/** The identity map. */
export const IDENTITY: AffineParams = { rotate: 0, shearX: 0, shearY: 0, scaleX: 1, scaleY: 1, dx: 0, dy: 0 };

/**
 * Per image the row [a0, a1, a2, b0, b1, b2] mapping an output pixel (u, v)
 * to the input point it reads, for forward maps about the image centre:
 * p_out = A(p_in − c) + c + t with A = R(θ)·Shear·Scale, so
 * p_in = A⁻¹(p_out − c − t) + c.
 */
export function transformRows(params: readonly AffineParams[], size: ImageSize): Float32Array {
  const cx = (size.width - 1) / 2;
  const cy = (size.height - 1) / 2;
  const rows = new Float32Array(params.length * 6);
  params.forEach((p, i) => {
    const [c, s] = [Math.cos(p.rotate), Math.sin(p.rotate)];
    // A = R · H · S with H = [[1, shx], [shy, 1]], S = diag(sx, sy)
    const h = [1 * p.scaleX, p.shearX * p.scaleY, p.shearY * p.scaleX, 1 * p.scaleY];
    const a = [c * h[0]! - s * h[2]!, c * h[1]! - s * h[3]!, s * h[0]! + c * h[2]!, s * h[1]! + c * h[3]!];
    const det = a[0]! * a[3]! - a[1]! * a[2]!;
    if (!(Math.abs(det) > 1e-12)) throw new RangeError(`affine: the map of image ${i} is singular (det ${det}); scales must be non-zero and shears below 1 in product`);
    const inv = [a[3]! / det, -a[1]! / det, -a[2]! / det, a[0]! / det];
    const ox = cx + p.dx;
    const oy = cy + p.dy;
    rows.set([inv[0]!, inv[1]!, cx - inv[0]! * ox - inv[1]! * oy, inv[2]!, inv[3]!, cy - inv[2]! * ox - inv[3]! * oy], i * 6);
  });
  return rows;
}

/** How an affine op reads and fills. */
export interface Resampling {
  interpolation: Interpolation;
  fill: FillMode;
  fillValue: number;
}

/**
 * Warps a batch with the backend's Transform kernel where it is right — the
 * native backend's (every fill mode as TensorFlow), wasm's except for
 * reflect — and elsewhere with {@link resampleAffine}'s tensor ops: tfjs-cpu's
 * kernel warps only the first image of a batch, wasm's reflect differs from
 * TensorFlow. The paths are tested against each other.
 */
export function warp(x: tf.Tensor4D, rows: Float32Array, r: Resampling): tf.Tensor4D {
  const backend = tf.getBackend();
  const kernelIsRight = backend === 'native' || (backend === 'wasm' && r.fill !== 'reflect');
  if (!kernelIsRight) return resampleAffine(x, rows, r.interpolation, r.fill, r.fillValue);
  return tf.tidy(() => {
    const n = x.shape[0];
    const full = new Float32Array(n * 8);
    for (let i = 0; i < n; i++) full.set(rows.subarray(i * 6, i * 6 + 6), i * 8);
    return tf.image.transform(x, tf.tensor2d(full, [n, 8]), r.interpolation, r.fill, r.fillValue);
  });
}

/** An op that warps every image by its own affine map, drawn by `draw`. */
export function affineOp(name: string, hazards: readonly Hazard[], draw: (rng: HostRandom, size: ImageSize) => AffineParams, resampling: Resampling): ImageOp<AffineParams[]> {
  return {
    name,
    hazards,
    draw: (n, rng, size) => Array.from({ length: n }, () => draw(rng, size)),
    apply: (x, params, size) => warp(x, transformRows(params, size), resampling),
  };
}
