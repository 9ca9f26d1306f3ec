// Recycled output storage for the native kernels. A fresh multi-megabyte
// Float32Array costs more than the kernel that fills it (page faults and
// zeroing: a Step over 1.4 M values takes 0.6 ms into a reused array and
// 5 ms into a new one here), and a training step allocates the same sizes
// every time. So the backend hands a disposed tensor's array to the next
// kernel output of the same length — but only an array that nothing else can
// still see:
// - only arrays a native kernel allocated (never a user's array given to
//   tf.tensor, never a tfjs-cpu kernel's output);
// - never one that was read out (readSync/read: dataSync, arraySync, moving
//   to another backend), since the reader holds the very same array;
// - never one a tfjs-cpu kernel has made a view of (its Slice returns a
//   subarray of the input): every cpu kernel on this backend runs behind
//   `guardAliases`, which checks each output's buffer against its inputs'.
// An array that fails any test is simply left to the garbage collector.

import { KnownColumnSums } from './column-sums.js';

/** Arrays shorter than this are cheap to allocate; they are not pooled. */
const POOLED_FROM = 1024;

/** Length-keyed free lists of Float32Arrays no tensor or reader can see. */
export class BufferPool {
  private readonly free = new Map<number, Float32Array[]>();
  /** Allocated here and never seen outside a tensor. */
  private readonly owned = new WeakSet<Float32Array>();
  private pooledBytes = 0;
  /** Counters for tests and benchmarks. */
  readonly stats = { reused: 0, allocated: 0 };
  /** Column sums updates made of their outputs (column-sums.ts), forgotten here whenever an array may change or escape. */
  readonly columnSums = new KnownColumnSums();

  constructor(private readonly limitBytes = 512 * 2 ** 20) {}

  /** An array of `length` floats; a recycled one has stale contents (the kernel writes every value). */
  take(length: number): Float32Array {
    if (length < POOLED_FROM) return new Float32Array(length);
    const recycled = this.free.get(length)?.pop();
    let array: Float32Array;
    if (recycled) {
      this.columnSums.forget(recycled);
      this.pooledBytes -= recycled.byteLength;
      this.stats.reused++;
      array = recycled;
    } else {
      this.stats.allocated++;
      array = new Float32Array(length);
    }
    this.owned.add(array);
    return array;
  }

  /** `values` may be seen outside its tensor from now on: never recycle it. */
  escape(values: unknown): void {
    if (!(values instanceof Float32Array)) return;
    this.owned.delete(values);
    this.columnSums.forget(values);
  }

  /** The tensor holding `values` is gone: keep the array for reuse if it is ours and unseen. */
  release(values: unknown): void {
    if (!(values instanceof Float32Array)) return;
    this.columnSums.forget(values);
    if (!this.owned.has(values)) return;
    this.owned.delete(values);
    if (this.pooledBytes + values.byteLength > this.limitBytes) return;
    let list = this.free.get(values.length);
    if (!list) this.free.set(values.length, (list = []));
    list.push(values);
    this.pooledBytes += values.byteLength;
  }

  /** Bytes waiting for reuse. */
  get bytesPooled(): number {
    return this.pooledBytes;
  }
}
