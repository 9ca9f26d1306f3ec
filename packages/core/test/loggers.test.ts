import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nn, Trainer } from '@tikhonov/core';
import { csvLogger, jsonLinesLogger } from '@tikhonov/core/node';
import { blobs } from './helpers.js';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
const scratch = async () => {
  const d = await mkdtemp(join(tmpdir(), 'tikhonov-loggers-'));
  dirs.push(d);
  return d;
};

describe('file loggers (Node)', () => {
  it("csvLogger writes the epoch rows with every metric's column, quoted where a name needs it; jsonLinesLogger writes every row once with its kind", async () => {
    const dir = await scratch();
    const csv = join(dir, 'runs', 'history.csv');
    const jsonl = join(dir, 'history.jsonl');
    const odd = { name: 'f1, "macro"', fn: (p: tf.Tensor) => tf.mean(p) as tf.Scalar };
    const t = new Trainer({ model: nn.dense(3), loss: 'softmaxCrossEntropy', metrics: [odd], plugins: [csvLogger({ path: csv }), jsonLinesLogger({ path: jsonl })], progress: false, logEvery: 2 });
    const data = blobs(24);
    await t.fit(data, { epochs: 2, batchSize: 8 });
    // a second fit with validation: its columns join the file from then on
    await t.fit(data, { epochs: 4, batchSize: 8, validation: { data } });
    const lines = (await readFile(csv, 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('epoch,step,loss,val.accuracy,val.loss,"val.f1, ""macro"""');
    expect(lines).toHaveLength(1 + 4);
    t.history.epochs.forEach((row, i) => {
      const cells = lines[i + 1]!.split(',');
      expect(Number(cells[0])).toBe(row.epoch);
      expect(Number(cells[2])).toBe(row.loss);
      // epochs 1–2 had no validation: empty cells
      if (i < 2) expect(cells[4]).toBe('');
      else expect(Number(cells[4])).toBe(row['val.loss']);
    });
    const rows = (await readFile(jsonl, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { kind: string });
    const count = (kind: string) => rows.filter((r) => r.kind === kind).length;
    expect([count('epoch'), count('log'), count('evaluation')]).toEqual([t.history.epochs.length, t.history.logs.length, t.history.evaluations.length]);
    t.dispose();
  });

  it('refuses a path that exists and leaves the file as it was', async () => {
    const dir = await scratch();
    const path = join(dir, 'notes.csv');
    await writeFile(path, 'my notes\n');
    for (const plugin of [csvLogger({ path }), jsonLinesLogger({ path })]) {
      const t = new Trainer({ model: nn.dense(3), loss: 'softmaxCrossEntropy', plugins: [plugin], progress: false });
      await expect(t.fit(blobs(8), { epochs: 1, batchSize: 8 })).rejects.toThrow(/option 'path' = ".*notes\.csv" is not allowed; must be a new file: it exists/);
      t.dispose();
    }
    expect(await readFile(path, 'utf8')).toBe('my notes\n');
  });
});
