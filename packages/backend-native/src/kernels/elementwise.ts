import * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from '../addon.js';
import { intValuesOf, outputArray, valuesOf } from './storage.js';

type KernelFunc = tf.KernelConfig['kernelFunc'];
type Inputs = Record<string, tf.TensorInfo>;

/** Binary kernels done natively, with the addon's op codes: arithmetic (float32 out), then comparisons (bool out, from 7). */
export const BINARY_OPS: Record<string, number> = {
  Add: 0, Sub: 1, Multiply: 2, RealDiv: 3, SquaredDifference: 4, Maximum: 5, Minimum: 6,
  Equal: 7, NotEqual: 8, Greater: 9, GreaterEqual: 10, Less: 11, LessEqual: 12,
};
const FIRST_COMPARISON = 7;

/**
 * How an input of `shape` broadcast to `out` maps onto the output's flat
 * index, when it is one contiguous block of axes: after left-padding with 1s
 * its non-1 axes equal out's axes k…j−1 and all other axes are 1. Then output
 * i uses input (i / repeat) mod length, repeat = product of out[j…]. A
 * trailing block (bias rows, scalars) has repeat 1; a [128, 1] column against
 * [128, 10] has repeat 10. Undefined for other patterns (the kernel falls back).
 */
export function blockPattern(shape: readonly number[], out: readonly number[]): { length: number; repeat: number } | undefined {
  const padded = [...Array(out.length - shape.length).fill(1), ...shape];
  const k = padded.findIndex((d) => d !== 1);
  if (k < 0) return { length: 1, repeat: 1 };
  let j = k;
  while (j < out.length && padded[j] === out[j]) j++;
  if (padded.slice(j).some((d) => d !== 1)) return undefined;
  return { length: sizeOf(out.slice(k, j)), repeat: sizeOf(out.slice(j)) };
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

const MIN_SLICE = 8;

/**
 * Broadcasts that are not one block of axes, split along the output's
 * leading axes into sub-problems that are: the fewest leading axes `prefix`
 * after which both inputs' remaining axes are blocks (`blockPattern`). A
 * spatial dropout mask [n, 1, 1, c] against activations [n, h, w, c] splits
 * into n products of [1, 1, c] against [h, w, c]. Undefined when no split
 * works or a sub-problem would be under `MIN_SLICE` values (a native call
 * each would cost more than it spares).
 */
export function slicedPattern(a: readonly number[], b: readonly number[], out: readonly number[]): { prefix: number; a: number[]; b: number[]; pa: { length: number; repeat: number }; pb: { length: number; repeat: number } } | undefined {
  const pad = (s: readonly number[]) => [...Array(out.length - s.length).fill(1), ...s];
  const [pa0, pb0] = [pad(a), pad(b)];
  for (let prefix = 1; prefix < out.length; prefix++) {
    if (sizeOf(out.slice(prefix)) < MIN_SLICE) return undefined;
    const pa = blockPattern(pa0.slice(prefix), out.slice(prefix));
    const pb = blockPattern(pb0.slice(prefix), out.slice(prefix));
    if (pa && pb) return { prefix, a: pa0, b: pb0, pa, pb };
  }
  return undefined;
}

/** A native binary kernel over float32 inputs, falling back to tfjs-cpu's for other dtypes and broadcast patterns. */
export function binaryKernel(addon: NativeAddon, op: number, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as Inputs;
    const backend = args.backend as MathBackendCPU;
    const av = valuesOf(backend, a!);
    const bv = valuesOf(backend, b!);
    if (!av || !bv) return fallback(args);
    const out = tf.backend_util.assertAndGetBroadcastShape(a!.shape, b!.shape);
    if (sizeOf(out) === 0) return fallback(args);
    const pa = blockPattern(a!.shape, out);
    const pb = blockPattern(b!.shape, out);
    const sliced = pa && pb ? undefined : slicedPattern(a!.shape, b!.shape, out);
    if (!(pa && pb) && !sliced) return fallback(args);
    // comparisons give tfjs's bool storage, a fresh Uint8Array (the pool holds Float32Arrays)
    const compare = op >= FIRST_COMPARISON;
    const values = compare ? new Uint8Array(sizeOf(out)) : outputArray(backend, sizeOf(out));
    if (sliced) binarySlices(addon, op, av, bv, values, out, sliced);
    else addon.binary(op, av, bv, values, pa!.repeat, pb!.repeat);
    return backend.makeTensorInfo(out, compare ? 'bool' : 'float32', values);
  };
}

