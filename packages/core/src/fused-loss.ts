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
  /**
   * The batch's mean loss in one kernel, for the unweighted loss the trainer
   * computes every step: inputs `{ logits, labels }`, logits float32
   * [rows, classes], labels either int32 class ids [rows] (each an integer in
   * [0, classes); a backend throws a RangeError naming the row of any other)
   * or float32 target rows [rows, classes]; output a float32 scalar,
   * (1/rows)·Σᵢ lossᵢ. Beside the per-row pair it spares the one-hot rows,
   * the casts, the mean and its gradient's kernels, and the tape's copy of
   * the mean's input: ten kernels a step fewer.
   */
  meanSoftmaxCrossEntropy: 'TikhonovMeanSoftmaxCrossEntropy',
  /**
   * Inputs `{ logits, labels, dy }` as the mean kernel's, dy a float32 scalar;
   * output [rows, classes], the mean's gradient with respect to the logits:
   * d·(softmax(zᵢ)·Σⱼ yᵢⱼ − yᵢ) with d = dy/rows rounded to float32 (as
   * tfjs's Mean gradient rounds it), yᵢ the one-hot row of a class id.
   */
  meanSoftmaxCrossEntropyGrad: 'TikhonovMeanSoftmaxCrossEntropyGrad',
} as const;

/**
 * Registers a fused loss kernel's gradient: the logits' through its gradient kernel (inputs `{ logits, labels, dy }`),
 * the labels' composed by `labelsGradient` from tfjs ops. That one is rarely needed (a target computed from trainable
 * variables, as in distillation from a teacher being trained): −dy·log softmax(z) per row.
 */
function registerLossGradient(kernelName: string, gradKernelName: string, labelsGradient: (logits: tf.Tensor2D, labels: tf.Tensor, dy: tf.Tensor) => tf.Tensor): void {
  tf.registerGradient({
    kernelName,
    inputsToSave: ['logits', 'labels'],
    gradFunc: (dy, saved) => {
      const [logits, labels] = saved as [tf.Tensor2D, tf.Tensor];
      const upstream = dy as tf.Tensor;
      return {
        logits: () => tf.engine().runKernel(gradKernelName, { logits, labels, dy: upstream }, {}) as tf.Tensor,
        labels: () => labelsGradient(logits, labels, upstream),
      };
    },
  });
}
registerLossGradient(FUSED_LOSS_KERNELS.softmaxCrossEntropy, FUSED_LOSS_KERNELS.softmaxCrossEntropyGrad, (logits, _, dy) => tf.mul(tf.neg(tf.logSoftmax(logits)), tf.expandDims(dy, 1)));
// the mean's dy is one scalar, dy/rows for every row; class ids have no gradient (zeros, as tfjs answers for an
// integer input such as a gather's indices)
registerLossGradient(FUSED_LOSS_KERNELS.meanSoftmaxCrossEntropy, FUSED_LOSS_KERNELS.meanSoftmaxCrossEntropyGrad, (logits, labels, dy) =>
  labels.dtype === 'int32' ? tf.zerosLike(labels) : tf.mul(tf.neg(tf.logSoftmax(logits)), tf.div(dy, logits.shape[0])),
);

/**
 * Whether the active backend runs the fused mean softmax cross-entropy for
 * these tensors: both mean kernels registered, float32 logits [rows, classes],
 * and targets that are class ids [rows] or rows of the logits' shape.
 */
export function fusedMeanSoftmaxCrossEntropyApplies(logits: tf.Tensor, labels: tf.Tensor): boolean {
  if (logits.rank !== 2 || logits.dtype !== 'float32' || logits.shape[0] === 0) return false;
  const ids = labels.rank === 1 && labels.shape[0] === logits.shape[0];
  if (!ids && !tf.util.arraysEqual(logits.shape, labels.shape)) return false;
  return backendRegisters(FUSED_LOSS_KERNELS.meanSoftmaxCrossEntropy, FUSED_LOSS_KERNELS.meanSoftmaxCrossEntropyGrad);
}

/**
 * The batch's mean softmax cross-entropy through the fused kernel; call only
 * where {@link fusedMeanSoftmaxCrossEntropyApplies}. Class ids go in as int32
 * (float ids are cast, as `tf.oneHot` casts them), target rows as float32.
 */
export function fusedMeanSoftmaxCrossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  const wanted = labels.rank === 1 ? 'int32' : 'float32';
  const targets = labels.dtype === wanted ? labels : tf.cast(labels, wanted);
  return tf.engine().runKernel(FUSED_LOSS_KERNELS.meanSoftmaxCrossEntropy, { logits, labels: targets }, {}) as tf.Scalar;
}

/**
 * Whether the active backend runs the fused softmax cross-entropy for these
 * tensors: both kernels registered, float32 logits of rank 2, targets of the
 * same shape (one-hot int32 rows are cast to float32).
 */
export function fusedSoftmaxCrossEntropyApplies(logits: tf.Tensor, labels: tf.Tensor): boolean {
  if (logits.rank !== 2 || logits.dtype !== 'float32' || !tf.util.arraysEqual(logits.shape, labels.shape)) return false;
  return backendRegisters(FUSED_LOSS_KERNELS.softmaxCrossEntropy, FUSED_LOSS_KERNELS.softmaxCrossEntropyGrad);
}

/** Whether the active backend registers every one of these kernels (a fused loss needs its forward and gradient pair). */
function backendRegisters(...names: string[]): boolean {
  const backend = tf.getBackend();
  return names.every((name) => tf.getKernel(name, backend) !== undefined);
}

/** Per-row softmax cross-entropy through the fused kernel; call only where {@link fusedSoftmaxCrossEntropyApplies}. */
export function fusedSoftmaxCrossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Tensor1D {
  const targets = labels.dtype === 'float32' ? labels : tf.cast(labels, 'float32');
  return tf.engine().runKernel(FUSED_LOSS_KERNELS.softmaxCrossEntropy, { logits, labels: targets }, {}) as tf.Tensor1D;
}
