import * as tf from '@tensorflow/tfjs-core';

// The gradients of Sum and Mean, as tfjs-core's with one change: dy is
// broadcast against onesLike(x), a kernel, where tfjs's make ones(x.shape) —
// a fresh array filled in JavaScript on every call. For a reduction over a
// whole weight matrix (L1's Σ|w|, elastic net's Σw², a KL term) that array
// is as large as the weights: on the native backend tf.ones of 784×256 took
// ≈ 470 µs, where its OnesLike (a recycled array) takes a fill. The numbers
// are tfjs's (dy·1, divided by the reduced size for Mean). Registered over
// tfjs's (register-gradients imports tfjs-layers, which registers those,
// first); float32 inputs only, others keep tfjs's ones of float32.

/** dy reshaped to x's rank (1 on the reduced axes), times ones of x's shape. */
function broadcastBack(dy: tf.Tensor, x: tf.Tensor, axis: number | number[]): tf.Tensor {
  const axes = tf.util.parseAxisParam(axis, x.shape);
  const expanded = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const ones = x.dtype === 'float32' ? tf.onesLike(x) : tf.ones(x.shape, 'float32');
  return tf.mul(tf.reshape(dy, expanded), ones);
}

tf.registerGradient({
  kernelName: 'Sum',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor];
    return { x: () => broadcastBack(dy as tf.Tensor, x, (attrs as unknown as { axis: number | number[] }).axis) };
  },
});

tf.registerGradient({
  kernelName: 'Mean',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor];
    const axis = (attrs as unknown as { axis: number | number[] }).axis;
    const reduced = tf.util.parseAxisParam(axis, x.shape).reduce((n, i) => n * x.shape[i]!, 1);
    return { x: () => tf.div(broadcastBack(dy as tf.Tensor, x, axis), reduced) };
  },
});
