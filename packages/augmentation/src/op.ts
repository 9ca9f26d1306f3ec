import * as tf from '@tensorflow/tfjs-core';
import { DataError, HostRandom } from '@tikhonov/core';

/** A change of an image some tasks must not allow: it can turn one class into another ("b" ↔ "d", "6" ↔ "9", seed §7.5). */
export type Hazard = 'flipHorizontal' | 'flipVertical' | 'rotate180';

/** Every hazard, for option checks. */
export const HAZARDS = ['flipHorizontal', 'flipVertical', 'rotate180'] as const satisfies readonly Hazard[];

/** The size of the images a batch holds. */
export interface ImageSize {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/**
 * One batched image transform: `draw` makes per-image random parameters on
 * the host (seeded by the caller; no tensor is read), `apply` transforms a
 * whole NHWC batch with them in one set of tensor ops. Ops carry no state.
 */
export interface ImageOp<P = unknown> {
  /** e.g. `'rotate'`, `'flipHorizontal'`. */
  readonly name: string;
  /** What the op may do that a task can forbid. */
  readonly hazards: readonly Hazard[];
  draw(n: number, rng: HostRandom, size: ImageSize): P;
  apply(x: tf.Tensor4D, params: P, size: ImageSize): tf.Tensor4D;
}

/** The batch's images as rank 4, or an error naming the plugin and the shape it got. */
export function imagesOf(x: tf.Tensor, who: string): tf.Tensor4D {
  if (x.rank !== 4) throw new DataError(`${who} needs images [batch, height, width, channels] (rank 4, NHWC); got shape [${x.shape.join(', ')}]`);
  return x as tf.Tensor4D;
}

/** Height, width and channels of an NHWC batch. */
export function sizeOf(x: tf.Tensor4D): ImageSize {
  return { height: x.shape[1], width: x.shape[2], channels: x.shape[3] };
}

/** A uniform draw in [lo, hi). */
export const uniformIn = (rng: HostRandom, lo: number, hi: number): number => lo + (hi - lo) * rng.uniform();

/** n uniform draws in [lo, hi) as a Float32Array. */
export function uniforms(n: number, rng: HostRandom, lo: number, hi: number): Float32Array {
  return Float32Array.from({ length: n }, () => uniformIn(rng, lo, hi));
}

/** A per-image value [n] shaped [n, 1, 1, 1] to broadcast over NHWC. */
export function perImage(values: Float32Array | number[]): tf.Tensor4D {
  return tf.tensor4d(values instanceof Float32Array ? values : Float32Array.from(values), [values.length, 1, 1, 1]);
}

/** Per image: a's image where cond [n] holds, else b's. */
export function whereImages(cond: tf.Tensor, a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D {
  return tf.where(tf.reshape(cond, [cond.shape[0]!, 1, 1, 1]), a, b) as tf.Tensor4D;
}

/** A host stream of the step: seeded from the plugin's tensor stream, so it depends on (seed, step, plugin) only. */
export function hostStream(next: { nextSeed(): number }): HostRandom {
  return new HostRandom(next.nextSeed());
}

/**
 * A box size as torchvision's RandomResizedCrop and RandomErasing draw it:
 * up to ten tries of area fraction U(areas) and aspect ratio log-U(ratios),
 * [height, width] rounded; the first that fits (strictly smaller than the
 * image when `strict`), else undefined. The ratio is width/height, or
 * height/width when `tall` (RandomErasing's convention).
 */
export function drawBoxSize(rng: HostRandom, areas: readonly [number, number], ratios: readonly [number, number], height: number, width: number, options: { tall: boolean; strict: boolean }): [number, number] | undefined {
  for (let attempt = 0; attempt < 10; attempt++) {
    const area = uniformIn(rng, areas[0], areas[1]) * height * width;
    const ratio = Math.exp(uniformIn(rng, Math.log(ratios[0]), Math.log(ratios[1])));
    const long = Math.round(Math.sqrt(area * ratio));
    const short = Math.round(Math.sqrt(area / ratio));
    const [h, w] = options.tall ? [long, short] : [short, long];
    const fits = options.strict ? h < height && w < width : h <= height && w <= width;
    if (h > 0 && w > 0 && fits) return [h, w];
  }
  return undefined;
}
