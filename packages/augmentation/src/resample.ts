import * as tf from '@tensorflow/tfjs-core';

/** How pixels between grid points are read. */
export type Interpolation = 'bilinear' | 'nearest';
/** What fills pixels that come from outside the image. */
export type FillMode = 'constant' | 'reflect' | 'nearest' | 'wrap';

/**
 * Warps each image of an NHWC batch by its own affine map, in tensor ops
 * (coordinate grids, floor, gathers): output pixel (u, v) of image i reads
 * the input at (a0·u + a1·v + a2, b0·u + b1·v + b2), row i of `rows` [n, 6].
 * Written here rather than with tf.image.transform because tfjs-cpu 4.22's
 * Transform kernel returns after the first image of a batch (the others stay
 * at the fill value), and backend-native falls back to that kernel; this way
 * every backend runs the same gathers. Fill modes follow TensorFlow's:
 * `constant` reads fillValue outside the image, `nearest` clamps,
 * `reflect` mirrors (dcba|abcd|dcba), `wrap` repeats the image (as
 * TensorFlow computes it).
 */
export function resampleAffine(x: tf.Tensor4D, rows: Float32Array, interpolation: Interpolation, fill: FillMode, fillValue: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const coefficient = (k: number) => tf.tensor3d(Float32Array.from({ length: n }, (_, i) => rows[i * 6 + k]!), [n, 1, 1]);
    const u = tf.reshape(tf.range(0, w, 1, 'float32'), [1, 1, w]);
    const v = tf.reshape(tf.range(0, h, 1, 'float32'), [1, h, 1]);
    const sx = tf.add(tf.add(tf.mul(coefficient(0), u), tf.mul(coefficient(1), v)), coefficient(2));
    const sy = tf.add(tf.add(tf.mul(coefficient(3), u), tf.mul(coefficient(4), v)), coefficient(5));
    const [mx, my] = [mapCoordinate(sx, w, fill), mapCoordinate(sy, h, fill)];
    const flat = tf.reshape(x, [n * h * w, c]);
    const base = tf.reshape(tf.mul(tf.range(0, n, 1, 'float32'), h * w), [n, 1, 1]);
    // one neighbour at whole-pixel coordinates (float: exact below 2^24 pixels, and clipped before the cast,
    // which wasm's int32 clip did not do): its pixels, or fillValue outside the image (constant fill only)
    const read = (yi: tf.Tensor, xi: tf.Tensor): tf.Tensor => {
      const inside = tf.logicalAnd(tf.logicalAnd(tf.greaterEqual(xi, 0), tf.lessEqual(xi, w - 1)), tf.logicalAnd(tf.greaterEqual(yi, 0), tf.lessEqual(yi, h - 1)));
      const index = tf.add(base, tf.add(tf.mul(tf.clipByValue(yi, 0, h - 1), w), tf.clipByValue(xi, 0, w - 1)));
      const values = tf.reshape(tf.gather(flat, tf.cast(tf.reshape(index, [-1]), 'int32')), [n, h, w, c]);
      return tf.where(tf.expandDims(inside, -1), values, tf.fill([n, h, w, c], fillValue));
    };
    if (interpolation === 'nearest') {
      // Math.round's half-up, as TensorFlow's kernel (tf.round would round half to even)
      return read(tf.floor(tf.add(my, 0.5)), tf.floor(tf.add(mx, 0.5))) as tf.Tensor4D;
    }
    const [x0, y0] = [tf.floor(mx), tf.floor(my)];
    const [wx, wy] = [tf.expandDims(tf.sub(mx, x0), -1), tf.expandDims(tf.sub(my, y0), -1)];
    const [x1, y1] = [tf.add(x0, 1), tf.add(y0, 1)];
    const top = tf.add(tf.mul(tf.sub(1, wx), read(y0, x0)), tf.mul(wx, read(y0, x1)));
    const bottom = tf.add(tf.mul(tf.sub(1, wx), read(y1, x0)), tf.mul(wx, read(y1, x1)));
    return tf.add(tf.mul(tf.sub(1, wy), top), tf.mul(wy, bottom)) as tf.Tensor4D;
  });
}

/** Source coordinates mapped into the image by the fill mode (constant leaves them, to read the fill value). */
function mapCoordinate(coord: tf.Tensor, length: number, fill: FillMode): tf.Tensor {
  switch (fill) {
    case 'constant':
      return coord;
    case 'nearest':
      return tf.clipByValue(coord, 0, length - 1);
    case 'reflect': {
      if (length <= 1) return tf.zerosLike(coord);
      const t = tf.mod(tf.mod(coord, 2 * length), 2 * length); // floor modulo into [0, 2·length)
      return tf.clipByValue(tf.where(tf.less(t, length), t, tf.sub(2 * length - 1, t)), 0, length - 1);
    }
    case 'wrap': {
      // TensorFlow's own wrap (period `length`, counted in steps of length − 1), so results match its kernels
      if (length <= 1) return tf.zerosLike(coord);
      const size = length - 1;
      const below = tf.add(coord, tf.mul(length, tf.add(tf.floor(tf.div(tf.neg(coord), size)), 1)));
      const above = tf.sub(coord, tf.mul(length, tf.floor(tf.div(coord, size))));
      return tf.clipByValue(tf.where(tf.less(coord, 0), below, tf.where(tf.greater(coord, size), above, coord)), 0, size);
    }
  }
}
