// UnsortedSegmentSum (the gradient of gather, hence of every embedding and
// of the trainer's batch gather) as one pass over the wasm heap: a scatter-add
// is memory-bound, so a loop over the heap's typed-array views costs no more
// than a wasm kernel would and copies nothing.
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * Kernel: `UnsortedSegmentSum`. out[s, …] = Σ_{i : ids[i] = s} x[i, …] for
 * `numSegments` segments; ids outside [0, numSegments) contribute nothing,
 * as on the cpu backend (and in TensorFlow, for negative ids).
 */
export function unsortedSegmentSumKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const { x, segmentIds } = args.inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const { numSegments } = args.attrs as unknown as tf.UnsortedSegmentSumAttrs;
  const backend = args.backend as BackendWasm;
  if (x.dtype !== 'float32' && x.dtype !== 'int32') throw new Error(`@tikhonov/backend-wasm UnsortedSegmentSum: x has dtype '${x.dtype}'; float32 or int32 are supported`);
  const idRank = segmentIds.shape.length;
  const rows = tf.util.sizeFromShape(segmentIds.shape);
  const width = tf.util.sizeFromShape(x.shape.slice(idRank));
  const out = backend.makeOutput([numSegments, ...x.shape.slice(idRank)], x.dtype);
  // views taken after the allocation: growing the wasm memory detaches older views
  const ids = backend.typedArrayFromHeap(segmentIds);
  const values = backend.typedArrayFromHeap(x);
  const sums = backend.typedArrayFromHeap(out);
  sums.fill(0);
  for (let i = 0; i < rows; i++) {
    const s = ids[i]!;
    if (!(s >= 0 && s < numSegments) || (s | 0) !== s) continue;
    const from = i * width;
    const to = s * width;
    for (let j = 0; j < width; j++) sums[to + j]! += values[from + j]!;
  }
  return out;
}
