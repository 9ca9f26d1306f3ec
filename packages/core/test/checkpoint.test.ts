import * as tf from '@tensorflow/tfjs-core';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CheckpointError, exportCheckpoint, importCheckpoint, nn, Trainer, type Plugin } from '@tikhonov/core';
import { checkpoint, loadCheckpoint, saveCheckpoint } from '@tikhonov/core/node';
import { blobs, mlp, paramValues } from './helpers.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'tikhonov-ckpt-'));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** A stateful, random plugin: noise on the hidden site, a counter in its state. */
function noisyCounter(): Plugin {
  let seen = 0;
  return {
    name: 'noisyCounter',
    apiVersion: 2,
    transformActivation(site, h, ctx) {
      if (site.kind !== 'hidden') return h;
      return tf.add(h, tf.mul(ctx.random.normal(h.shape), 0.1));
    },
    afterStep() {
      seen++;
    },
    stateDict: () => ({ seen }),
    loadStateDict(state) {
      seen = state.seen as number;
    },
  };
}

const make = (plugins: Plugin[] = [noisyCounter()]) =>
  new Trainer({ model: mlp(), loss: 'softmaxCrossEntropy', optimizer: 'adam', plugins, seed: 4, progress: false });

describe('checkpoints', () => {
  it('typed arrays in plugin states are stored in state.bin (4 bytes a float), not as JSON numbers, and come back bit for bit', async () => {
    const values = Float32Array.from({ length: 10_000 }, (_, i) => Math.sin(i) / 3);
    const ids = Int32Array.from([7, -3, 2 ** 30]);
    let loaded: { values?: Float32Array; nested?: { ids: Int32Array }; note?: string } = {};
    const holder = (): Plugin => ({ name: 'holder', apiVersion: 2, stateDict: () => ({ values, nested: { ids }, note: 'kept as JSON' }), loadStateDict: (s) => void (loaded = s as typeof loaded) });
    const dir = await tempDir();
    const make = () => new Trainer({ model: mlp(), loss: 'softmaxCrossEntropy', plugins: [holder()], progress: false });
    const t = make();
    await t.fit(blobs(8), { epochs: 1, batchSize: 8 });
    await saveCheckpoint(t, join(dir, 'ck'));
    const json = await readFile(join(dir, 'ck', 'state.json'), 'utf8');
    expect(json.length).toBeLessThan(2_000);
    expect((await readFile(join(dir, 'ck', 'state.bin'))).byteLength).toBe(40_000 + 12);
    const u = make();
    u.build([4]);
    await loadCheckpoint(u, join(dir, 'ck'));
    expect(loaded.values).toBeInstanceOf(Float32Array);
    expect(Array.from(loaded.values!)).toEqual(Array.from(values));
    expect(Array.from(loaded.nested!.ids)).toEqual([7, -3, 2 ** 30]);
    expect(loaded.note).toBe('kept as JSON');
    // a state.bin cut short is refused by name
    await truncate(join(dir, 'ck', 'state.bin'), 100);
    await expect(loadCheckpoint(u, join(dir, 'ck'))).rejects.toThrow(/state\.bin: an array at bytes .* lies outside its 100 bytes/);
    [t, u].forEach((x) => x.dispose());
  });

  it('a refused load leaves the trainer exactly as it was (params, optimizer slots, step, history)', async () => {
    const counter = (name: string): Plugin => {
      let n = 0;
      return { name, apiVersion: 2, afterStep: () => void n++, stateDict: () => ({ n }), loadStateDict: (s) => void (n = s.n as number) };
    };
    const data = blobs(24);
    const source = new Trainer({ model: mlp(), loss: 'softmaxCrossEntropy', optimizer: 'adam', plugins: [counter('a')], progress: false, seed: 1 });
    await source.fit(data, { epochs: 2, batchSize: 8 });
    const saved = await exportCheckpoint(source);
    const target = new Trainer({ model: mlp(), loss: 'softmaxCrossEntropy', optimizer: 'adam', plugins: [counter('b')], progress: false, seed: 1 });
    await target.fit(data, { epochs: 1, batchSize: 8 });
    const before = { params: paramValues(target.model.params), slots: (await target.optimizer.getWeights()).map((w) => Array.from(w.tensor.dataSync())), step: target.step, history: JSON.stringify(target.history) };
    await expect(importCheckpoint(target, saved)).rejects.toThrow(/no state for plugin 'b' \(saved with other plugins: a\)/);
    expect(paramValues(target.model.params)).toEqual(before.params);
    expect((await target.optimizer.getWeights()).map((w) => Array.from(w.tensor.dataSync()))).toEqual(before.slots);
    expect([target.step, JSON.stringify(target.history)]).toEqual([before.step, before.history]);
    [source, target].forEach((t) => t.dispose());
  });

  it('an in-memory checkpoint does not change as training goes on: importing it restores the history of that moment', async () => {
    const t = new Trainer({ model: mlp(), loss: 'softmaxCrossEntropy', progress: false, logEvery: 2 });
    const data = blobs(24);
    await t.fit(data, { epochs: 1, batchSize: 8 });
    const saved = await exportCheckpoint(t);
    const rows = JSON.stringify(t.history);
    await t.fit(data, { epochs: 3, batchSize: 8 });
    expect(JSON.stringify(t.history)).not.toBe(rows);
    await importCheckpoint(t, saved);
    expect(JSON.stringify(t.history)).toBe(rows);
    t.dispose();
  });

  it('resuming (mid-epoch and at an epoch end) gives exactly the numbers of an uninterrupted run', async () => {
    const data = blobs(40);
    const straight = make();
    await straight.fit(data, { epochs: 4, batchSize: 8 });
    const expected = paramValues(straight.model.params);
    const expectedState = straight.plugins[0]!.stateDict!();

    for (const stopAt of [7, 10]) {
      const dir = join(await tempDir(), 'ckpt');
      const first = make();
      await first.fit(data, { epochs: 4, batchSize: 8, maxSteps: stopAt });
      await saveCheckpoint(first, dir);
      first.dispose();
      const resumed = make();
      resumed.build([4]);
      await loadCheckpoint(resumed, dir);
      expect(resumed.step).toBe(stopAt);
      await resumed.fit(data, { epochs: 4, batchSize: 8 });
      expect(resumed.step).toBe(straight.step);
      const got = paramValues(resumed.model.params);
      for (const name of Object.keys(expected)) expect(Array.from(got[name]!)).toEqual(Array.from(expected[name]!));
      expect(resumed.plugins[0]!.stateDict!()).toEqual(expectedState);
      expect(resumed.history.epochs.map((r) => r.epoch)).toEqual([1, 2, 3, 4]);
      resumed.dispose();
    }
    straight.dispose();
  });

  it('writes a tfjs weights manifest that tf.io.decodeWeights reads', async () => {
    const dir = join(await tempDir(), 'ckpt');
    const t = make([]);
    await t.fit(blobs(16), { epochs: 1, batchSize: 8 });
    await saveCheckpoint(t, dir);
    const manifest = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    const bytes = await readFile(join(dir, manifest.weightsManifest[0].paths[0]));
    const decoded = tf.io.decodeWeights(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), manifest.weightsManifest[0].weights);
    expect(Array.from(decoded['dense_2/bias']!.dataSync())).toEqual(Array.from(t.params.get('dense_2/bias').variable.dataSync()));
    tf.dispose(Object.values(decoded));
    t.dispose();
  });

  it('the checkpoint plugin saves at epoch ends, atomically replacing the directory', async () => {
    const dir = join(await tempDir(), 'auto');
    const t = make([checkpoint({ dir })]);
    await t.fit(blobs(16), { epochs: 2, batchSize: 8 });
    const state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'));
    expect(state.epoch).toBe(2);
    expect(state.step).toBe(4);
    t.dispose();
  });

  it('refuses a missing, truncated, corrupt or foreign checkpoint with a clear error', async () => {
    const root = await tempDir();
    const dir = join(root, 'ckpt');
    const t = make([]);
    await t.fit(blobs(16), { epochs: 1, batchSize: 8 });
    await saveCheckpoint(t, dir);
    const fresh = () => {
      const r = make([]);
      r.build([4]);
      return r;
    };
    await expect(loadCheckpoint(fresh(), join(root, 'nope'))).rejects.toThrow(/no checkpoint directory at .*nope/);
    const other = new Trainer({ model: nn.sequential([nn.dense(5), nn.dense(3)]), loss: 'softmaxCrossEntropy', optimizer: 'adam', seed: 4, inputShape: [4], progress: false });
    await expect(loadCheckpoint(other, dir)).rejects.toThrow(/checkpoint is for another model: missing dense_1\/kernel \[4,5\]/);
    other.dispose();
    await truncate(join(dir, 'weights.bin'), 10);
    await expect(loadCheckpoint(fresh(), dir)).rejects.toThrow(/weights.bin holds 10 bytes but its manifest needs \d+: the file is truncated or corrupt/);
    await writeFile(join(dir, 'state.json'), '{"seed": 4, "st');
    await expect(loadCheckpoint(fresh(), dir)).rejects.toThrow(CheckpointError);
    await expect(loadCheckpoint(fresh(), dir)).rejects.toThrow(/state.json is not valid JSON/);
    await rm(join(dir, 'optimizer.bin'));
    await expect(loadCheckpoint(fresh(), dir)).rejects.toThrow(/is missing optimizer.bin/);
    t.dispose();
  });

  it('never deletes what it did not write: a directory with other files, or a file, is refused and left intact', async () => {
    const root = await tempDir();
    const t = make([]);
    await t.fit(blobs(16), { epochs: 1, batchSize: 8 });
    const precious = join(root, 'photos');
    await mkdir(precious);
    await writeFile(join(precious, 'holiday.jpg'), 'mine');
    await expect(saveCheckpoint(t, precious)).rejects.toThrow(/refusing to replace .*photos: it holds holiday\.jpg, which a checkpoint does not/);
    expect(await readFile(join(precious, 'holiday.jpg'), 'utf8')).toBe('mine');
    await writeFile(join(root, 'notes.txt'), 'mine too');
    await expect(saveCheckpoint(t, join(root, 'notes.txt'))).rejects.toThrow(/a file is there/);
    expect(await readFile(join(root, 'notes.txt'), 'utf8')).toBe('mine too');
    // a checkpoint directory is replaced, and so is an empty one
    const ckpt = join(root, 'ckpt');
    await saveCheckpoint(t, ckpt);
    await saveCheckpoint(t, ckpt);
    await mkdir(join(root, 'empty'));
    await saveCheckpoint(t, join(root, 'empty'));
    t.dispose();
  });
});

