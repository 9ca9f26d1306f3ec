import { appendFile, mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { definePlugin } from '../define-plugin.js';
import { OptionError } from '../errors.js';
import type { HistoryRecord } from '../history.js';
import { Order, type Plugin } from '../plugin.js';
import { z } from '../options.js';

/** Options of {@link csvLogger}. */
export interface CsvLoggerOptions {
  /** The file to write; it must not exist when the first fit starts (Tikhonov never overwrites a file it did not create). */
  path: string;
}

/** Options of {@link jsonLinesLogger}. */
export interface JsonLinesLoggerOptions {
  /** The file to write; it must not exist when the first fit starts. */
  path: string;
  /** Which history rows: epoch rows, log-point rows, validation rows, or all (default). */
  rows?: 'epochs' | 'logs' | 'evaluations' | 'all';
}

const pathSchema = z.string({ message: 'must be a file path' }).min(1, { message: 'must be a file path' });

/** Refuses a path that exists (a file of the user's, or a directory); creates its directory. */
async function claim(owner: string, path: string): Promise<void> {
  const existing = await stat(path).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)));
  if (existing) throw new OptionError(owner, 'path', path, 'must be a new file: it exists, and Tikhonov never overwrites a file it did not create (choose another path, or move the old file away)');
  await mkdir(dirname(path), { recursive: true });
}

/**
 * Keras's CSVLogger: the history's epoch rows (epoch, step, loss,
 * validation metrics, …) as CSV, rewritten after every epoch and at the
 * fit's end. The columns are the union of the rows' keys in order of first
 * appearance (a metric that starts later gets its column then; earlier rows
 * leave it empty), so the file is written whole each time — atomically,
 * through a temporary file renamed over it — and only ever over the file
 * this logger created. CSV quoting by csv-stringify.
 */
export const csvLogger: (options: CsvLoggerOptions & { name?: string }) => Plugin = definePlugin({
  name: 'csvLogger',
  options: { path: pathSchema },
  setup: ({ path }: CsvLoggerOptions, name) => {
    let created = false;
    const write = async (rows: readonly HistoryRecord[]) => {
      const columns: string[] = [];
      for (const row of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
      const text = stringify(rows.map((row) => columns.map((c) => row[c] ?? '')), { header: true, columns });
      const temporary = `${path}.${process.pid}.tmp`;
      await writeFile(temporary, text, { flag: 'wx' });
      await rename(temporary, path);
    };
    return {
      order: Order.checkpoint,
      async beforeFit() {
        if (created) return;
        await claim(name, path);
        created = true;
        await write([]);
      },
      afterEpoch: (ctx) => write(ctx.history.epochs),
      afterFit: (ctx) => write(ctx.history.epochs),
    };
  },
});

/**
 * History rows as JSON lines, one object per row with its `kind`
 * (`'epoch'`, `'log'`, `'evaluation'`), appended after every epoch and at
 * the fit's end to a file this logger created.
 */
export const jsonLinesLogger: (options: JsonLinesLoggerOptions & { name?: string }) => Plugin = definePlugin({
  name: 'jsonLinesLogger',
  options: { path: pathSchema, rows: z.enum(['epochs', 'logs', 'evaluations', 'all'], { message: "must be 'epochs', 'logs', 'evaluations' or 'all'" }).optional() },
  setup: ({ path, rows = 'all' }: JsonLinesLoggerOptions, name) => {
    let created = false;
    // rows already written, per kind
    const written = { epoch: 0, log: 0, evaluation: 0 };
    const kinds = { epoch: 'epochs', log: 'logs', evaluation: 'evaluations' } as const;
    const flush = async (history: { epochs: HistoryRecord[]; logs: HistoryRecord[]; evaluations: HistoryRecord[] }) => {
      const lines: string[] = [];
      for (const kind of ['log', 'evaluation', 'epoch'] as const) {
        const all = history[kinds[kind]];
        if (rows === 'all' || rows === kinds[kind]) for (const row of all.slice(written[kind])) lines.push(JSON.stringify({ kind, ...row }));
        written[kind] = all.length;
      }
      if (lines.length > 0) await appendFile(path, `${lines.join('\n')}\n`);
    };
    return {
      order: Order.checkpoint,
      async beforeFit(ctx) {
        if (created) return;
        await claim(name, path);
        await writeFile(path, '', { flag: 'wx' });
        created = true;
        // rows from before this logger joined (a resumed trainer) are not this file's
        written.epoch = ctx.history.epochs.length;
        written.log = ctx.history.logs.length;
        written.evaluation = ctx.history.evaluations.length;
      },
      afterEpoch: (ctx) => flush(ctx.history),
      afterFit: (ctx) => flush(ctx.history),
    };
  },
});
