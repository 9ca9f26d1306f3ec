// A checkpoint as one byte string, for stores that hold values rather than
// directories (a Redis key, IndexedDB, a message between workers). It holds
// exactly what a checkpoint directory holds; importCheckpoint does the
// checks against the trainer.
import { CheckpointError } from './errors.js';
import type { CheckpointData } from './checkpoint-data.js';
import { packState, unpackState } from './checkpoint-state.js';

const MAGIC = [0x54, 0x4b, 0x43, 0x4b]; // "TKCK"
const VERSION = 1;
/** magic, version, header length: three 4-byte fields. */
const PREAMBLE = 12;

/** The JSON header: the directory's three JSON files and the byte lengths of its three binary ones. */
interface Header {
  model: CheckpointData['model'];
  optimizer: CheckpointData['optimizer'];
  state: unknown;
  lengths: { weights: number; optimizerWeights: number; stateArrays: number };
}

/**
 * Encodes checkpoint data (from `exportCheckpoint` or `ctx.exportCheckpoint()`)
 * as one byte string: a preamble, a JSON header, then the weights, the
 * optimizer slots and the plugin states' typed arrays.
 */
export function checkpointToBytes(data: CheckpointData): Uint8Array {
  const { json, binary } = packState(data.state);
  const header: Header = {
    model: data.model,
    optimizer: data.optimizer,
    state: json,
    lengths: { weights: data.weights.byteLength, optimizerWeights: data.optimizerWeights.byteLength, stateArrays: binary.byteLength },
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(PREAMBLE + headerBytes.byteLength + data.weights.byteLength + data.optimizerWeights.byteLength + binary.byteLength);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, headerBytes.byteLength, true);
  let at = PREAMBLE;
  for (const part of [headerBytes, new Uint8Array(data.weights), new Uint8Array(data.optimizerWeights), binary]) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/** Decodes {@link checkpointToBytes}'s output; a wrong, truncated or corrupt byte string is a {@link CheckpointError}. */
export function checkpointFromBytes(bytes: Uint8Array): CheckpointData {
  if (!(bytes instanceof Uint8Array)) throw new CheckpointError(`checkpoint bytes must be a Uint8Array (or Node Buffer), got ${typeof bytes}`);
  if (bytes.byteLength < PREAMBLE || MAGIC.some((b, i) => bytes[i] !== b)) throw new CheckpointError('not a Tikhonov checkpoint byte string (its first bytes are not "TKCK")');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== VERSION) throw new CheckpointError(`checkpoint byte string has version ${version}; this core reads version ${VERSION}`);
  const headerLength = view.getUint32(8, true);
  if (PREAMBLE + headerLength > bytes.byteLength) throw new CheckpointError(`checkpoint byte string is truncated: its header needs ${headerLength} bytes, ${bytes.byteLength - PREAMBLE} are there`);
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(PREAMBLE, PREAMBLE + headerLength))) as Header;
  } catch (error) {
    throw new CheckpointError(`checkpoint byte string's header is not valid JSON (corrupt): ${(error as Error).message}`);
  }
  const { weights, optimizerWeights, stateArrays } = header.lengths ?? {};
  const expected = PREAMBLE + headerLength + weights + optimizerWeights + stateArrays;
  if (!(expected === bytes.byteLength)) throw new CheckpointError(`checkpoint byte string holds ${bytes.byteLength} bytes but its header accounts for ${expected}: it is truncated or corrupt`);
  let at = PREAMBLE + headerLength;
  // copies into buffers of their own: the input may be a view into a larger pool, and a Node Buffer's slice() shares it
  const take = (n: number) => new Uint8Array(bytes.subarray(at, (at += n)));
  const weightBytes = take(weights).buffer;
  const optimizerBytes = take(optimizerWeights).buffer;
  const state = unpackState(header.state, take(stateArrays), 'checkpoint byte string') as CheckpointData['state'];
  return { model: header.model, weights: weightBytes, optimizer: header.optimizer, optimizerWeights: optimizerBytes, state };
}
