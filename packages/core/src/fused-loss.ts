import * as tf from '@tensorflow/tfjs-core';

/**
 * Kernel names of the fused softmax cross-entropy a backend may offer (as
 * `@tikhonov/backend-native` does). Composed from tfjs ops the loss and its
 * gradient dispatch ≈ 35 small kernels per step (max, subtract, exp, sum,
 * log, the one-hot product, and each one's gradient); the fused pair is two.
 * Unlike {@link FUSED_KERNELS} these sit on the tape: core registers the
 * forward kernel's gradient, which runs the gradient kernel.
 */
export const FUSED_LOSS_KERNELS = {
  /**
   * Inputs `{ logits, labels }`, float32 [rows, classes] each; output the
   * per-row loss [rows], −Σⱼ yⱼ·log softmax(z)ⱼ, with log softmax(z)ⱼ =
   * zⱼ − max(z) − log Σₖ exp(zₖ − max(z)).
   */
  softmaxCrossEntropy: 'TikhonovSoftmaxCrossEntropy',
  /**
   * Inputs `{ logits, labels, dy }` (dy: [rows], the upstream gradient of
   * each row's loss); output [rows, classes], the loss's gradient with
   * respect to the logits, dyᵢ·(softmax(zᵢ)·Σⱼ yᵢⱼ − yᵢ). For targets that
   * sum to 1 (one-hot, label smoothing) that is dyᵢ·(pᵢ − yᵢ).
   */
  softmaxCrossEntropyGrad: 'TikhonovSoftmaxCrossEntropyGrad',
} as const;

// The labels' gradient, −dy·log softmax(z), is rarely needed (a target computed from trainable variables,
// as in distillation from a teacher being trained) and is composed from tfjs ops.
tf.registerGradient({
  kernelName: FUSED_LOSS_KERNELS.softmaxCrossEntropy,
  inputsToSave: ['logits', 'labels'],
  gradFunc: (dy, saved) => {
    const [logits, labels] = saved as [tf.Tensor2D, tf.Tensor2D];
    const upstream = dy as tf.Tensor1D;
    return {
      logits: () => tf.engine().runKernel(FUSED_LOSS_KERNELS.softmaxCrossEntropyGrad, { logits, labels, dy: upstream }, {}) as tf.Tensor,
      labels: () => tf.mul(tf.neg(tf.logSoftmax(logits)), tf.expandDims(upstream, 1)),
    };
  },
});

/**
 * Whether the active backend runs the fused softmax cross-entropy for these
 * tensors: both kernels registered, float32 logits of rank 2, targets of the
 * same shape (one-hot int32 rows are cast to float32).
 */
export function fusedSoftmaxCrossEntropyApplies(logits: tf.Tensor, labels: tf.Tensor): boolean {
  if (logits.rank !== 2 || logits.dtype !== 'float32' || !tf.util.arraysEqual(logits.shape, labels.shape)) return false;
  const backend = tf.getBackend();
  return tf.getKernel(FUSED_LOSS_KERNELS.softmaxCrossEntropy, backend) !== undefined && tf.getKernel(FUSED_LOSS_KERNELS.softmaxCrossEntropyGrad, backend) !== undefined;
}

/** Per-row softmax cross-entropy through the fused kernel; call only where {@link fusedSoftmaxCrossEntropyApplies}. */
export function fusedSoftmaxCrossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Tensor1D {
  const targets = labels.dtype === 'float32' ? labels : tf.cast(labels, 'float32');
  return tf.engine().runKernel(FUSED_LOSS_KERNELS.softmaxCrossEntropy, { logits, labels: targets }, {}) as tf.Tensor1D;
}
