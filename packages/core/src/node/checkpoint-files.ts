import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, writeFile, stat } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { CheckpointError } from '../errors.js';
import { exportCheckpoint, importCheckpoint, type CheckpointData, type CheckpointTarget } from '../checkpoint.js';
import { packState, unpackState } from '../checkpoint-state.js';

const FILES = {
  model: 'model.json',
  weights: 'weights.bin',
  optimizer: 'optimizer.json',
  optimizerWeights: 'optimizer.bin',
  state: 'state.json',
  stateArrays: 'state.bin',
} as const;

/**
 * Writes a checkpoint directory: `model.json` + `weights.bin` (tfjs weights
 * manifest), `optimizer.json` + `optimizer.bin` (slots), `state.json`
 * (counters, history, plugin states) + `state.bin` (the typed arrays in
 * plugin states, e.g. early stopping's θ*). Atomic: everything is written into a
 * sibling temporary directory which then replaces `dir` by rename, so a crash
 * leaves either the old checkpoint or the new one, never half of one. An
 * existing `dir` is replaced only if it is a checkpoint (nothing in it but
 * checkpoint files): any other directory or file there is refused with a
 * {@link CheckpointError}, never deleted.
 */
export async function saveCheckpoint(trainer: CheckpointTarget, dir: string): Promise<void> {
  await writeCheckpoint(await exportCheckpoint(trainer), dir);
}

/** Writes checkpoint data (from `exportCheckpoint`, or a plugin's `ctx.exportCheckpoint()`) as a directory, atomically as {@link saveCheckpoint}. */
export async function writeCheckpoint(data: CheckpointData, dir: string): Promise<void> {
  await writeDirectory(dir, Object.values(FILES), 'checkpoint', async (tmp) => {
    await writeFile(join(tmp, FILES.model), JSON.stringify(data.model, null, 1));
    await writeFile(join(tmp, FILES.weights), new Uint8Array(data.weights));
    await writeFile(join(tmp, FILES.optimizer), JSON.stringify(data.optimizer));
    await writeFile(join(tmp, FILES.optimizerWeights), new Uint8Array(data.optimizerWeights));
    const { json, binary } = packState(data.state);
    await writeFile(join(tmp, FILES.state), JSON.stringify(json));
    await writeFile(join(tmp, FILES.stateArrays), binary);
  });
}

/**
 * Writes a directory atomically: `fill` writes into a fresh temporary
 * sibling, whose files and which itself are fsynced, which then replaces `dir`
 * by two renames (`dir` → `<tmp>.old`, `<tmp>` → `dir`), the parent fsynced
 * after them. A crash leaves the old directory or the new one, and a crash
 * between the renames is repaired on the next save or load
 * ({@link recoverDirectory}). An existing `dir` must pass
 * {@link assertReplaceable} with the names in `ours`.
 */