describe('a save that crashed', () => {
  // What a crash at each point of writeDirectory leaves beside `ck`, built from two real saves: v1 after one epoch
  // (step 2), v2 after two (step 4). The temporary siblings carry the pid of a writer that has exited.
  const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
  const layouts: Array<{ point: string; build: (root: string, v1: string, v2: string) => Promise<void>; step: number }> = [
    { point: 'while filling the new copy', step: 2, build: async (root, v1, v2) => {
      await cp(v1, join(root, 'ck'), { recursive: true });
      await mkdir(join(root, `.ck.tmp-${deadPid}-aaaa`));
      await cp(join(v2, 'model.json'), join(root, `.ck.tmp-${deadPid}-aaaa`, 'model.json'));
    } },
    { point: 'between the renames (dir moved aside, the new copy complete)', step: 4, build: async (root, v1, v2) => {
      await cp(v1, join(root, `.ck.tmp-${deadPid}-bbbb.old`), { recursive: true });
      await cp(v2, join(root, `.ck.tmp-${deadPid}-bbbb`), { recursive: true });
    } },
    { point: 'between the renames, the new copy lost', step: 2, build: async (root, v1) => {
      await cp(v1, join(root, `.ck.tmp-${deadPid}-cccc.old`), { recursive: true });
    } },
    { point: 'after the renames, before the old copy was removed', step: 4, build: async (root, v1, v2) => {
      await cp(v2, join(root, 'ck'), { recursive: true });
      await cp(v1, join(root, `.ck.tmp-${deadPid}-dddd.old`), { recursive: true });
    } },
  ];

  for (const { point, build, step } of layouts) {
    it(`${point}: the next load finds a whole checkpoint (step ${step}) and the leftovers are gone`, async () => {
      const root = await tempDir();
      const [v1, v2] = [join(root, 'v1'), join(root, 'v2')];
      const t = make();
      await t.fit(blobs(16), { epochs: 1, batchSize: 8 });
      await saveCheckpoint(t, v1);
      await t.fit(blobs(16), { epochs: 2, batchSize: 8 });
      await saveCheckpoint(t, v2);
      t.dispose();
      const work = join(root, 'work');
      await mkdir(work);
      await build(work, v1, v2);
      const u = make();
      u.build([4]);
      await loadCheckpoint(u, join(work, 'ck'));
      expect(u.step).toBe(step);
      expect((await readdir(work)).sort()).toEqual(['ck']);
      // and saving over it works
      await saveCheckpoint(u, join(work, 'ck'));
      expect((await readdir(work)).sort()).toEqual(['ck']);
      u.dispose();
    });
  }

  it('a running writer’s temporary copy is left alone', async () => {
    const root = await tempDir();
    const t = make();
    await t.fit(blobs(16), { epochs: 1, batchSize: 8 });
    await saveCheckpoint(t, join(root, 'ck'));
    const busy = `.ck.tmp-${process.ppid}-eeee`; // the parent process: alive
    await mkdir(join(root, busy));
    await writeFile(join(root, busy, 'model.json'), '{}');
    await saveCheckpoint(t, join(root, 'ck'));
    expect((await readdir(root)).sort()).toEqual(['.ck.tmp-' + process.ppid + '-eeee', 'ck'].sort());
    t.dispose();
  });
});
