import { DataError } from '@tikhonov/core';

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


/** The ten Fashion-MNIST classes. */
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;