/** One native call per index of the leading `prefix` axes, each on the inputs' and the output's views of it. */
function binarySlices(addon: NativeAddon, op: number, av: Float32Array, bv: Float32Array, values: Float32Array | Uint8Array, out: readonly number[], s: NonNullable<ReturnType<typeof slicedPattern>>): void {
  const { prefix } = s;
  const [aLength, bLength, outLength] = [sizeOf(s.a.slice(prefix)), sizeOf(s.b.slice(prefix)), sizeOf(out.slice(prefix))];
  // each input's stride along each leading axis, 0 where it is broadcast
  const strides = (shape: number[], inner: number) => {
    const st = new Array<number>(prefix).fill(0);
    for (let d = prefix - 1, size = inner; d >= 0; size *= shape[d]!, d--) st[d] = shape[d] === 1 ? 0 : size;
    return st;
  };
  const [sa, sb] = [strides(s.a, aLength), strides(s.b, bLength)];
  const index = new Array<number>(prefix).fill(0);
  const count = sizeOf(out.slice(0, prefix));
  for (let k = 0, at = 0, bt = 0; k < count; k++) {
    addon.binary(op, av.subarray(at, at + aLength), bv.subarray(bt, bt + bLength), values.subarray(k * outLength, (k + 1) * outLength), s.pa.repeat, s.pb.repeat);
    // the next leading index, odometer-wise, moving the inputs' offsets with it
    for (let d = prefix - 1; d >= 0; d--) {
      at += sa[d]!;
      bt += sb[d]!;
      if (++index[d]! < out[d]!) break;
      at -= sa[d]! * out[d]!;
      bt -= sb[d]! * out[d]!;
      index[d] = 0;
    }
  }
}

/**
 * GatherV2 along axis 0 (a batch of rows): float32 natively, int32 (a batch's
 * class ids or one-hot rows) in a JavaScript loop — tfjs-cpu's general gather
 * took ≈ 40 µs for 128 ids, a loop well under one. Other gathers fall back.
 */
export function gatherKernel(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { x, indices } = args.inputs as Inputs;
    const { axis, batchDims } = args.attrs as { axis: number; batchDims: number };
    const backend = args.backend as MathBackendCPU;
    const rowSize = sizeOf(x!.shape.slice(1));
    const xv = valuesOf(backend, x!);
    // one-hot rows too (tfjs-cpu's general gather took 170 µs for a batch of 128), into an Int32Array as tfjs-cpu's
    // gather writes them
    const iv = intValuesOf(backend, x!);
    const ids = backend.data.get(indices!.dataId).values;
    if ((!xv && !iv) || !(ids instanceof Int32Array) || (axis !== 0 && axis !== -x!.shape.length) || batchDims !== 0 || rowSize === 0 || x!.shape[0] === 0) return fallback(args);
    const shape = [...indices!.shape, ...x!.shape.slice(1)];
    if (iv) return backend.makeTensorInfo(shape, 'int32', gatherIntRows(iv, rowSize, ids, x!.shape[0]!));
    const out = outputArray(backend, ids.length * rowSize);
    addon.gatherRows(xv!, rowSize, ids, out);
    return backend.makeTensorInfo(shape, 'float32', out);
  };
}

/**
 * Rows `ids` of an int32 matrix of `rows` rows of `rowSize` (stored in an Int32Array, or a Float32Array as tfjs-cpu's
 * OneHot stores it), into an Int32Array; an index outside [0, rows) is refused, as the native gather refuses it.
 */
function gatherIntRows(x: Int32Array | Float32Array, rowSize: number, ids: Int32Array, rows: number): Int32Array {
  const out = new Int32Array(ids.length * rowSize);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (!(id >= 0 && id < rows)) throw new RangeError(`gatherRows: index ${id} is outside [0, ${rows})`);
    // element by element: the rows are short (class ids, one-hot rows), and an Int32Array store is ToInt32, as on tfjs-cpu
    for (let k = 0, from = id * rowSize, to = i * rowSize; k < rowSize; k++) out[to + k] = x[from + k]!;
  }
  return out;
}

/** The unary kernels done natively, with the addon's op codes. */
export const UNARY_OPS: Record<string, number> = { Relu: 0, Step: 1, Exp: 2, Log: 3, Neg: 4, Square: 5, Sqrt: 6, Sigmoid: 7, Tanh: 8, Abs: 9, Sign: 10, ClipByValue: 11, Softplus: 12 };

/** The reductions done natively, with the addon's op codes. */
export const REDUCE_OPS: Record<string, number> = { Sum: 0, Max: 1, Mean: 2 };

