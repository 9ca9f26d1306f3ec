// Column sums of squares that an update kernel made of the value it wrote,
// kept for the max-norm projection that comes next.
//
// In a training step with max-norm, the optimizer writes every weight matrix,
// then the constraint reads each one again for its column norms. By then the
// matrix has left the cache (the other variables' updates came between), and
// the read costs ≈ 5× what it does from cache: 150 µs a step for a 784×512
// kernel, ≈ 6 % of the MLP epoch bench's step. So the update kernels add the
// squares of each block of rows right after writing it (addon's
// WriteWithBlockSums), and the projection uses them instead of reading.
//
// The sums describe an array's contents, so they are kept only while nothing
// can have changed it: the buffer pool forgets them when the array is
// recycled, released or read out (a reader holds the very array). Updates only
// make them for shapes the max-norm kernel has been asked to project, so a run
// without max-norm does no extra work.

/** Rows per block of sums: the addon's kNormBlock (it checks every blockSums length against it). */
export const NORM_BLOCK_ROWS = 64;

/** Block sums of one array: a float row of `cols` sums per block of {@link NORM_BLOCK_ROWS} rows. */
interface Sums {
  cols: number;
  blocks: Float32Array;
}

/** Block sums made by updates, by the array they describe. */
export class KnownColumnSums {
  private readonly byArray = new WeakMap<Float32Array, Sums>();
  /** `${size}/${cols}` of every value the max-norm kernel has projected. */
  private readonly wanted = new Set<string>();
  /** Counter for tests: projections that used an update's sums. */
  readonly stats = { used: 0 };

  /** The max-norm kernel projects values of this size and column count: updates should make their sums. */
  want(size: number, cols: number): void {
    this.wanted.add(`${size}/${cols}`);
  }

  /** Storage for the block sums of an update's output of this shape, or undefined when no projection wants them. */
  blocksFor(shape: readonly number[]): { blocks: Float32Array; cols: number } | undefined {
    if (shape.length < 2) return undefined;
    const cols = shape[shape.length - 1]!;
    const size = shape.reduce((a, b) => a * b, 1);
    if (size === 0 || !this.wanted.has(`${size}/${cols}`)) return undefined;
    return { blocks: new Float32Array(Math.ceil(size / cols / NORM_BLOCK_ROWS) * cols), cols };
  }

  /** `blocks` are the sums of `array`, which an update has just written. */
  note(array: Float32Array, sums: { blocks: Float32Array; cols: number }): void {
    this.byArray.set(array, sums);
  }

  /** The sums of `array` viewed with `cols` columns, if an update made them and nothing can have changed it since. */
  of(array: Float32Array, cols: number): Float32Array | undefined {
    const sums = this.byArray.get(array);
    if (sums?.cols !== cols) return undefined;
    this.stats.used++;
    return sums.blocks;
  }

  /** `array` may change or be seen outside its tensor from now on. */
  forget(array: Float32Array): void {
    this.byArray.delete(array);
  }
}