export async function writeDirectory(dir: string, ours: readonly string[], what: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  await recoverDirectory(dir);
  await assertReplaceable(dir, ours, what);
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  const tmp = join(parent, `${temporaryPrefix(dir)}${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(tmp);
  try {
    await fill(tmp);
    for (const name of await readdir(tmp)) await fsyncPath(join(tmp, name));
    await fsyncPath(tmp);
    const old = `${tmp}.old`;
    const exists = await stat(dir).then(
      () => true,
      () => false,
    );
    if (exists) await rename(dir, old);
    await rename(tmp, dir);
    await fsyncPath(parent);
    if (exists) await rm(old, { recursive: true, force: true });
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
}

/** Flushes a file's or a directory's data and metadata to the disk. */
async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The name prefix of `dir`'s temporary siblings: `.<name>.tmp-` (then `<pid>-<hex>`, and `.old` for a replaced copy). */
const temporaryPrefix = (dir: string) => `.${basename(dir)}.tmp-`;

/** Whether the process that wrote a temporary sibling (by the pid in its name) is still running, and is not this one. */
function writerAlive(name: string, prefix: string): boolean {
  const pid = Number(name.slice(prefix.length).split('-')[0]);
  if (!Number.isInteger(pid) || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Repairs what a crash during {@link writeDirectory} left next to `dir`. If
 * `dir` is missing but a replaced copy `<tmp>.old` is there, the crash came
 * between the two renames: the new copy `<tmp>` was complete, so it becomes
 * `dir` (or the old one does, if the new one is gone). Other temporary
 * siblings of finished writers (an unfinished fill, an old copy not yet
 * removed) are removed. Only Tikhonov's own temporary names are touched, and
 * never those of a writer that is still running.
 */
export async function recoverDirectory(dir: string): Promise<void> {
  const parent = dirname(dir);
  const prefix = temporaryPrefix(dir);
  const siblings = (await readdir(parent).catch(() => [] as string[])).filter((name) => name.startsWith(prefix) && !writerAlive(name, prefix));
  if (siblings.length === 0) return;
  const exists = await stat(dir).then(
    () => true,
    () => false,
  );
  if (!exists) {
    const old = siblings.find((name) => name.endsWith('.old'));
    if (old) {
      const fresh = old.slice(0, -'.old'.length);
      await rename(join(parent, siblings.includes(fresh) ? fresh : old), dir);
      await fsyncPath(parent);
    }
  }
  for (const name of siblings) await rm(join(parent, name), { recursive: true, force: true });
}

/**
 * Refuses to replace `dir` unless it is missing, empty, or holds only the
 * files Tikhonov writes there (`ours`): whatever else is there is the user's.
 */
export async function assertReplaceable(dir: string, ours: readonly string[], what: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (!info) return;
  if (!info.isDirectory()) throw new CheckpointError(`refusing to write a ${what} at ${dir}: a file is there, not a ${what} directory`);
  const foreign = (await readdir(dir)).filter((name) => !ours.includes(name));
  if (foreign.length > 0) {
    throw new CheckpointError(`refusing to replace ${dir}: it holds ${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', …' : ''}, which a ${what} does not; choose a new or empty directory`);
  }
}

async function readPart(dir: string, file: string): Promise<Buffer> {
  try {
    return await readFile(join(dir, file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CheckpointError(code === 'ENOENT' ? `checkpoint ${dir} is missing ${file}` : `cannot read ${join(dir, file)}: ${(error as Error).message}`);
  }
}

function parseJson(buffer: Buffer, path: string): unknown {
  try {
    return JSON.parse(buffer.toString('utf8'));
  } catch (error) {
    throw new CheckpointError(`${path} is not valid JSON (truncated or corrupt): ${(error as Error).message}`);
  }
}

function toArrayBuffer(buffer: Buffer): ArrayBuffer {
  return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer;
}

/** state.json with its typed arrays from state.bin (a checkpoint written before state.bin existed has none). */
async function readState(dir: string): Promise<CheckpointData['state']> {
  const json = parseJson(await readPart(dir, FILES.state), join(dir, FILES.state));
  const binary = await readFile(join(dir, FILES.stateArrays)).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? new Uint8Array(0) : Promise.reject(error)));
  try {
    return unpackState(json, binary, join(dir, FILES.stateArrays)) as CheckpointData['state'];
  } catch (error) {
    throw new CheckpointError((error as Error).message);
  }
}

/** Loads a checkpoint directory written by {@link saveCheckpoint} into a trainer built for the same model. */
export async function loadCheckpoint(trainer: CheckpointTarget, dir: string): Promise<void> {
  // a save that crashed between its renames is finished first
  await recoverDirectory(dir);
  const exists = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!exists) throw new CheckpointError(`no checkpoint directory at ${dir}`);
  const data: CheckpointData = {
    model: parseJson(await readPart(dir, FILES.model), join(dir, FILES.model)) as CheckpointData['model'],
    weights: toArrayBuffer(await readPart(dir, FILES.weights)),
    optimizer: parseJson(await readPart(dir, FILES.optimizer), join(dir, FILES.optimizer)) as CheckpointData['optimizer'],
    optimizerWeights: toArrayBuffer(await readPart(dir, FILES.optimizerWeights)),
    state: await readState(dir),
  };
  await importCheckpoint(trainer, data);
}