/** A reduction over leading or trailing contiguous axes natively; other axes fall back. */
export function reduceKernel(addon: NativeAddon, op: number, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as Inputs;
    const { keepDims } = args.attrs as { keepDims: boolean };
    // Sum and Mean name their axes `axis`, Max `reductionIndices`
    const { axis, reductionIndices } = args.attrs as { axis?: number | number[]; reductionIndices?: number | number[] };
    const backend = args.backend as MathBackendCPU;
    const rank = x!.shape.length;
    const axes = [...new Set(tf.util.parseAxisParam((axis ?? reductionIndices)!, x!.shape))].sort((p, q) => p - q);
    const xv = valuesOf(backend, x!);
    if (xv && (rank === 0 || axes.length === 0)) {
      // nothing to reduce (a loss already a scalar, as tfjs-layers means it again): each value by itself, as
      // tfjs-cpu computes it — a sum or a mean starts from 0, so −0 becomes +0 — without its cpu kernels' detour
      const out = outputArray(backend, xv.length);
      for (let i = 0; i < xv.length; i++) out[i] = op === REDUCE_OPS.Max ? xv[i]! : 0 + xv[i]!;
      return backend.makeTensorInfo(x!.shape, 'float32', out);
    }
    if (!xv || sizeOf(x!.shape) === 0) return fallback(args);
    const contiguous = axes.every((v, i) => v === axes[0]! + i);
    const leading = contiguous && axes[0] === 0;
    const trailing = contiguous && axes[axes.length - 1] === rank - 1;
    if (!leading && !trailing) return fallback(args);
    const split = leading ? axes.length : axes[0]!;
    const outer = sizeOf(x!.shape.slice(0, split));
    const inner = sizeOf(x!.shape.slice(split));
    const out = outputArray(backend, leading ? inner : outer);
    addon.reduceAxis(op, xv, outer, inner, leading, out);
    const kept = x!.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const shape = keepDims ? kept : x!.shape.filter((_, i) => !axes.includes(i));
    return backend.makeTensorInfo(shape, 'float32', out);
  };
}

/** A unary kernel (UNARY_OPS) natively on float32 storage; Step passes its alpha attribute, ClipByValue its bounds, the others ignore them. */
export function unaryKernel(addon: NativeAddon, op: number, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as Inputs;
    const backend = args.backend as MathBackendCPU;
    const xv = valuesOf(backend, x!);
    if (!xv) return fallback(args);
    const out = outputArray(backend, xv.length);
    const attrs = args.attrs as { alpha?: number; clipValueMin?: number; clipValueMax?: number } | undefined;
    if (attrs?.clipValueMin !== undefined) addon.unary(op, xv, out, attrs.clipValueMin, attrs.clipValueMax!);
    else addon.unary(op, xv, out, attrs?.alpha ?? 0);
    return backend.makeTensorInfo(x!.shape, 'float32', out);
  };
}

/** Select (where) with a condition of the same shape as both branches, natively; other cases fall back. */
export function selectKernel(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { condition, t, e } = args.inputs as Inputs;
    const backend = args.backend as MathBackendCPU;
    const cv = backend.data.get(condition!.dataId).values;
    const tv = valuesOf(backend, t!);
    const ev = valuesOf(backend, e!);
    const same = tf.util.arraysEqual(condition!.shape, t!.shape) && tf.util.arraysEqual(t!.shape, e!.shape);
    if (!(cv instanceof Uint8Array) || !tv || !ev || !same || tv.length === 0) return fallback(args);
    const out = outputArray(backend, tv.length);
    addon.select(cv, tv, ev, out);
    return backend.makeTensorInfo(t!.shape, 'float32', out);
  };
}

/** Cast of float32 to int32 or bool natively; every other cast falls back (most are no-ops on tfjs-cpu). */
export function castKernel(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as Inputs;
    const { dtype } = args.attrs as { dtype: tf.DataType };
    const backend = args.backend as MathBackendCPU;
    const xv = valuesOf(backend, x!);
    if (!xv || (dtype !== 'int32' && dtype !== 'bool')) return fallback(args);
    const out = dtype === 'int32' ? new Int32Array(xv.length) : new Uint8Array(xv.length);
    addon.castFloats(xv, out);
    return backend.makeTensorInfo(x!.shape, dtype, out);
  };
}

/**
 * OnesLike and ZerosLike of a float32 tensor: a pooled array filled in place
 * (a fill of 784×256 floats into a recycled array is a memset; a fresh array
 * is page faults and zeroing first). Core's Sum and Mean gradients broadcast
 * dy against onesLike(x). Other dtypes fall back.
 */
export function fillLikeKernel(value: 0 | 1, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as Inputs;
    const backend = args.backend as MathBackendCPU;
    const size = sizeOf(x!.shape);
    if (x!.dtype !== 'float32' || size === 0) return fallback(args);
    return backend.makeTensorInfo(x!.shape, 'float32', outputArray(backend, size).fill(value));
  };
}
