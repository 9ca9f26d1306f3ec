import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, dataset, type Dataset } from '@tikhonov/core';
import { readMaybeGzip } from './files.js';

/** An IDX array: its shape and values (the MNIST file format). */
export interface IdxArray {
  readonly shape: number[];
  readonly values: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const TYPES: Record<number, { name: string; bytes: number }> = {
  0x08: { name: 'uint8', bytes: 1 },
  0x09: { name: 'int8', bytes: 1 },
  0x0b: { name: 'int16', bytes: 2 },
  0x0c: { name: 'int32', bytes: 4 },
  0x0d: { name: 'float32', bytes: 4 },
  0x0e: { name: 'float64', bytes: 8 },
};

/**
 * Parses an IDX buffer: magic 0x00 0x00 <type> <rank>, then rank big-endian
 * uint32 dimensions, then the values big-endian. Throws on a bad magic or a
 * length that does not match the dimensions.
 */
export function parseIdx(buffer: Uint8Array, what = 'IDX data'): IdxArray {
  if (buffer.length < 4 || buffer[0] !== 0 || buffer[1] !== 0 || !TYPES[buffer[2]!]) {
    throw new DataError(`${what} is not an IDX file (bad magic number)`);
  }
  const type = TYPES[buffer[2]!]!;
  const rank = buffer[3]!;
  // the header itself may be cut short: say so rather than let DataView throw a RangeError
  if (buffer.length < 4 + 4 * rank) throw new DataError(`${what} ends inside its header: ${buffer.length} bytes, but a rank-${rank} IDX header needs ${4 + 4 * rank}: truncated or corrupt`);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const offset = 4 + 4 * rank;
  const count = shape.reduce((a, b) => a * b, 1);
  if (buffer.length !== offset + count * type.bytes) {
    throw new DataError(`${what} holds ${buffer.length - offset} bytes of values but its header [${shape.join(', ')}] needs ${count * type.bytes}: truncated or corrupt`);
  }
  const read = (i: number): number => {
    const at = offset + i * type.bytes;
    switch (type.name) {
      case 'uint8': return view.getUint8(at);
      case 'int8': return view.getInt8(at);
      case 'int16': return view.getInt16(at, false);
      case 'int32': return view.getInt32(at, false);
      case 'float32': return view.getFloat32(at, false);
      default: return view.getFloat64(at, false);
    }
  };
  if (type.name === 'uint8') return { shape, values: buffer.slice(offset, offset + count) };
  const Ctor = { int8: Int8Array, int16: Int16Array, int32: Int32Array, float32: Float32Array, float64: Float64Array }[type.name as 'int8']!;
  const values = new Ctor(count);
  for (let i = 0; i < count; i++) values[i] = read(i);
  return { shape, values };
}

/** Reads an IDX file, gzipped or raw. */
export function readIdx(path: string): IdxArray {
  return parseIdx(readMaybeGzip(path), path);
}

/** Where Debian's `dataset-fashion-mnist` package puts the files. */
export const FASHION_MNIST_DEFAULT_DIR = '/usr/share/datasets/fashion-mnist';

/** The ten Fashion-MNIST classes. */
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;

function findFile(dir: string, stem: string): string | undefined {
  for (const name of [`${stem}.gz`, stem, stem.replace(/-idx(\d)-/, '.idx$1-'), `${stem.replace(/-idx(\d)-/, '.idx$1-')}.gz`]) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  return undefined;
}

/**
 * Loads an MNIST-format split (Fashion-MNIST by default) from a directory:
 * x [n, 28, 28, 1] scaled to [0, 1], y class ids. The directory is
 * `options.dir`, else $TIKHONOV_FASHION_MNIST_DIR, else Debian's location.
 * `limit` keeps the first n examples.
 */
export function loadMnistFormat(options: { split?: 'train' | 'test'; dir?: string; limit?: number } = {}): Dataset {
  const split = options.split ?? 'train';
  const dir = options.dir ?? process.env.TIKHONOV_FASHION_MNIST_DIR ?? FASHION_MNIST_DEFAULT_DIR;
  const prefix = split === 'train' ? 'train' : 't10k';
  const imagesPath = findFile(dir, `${prefix}-images-idx3-ubyte`);
  const labelsPath = findFile(dir, `${prefix}-labels-idx1-ubyte`);
  if (!imagesPath || !labelsPath) {
    throw new DataError(
      `no ${split} IDX files (${prefix}-images-idx3-ubyte[.gz], ${prefix}-labels-idx1-ubyte[.gz]) in ${dir}; ` +
        `install them with 'sudo apt-get install dataset-fashion-mnist' (Debian) or point TIKHONOV_FASHION_MNIST_DIR or the dir option at a folder holding them`,
    );
  }
  const images = readIdx(imagesPath);
  const labels = readIdx(labelsPath);
  if (images.shape[0] !== labels.shape[0]) throw new DataError(`${imagesPath} has ${images.shape[0]} images but ${labelsPath} has ${labels.shape[0]} labels`);
  const n = Math.min(options.limit ?? images.shape[0]!, images.shape[0]!);
  const [h, w] = [images.shape[1]!, images.shape[2]!];
  const x = Float32Array.from(images.values.subarray(0, n * h * w), (v) => v / 255);
  return dataset.fromTensors(tf.tensor4d(x, [n, h, w, 1]), tf.tensor1d(Int32Array.from(labels.values.subarray(0, n)), 'int32'));
}
