import { History, validateOptions, z } from '@tikhonov/core';

/** One run in a report: its name, what the trainer recorded, and what else the reader should see. */
export interface ReportRun {
  /** Shown in the legend and the comparison table; unique within a report. */
  name: string;
  /** `trainer.fit`'s history, or its JSON form (`history.toJSON()`, e.g. read back from a file). */
  history: History | ReturnType<History['toJSON']>;
  /** Extra columns of the comparison table (test accuracy, a mean ± spread over seeds, …). */
  metrics?: Readonly<Record<string, number | string>>;
  /** Weights to draw as histograms, by param name (see {@link weightsOf}). */
  weights?: Readonly<Record<string, ArrayLike<number>>>;
}

/** What {@link report} takes: one history, one run, or several runs to compare. */
export type ReportInput = History | ReportRun | readonly ReportRun[];

/** Options of {@link report}. */
export interface ReportOptions {
  /** The page's title (default 'Tikhonov report'). */
  title?: string;
  /** Preformatted lines under the title (e.g. `trainer.summary()`). */
  description?: string;
  /** Points drawn per curve at most (default 1000): longer curves keep each stretch's low and high. */
  maxPoints?: number;
  /** Bars per weight histogram at most (default 40, on a shared "nice" range for all runs). */
  bins?: number;
  /** Plot width in pixels (default 640). */
  width?: number;
}

/** The zod schema of {@link ReportOptions} (strict: a misspelt option is refused, not dropped). */
export const optionsSchema = z.strictObject({
  title: z.string().optional(),
  description: z.string().optional(),
  maxPoints: z.number().int().min(10).optional(),
  bins: z.number().int().min(2).max(500).optional(),
  width: z.number().int().min(200).max(4000).optional(),
});

const runSchema = z.strictObject({
  name: z.string().min(1),
  history: z.custom<ReportRun['history']>((h) => h instanceof History || (typeof h === 'object' && h !== null && Array.isArray((h as { epochs?: unknown }).epochs)), {
    message: 'must be a History or its toJSON() form (an object with an epochs array)',
  }),
  metrics: z.record(z.string(), z.union([z.number(), z.string()])).optional(),
  weights: z.record(z.string(), z.custom<ArrayLike<number>>((w) => ArrayBuffer.isView(w) || Array.isArray(w), { message: 'must be an array or typed array of numbers' })).optional(),
});

/** A run as the report reads it: the history as a History. */
export interface NormalRun extends Omit<ReportRun, 'history'> {
  history: History;
}

/** The runs of a report's input, checked: names given and unique, histories readable. */
export function normalizeRuns(input: ReportInput): NormalRun[] {
  const list: unknown[] = input instanceof History ? [{ name: 'run', history: input }] : Array.isArray(input) ? [...input] : [input];
  if (list.length === 0) throw new RangeError('report: no runs given (pass a History, a run { name, history } or an array of runs)');
  const runs = list.map((run, i) => validateOptions(`report: runs[${i}]`, runSchema, run));
  const seen = new Set<string>();
  for (const run of runs) {
    if (seen.has(run.name)) throw new RangeError(`report: two runs are named '${run.name}'; give each run its own name`);
    seen.add(run.name);
  }
  return runs.map((run) => ({ ...run, history: run.history instanceof History ? run.history : History.fromJSON(run.history) }));
}

/** The checked options with their defaults. */
export function resolveOptions(options: ReportOptions): Required<Omit<ReportOptions, 'description'>> & { description?: string } {
  const o = validateOptions('report', optionsSchema, options);
  return { title: o.title ?? 'Tikhonov report', description: o.description, maxPoints: o.maxPoints ?? 1000, bins: o.bins ?? 40, width: o.width ?? 640 };
}
