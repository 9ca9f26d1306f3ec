// tf.tile, which tfjs's broadcastTo (and so tf.where of a per-image condition) dispatches. tfjs-cpu's kernel reads
// and writes every value through a TensorBuffer's index arithmetic: ≈ 1.5 ms for each per-image tf.where on a batch
// of 64 28×28 images (profiled in the augmentation example), most of an augmentation plugin's step. A tile is a copy, bound by memory rather than arithmetic, so it stays in
// JavaScript: whole rows go through the typed arrays' own `set`, `fill` and `copyWithin` (memcpy and memset).
import * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { outputArray } from './storage.js';

type KernelFunc = tf.KernelConfig['kernelFunc'];
type Values = Float32Array | Int32Array | Uint8Array;

/** The storage tfjs-cpu keeps each dtype in; any other pairing (a float32 cast from bool stays bytes) falls back. */
const STORAGE = { float32: Float32Array, int32: Int32Array, bool: Uint8Array } as const;

/**
 * Writes x (shape `shape`) tiled `reps` times along each axis into `out`.
 * `inner[d]` and `outInner[d]` are the sizes of one block of axes d… of x
 * and of the output; `untiled[d]` says that no axis from d on is tiled. Each axis is filled once from x, then copied whole
 * within `out`: the copies grow with the block, never per value.
 */
function tileInto(x: Values, out: Values, shape: number[], reps: number[], inner: number[], outInner: number[], untiled: boolean[], d: number, xAt: number, outAt: number): void {
  if (inner[d] === 1) {
    // one value of x fills the whole output block (a per-image condition broadcast over the image)
    out.fill(x[xAt]!, outAt, outAt + outInner[d]!);
    return;
  }
  if (untiled[d]) {
    // nothing left to tile: the block is x's, as it is
    out.set(x.subarray(xAt, xAt + inner[d]!), outAt);
    return;
  }
  for (let i = 0; i < shape[d]!; i++) tileInto(x, out, shape, reps, inner, outInner, untiled, d + 1, xAt + i * inner[d + 1]!, outAt + i * outInner[d + 1]!);
  const block = shape[d]! * outInner[d + 1]!;
  for (let r = 1; r < reps[d]!; r++) out.copyWithin(outAt + r * block, outAt, outAt + block);
}

/** tf.tile of float32, int32 and bool tensors; strings and other storage fall back to tfjs-cpu. */
export function tileKernel(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { reps } = args.attrs as { reps: number[] };
    const backend = args.backend as MathBackendCPU;
    const values = backend.data.get(x.dataId).values;
    const Storage = STORAGE[x.dtype as keyof typeof STORAGE];
    const shape = x.shape;
    const outShape = shape.map((s, d) => s * reps[d]!);
    const size = tf.util.sizeFromShape(outShape);
    if (!Storage || !(values instanceof Storage) || reps.length !== shape.length || size === 0 || shape.length === 0) return fallback(args);
    // block sizes from the last axis out (inner[rank] = 1)
    const inner = new Array<number>(shape.length + 1).fill(1);
    const outInner = new Array<number>(shape.length + 1).fill(1);
    const untiled = new Array<boolean>(shape.length + 1).fill(true);
    for (let d = shape.length - 1; d >= 0; d--) {
      inner[d] = inner[d + 1]! * shape[d]!;
      outInner[d] = outInner[d + 1]! * outShape[d]!;
      untiled[d] = untiled[d + 1]! && reps[d] === 1;
    }
    const out = x.dtype === 'float32' ? outputArray(backend, size) : new Storage(size);
    tileInto(values as Values, out, shape, reps, inner, outInner, untiled, 0, 0, 0);
    return backend.makeTensorInfo(outShape, x.dtype, out);
  };
}
