// Kernels over the last axis, row by row: Softmax, ArgMax and core's fused softmax cross-entropy.
import * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from '../addon.js';
import { floatsOf, intValuesOf, outputArray, valuesOf } from './storage.js';

type KernelFunc = tf.KernelConfig['kernelFunc'];
type Inputs = Record<string, tf.TensorInfo>;

/** The last axis's length, or undefined when `axis` is another axis or the tensor is empty. */
function lastAxis(shape: readonly number[], axis: number): number | undefined {
  const rank = shape.length;
  if (rank === 0 || (axis !== -1 && axis !== rank - 1) || shape.some((d) => d === 0)) return undefined;
  return shape[rank - 1]!;
}

/** Softmax over the last axis natively (tfjs supports no other); other cases fall back. */
export function softmaxKernel(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { logits } = args.inputs as Inputs;
    const { dim } = args.attrs as { dim: number };
    const backend = args.backend as MathBackendCPU;
    const xv = valuesOf(backend, logits!);
    const cols = lastAxis(logits!.shape, dim);
    if (!xv || cols === undefined) return fallback(args);
    const out = outputArray(backend, xv.length);
    addon.softmaxRows(xv, cols, out);
    return backend.makeTensorInfo(logits!.shape, 'float32', out);
  };
}

/**
 * ArgMax over the last axis (accuracy, predictions): float32 natively, int32
 * (one-hot labels: tfjs-layers users take their class ids so) in a
 * JavaScript loop; other axes fall back.
 */
export function argMaxKernel(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as Inputs;
    const { axis } = args.attrs as { axis: number | number[] };
    const backend = args.backend as MathBackendCPU;
    const xv = valuesOf(backend, x!);
    const cols = lastAxis(x!.shape, Array.isArray(axis) ? (axis.length === 1 ? axis[0]! : NaN) : axis);
    const iv = intValuesOf(backend, x!);
    if ((!xv && !iv) || cols === undefined) return fallback(args);
    const values = (xv ?? iv)!;
    const out = new Int32Array(values.length / cols);
    if (xv) addon.argMaxRows(xv, cols, out);
    else argMaxIntRows(iv!, cols, out);
    return backend.makeTensorInfo(x!.shape.slice(0, -1), 'int32', out);
  };
}

/** Each row's index of its first strictly largest value, as tfjs-cpu's ArgMax finds it. */
function argMaxIntRows(x: Int32Array | Float32Array, cols: number, out: Int32Array): void {
  for (let r = 0, start = 0; r < out.length; r++, start += cols) {
    let best = 0;
    for (let j = 1; j < cols; j++) if (x[start + j]! > x[start + best]!) best = j;
    out[r] = best;
  }
}

/** The float32 logits and targets of core's fused loss kernels (core checks the shapes before it runs them). */
function lossInputs(backend: MathBackendCPU, inputs: Inputs, who: string): { z: Float32Array; y: Float32Array; rows: number; cols: number } {
  const { logits, labels } = inputs;
  const z = valuesOf(backend, logits!);
  const y = floatsOf(backend, labels!);
  if (!z || logits!.shape.length !== 2 || !tf.util.arraysEqual(logits!.shape, labels!.shape)) {
    throw new Error(`${who}: logits must be float32 [rows, classes] and labels the same shape; got ${logits!.dtype} [${logits!.shape}] and [${labels!.shape}]`);
  }
  return { z, y, rows: logits!.shape[0]!, cols: logits!.shape[1]! };
}

/**
 * core's TikhonovSoftmaxCrossEntropy: each row's −Σⱼ yⱼ·(zⱼ − logΣexp z) in one
 * native pass, in double precision and rounded once (the composed ops round
 * after each). Natively: for a 128 × 10 batch the kernel took 23 µs with
 * JavaScript loops (the gradient 35) and takes 13 (18) with the addon, most
 * of it the rows' double-precision exps.
 */
export function softmaxCrossEntropyKernel(addon: NativeAddon): KernelFunc {
  return (args) => {
    const backend = args.backend as MathBackendCPU;
    const { z, y, rows, cols } = lossInputs(backend, args.inputs as Inputs, 'TikhonovSoftmaxCrossEntropy');
    const out = outputArray(backend, rows);
    addon.softmaxCrossEntropyRows(z, y, cols, out, undefined);
    return backend.makeTensorInfo([rows], 'float32', out);
  };
}

/** core's TikhonovSoftmaxCrossEntropyGrad: dyᵢ·(softmax(zᵢ)·Σⱼ yᵢⱼ − yᵢ), row by row in double precision, natively. */
export function softmaxCrossEntropyGradKernel(addon: NativeAddon): KernelFunc {
  return lossGradKernel(addon, 'TikhonovSoftmaxCrossEntropyGrad', lossInputs, (dy, rows) => {
    if (dy.length !== rows) throw new Error(`TikhonovSoftmaxCrossEntropyGrad: dy holds ${dy.length} values; it must hold one per row (${rows})`);
    return dy;
  });
}

/**
 * Both loss gradient kernels: the inputs as `inputsOf` reads them, then every row's gradient scaled by its dy from
 * `dyRows` (the upstream gradient, checked and spread over the rows), in one pass of the addon.
 */
function lossGradKernel(addon: NativeAddon, who: string, inputsOf: typeof lossInputs, dyRows: (dy: Float32Array, rows: number) => Float32Array): KernelFunc {
  return (args) => {
    const backend = args.backend as MathBackendCPU;
    const inputs = args.inputs as Inputs;
    const { z, y, rows, cols } = inputsOf(backend, inputs, who);
    const dy = dyRows(floatsOf(backend, inputs.dy!), rows);
    const out = outputArray(backend, rows * cols);
    addon.softmaxCrossEntropyRows(z, y, cols, out, dy);
    return backend.makeTensorInfo([rows, cols], 'float32', out);
  };
}

/** Scratch arrays of the mean loss kernels, grown as needed: each call fills the part it reads before reading it. */
const scratch = { targets: new Float32Array(0), rows: new Float32Array(0) };
function scratchOf(key: keyof typeof scratch, length: number): Float32Array {
  if (scratch[key].length < length) scratch[key] = new Float32Array(length);
  return scratch[key].subarray(0, length);
}

/**
 * The float32 logits and target rows of core's mean loss kernels: target rows as they are, class ids written into
 * one-hot rows (in JavaScript: a batch's few thousand values, where tfjs's OneHot and two casts were three kernels).
 */
function meanLossInputs(backend: MathBackendCPU, inputs: Inputs, who: string): { z: Float32Array; y: Float32Array; rows: number; cols: number } {
  const { logits, labels } = inputs;
  if (labels!.shape.length !== 1) return lossInputs(backend, inputs, who);
  const z = valuesOf(backend, logits!);
  const ids = intValuesOf(backend, labels!);
  if (!z || logits!.shape.length !== 2 || !ids || ids.length !== logits!.shape[0]) {
    throw new Error(`${who}: logits must be float32 [rows, classes] and class ids int32 [rows]; got ${logits!.dtype} [${logits!.shape}] and ${labels!.dtype} [${labels!.shape}]`);
  }
  const [rows, cols] = logits!.shape as [number, number];
  const y = scratchOf('targets', rows * cols).fill(0);
  for (let i = 0; i < rows; i++) {
    const id = ids[i]!;
    if (!(Number.isInteger(id) && id >= 0 && id < cols)) throw new RangeError(`${who}: class id ${id} at row ${i} is out of range; the logits have ${cols} classes, so ids must be integers in [0, ${cols - 1}]`);
    y[i * cols + id] = 1;
  }
  return { z, y, rows, cols };
}

/**
 * core's TikhonovMeanSoftmaxCrossEntropy: the rows' losses as the per-row kernel computes them, then their mean,
 * summed and divided in double and rounded once.
 */
export function meanSoftmaxCrossEntropyKernel(addon: NativeAddon): KernelFunc {
  return (args) => {
    const backend = args.backend as MathBackendCPU;
    const { z, y, rows, cols } = meanLossInputs(backend, args.inputs as Inputs, 'TikhonovMeanSoftmaxCrossEntropy');
    const losses = scratchOf('rows', rows);
    addon.softmaxCrossEntropyRows(z, y, cols, losses, undefined);
    let sum = 0;
    for (let i = 0; i < rows; i++) sum += losses[i]!;
    return backend.makeTensorInfo([], 'float32', Float32Array.of(sum / rows));
  };
}

/** core's TikhonovMeanSoftmaxCrossEntropyGrad: d·(softmax(zᵢ)·Σⱼ yᵢⱼ − yᵢ) for every row, d = dy/rows in float32. */
export function meanSoftmaxCrossEntropyGradKernel(addon: NativeAddon): KernelFunc {
  return lossGradKernel(addon, 'TikhonovMeanSoftmaxCrossEntropyGrad', meanLossInputs, (dy, rows) => {
    if (dy.length !== 1) throw new Error(`TikhonovMeanSoftmaxCrossEntropyGrad: dy holds ${dy.length} values; it must be a scalar`);
    return scratchOf('rows', rows).fill(Math.fround(dy[0]! / rows));
  });
}
