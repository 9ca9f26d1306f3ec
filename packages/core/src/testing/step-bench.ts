import * as tf from '@tensorflow/tfjs-core';
import { fromTensors } from '../data/dataset.js';
import { conv2d, dense, flatten, maxPool2d, sequential } from '../nn/index.js';
import type { Module } from '../nn/index.js';
import type { Dataset } from '../data/dataset.js';
import type { Plugin } from '../plugin.js';
import { RandomStream } from '../random.js';
import { Trainer } from '../trainer.js';

/** @internal Seeded random inputs and class ids 0–9 for a benchmark, from core's generator. */
export function benchData(rows: number, shape: readonly number[]): Dataset {
  const random = new RandomStream(['bench', rows]);
  return fromTensors(random.normal([rows, ...shape]), tf.tidy(() => tf.cast(tf.floor(random.uniform([rows], 0, 10)), 'int32')));
}

/** A benchmark model: the module, one example's shape and the batch size. */
export interface BenchModel {
  name: string;
  make: () => Module;
  inputShape: number[];
  batch: number;
}

/** The backend benchmarks' models: the MLP 784-256-256-10 (batch 128) and the CNN conv3×3×32 → pool → conv3×3×64 → pool → dense 128 → dense 10 on 28×28×1 (batch 64). */
export const BENCH_MODELS: readonly BenchModel[] = [
  { name: 'MLP 784-256-256-10, batch 128', make: () => sequential([dense(256, { activation: 'relu' }), dense(256, { activation: 'relu' }), dense(10)]), inputShape: [784], batch: 128 },
  {
    name: 'CNN 28×28×1 (conv32, pool, conv64, pool, dense128, dense10), batch 64',
    make: () => sequential([conv2d(32, 3, { activation: 'relu' }), maxPool2d(2), conv2d(64, 3, { activation: 'relu' }), maxPool2d(2), flatten(), dense(128, { activation: 'relu' }), dense(10)]),
    inputShape: [28, 28, 1],
    batch: 64,
  },
];

/** The trainer every benchmark here uses: softmax cross-entropy, SGD at 0.01, no progress line. */
function benchTrainer(module: Module, plugins: Plugin[] = []): Trainer {
  return new Trainer({ model: module, loss: 'softmaxCrossEntropy', optimizer: { name: 'sgd', learningRate: 0.01 }, plugins, progress: false, seed: 0 });
}

/** One configuration of {@link compareStepTimes}. */
export interface StepBenchConfig {
  label: string;
  plugins: Plugin[];
  /** Printed next to the ratio, e.g. 1.05. */
  target?: number;
}

/** Median step time and median ratio to the first configuration. */
export interface StepBenchRow {
  label: string;
  ms: number;
  ratio: number;
  target?: number;
}

/**
 * Step time of the benchmark MLP (784-256-256-10, batch 128, SGD) with each
 * plugin list, on the active backend. Configurations run interleaved in
 * rounds and each ratio is the median of per-round ratios to the first
 * configuration, so drift of the machine affects all of them alike. For
 * benchmarks only: tests never assert on time.
 */
export async function compareStepTimes(configs: readonly StepBenchConfig[], options: { rounds?: number; stepsPerRound?: number; batchSize?: number } = {}): Promise<StepBenchRow[]> {
  const { rounds = 5, stepsPerRound = 3, batchSize = 128 } = options;
  const data = benchData(batchSize * 4, [784]);
  const trainers = configs.map((c) => benchTrainer(BENCH_MODELS[0]!.make(), c.plugins));
  const run = async (t: Trainer, steps: number) => {
    await t.fit(data, { epochs: 1_000_000, batchSize, maxSteps: t.step + steps });
    await t.model.params[t.model.params.length - 1]!.variable.data(); // wait for the backend
  };
  for (const t of trainers) await run(t, 2); // warm-up
  const times = configs.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (const [i, t] of trainers.entries()) {
      const start = performance.now();
      await run(t, stepsPerRound);
      times[i]!.push((performance.now() - start) / stepsPerRound);
    }
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  const rows = configs.map((c, i) => ({ label: c.label, ms: median(times[i]!), ratio: median(times[i]!.map((t, r) => t / times[0]![r]!)), target: c.target }));
  for (const t of trainers) t.dispose();
  tf.dispose([data.x, data.y as tf.Tensor]);
  return rows;
}

/** Prints rows of {@link compareStepTimes} as a table. */
export function printStepTimes(rows: readonly StepBenchRow[]): void {
  for (const r of rows) {
    const target = r.target === undefined ? '' : `  (target ≤ ${r.target.toFixed(2)})`;
    console.log(`${r.label.padEnd(22)} ${r.ms.toFixed(1).padStart(8)} ms/step   ratio ${r.ratio.toFixed(3)}${target}`);
  }
}

/** One kernel's share of a profiled run (see {@link profileKernels}). */
export interface KernelTimeRow {
  name: string;
  calls: number;
  ms: number;
  /** Fraction of the total kernel time. */
  share: number;
}

/**
 * Runs `f` under tf.profile and sums kernel time per kernel name, largest
 * first, so a benchmark can show where a step's time goes.
 */
export async function profileKernels(f: () => Promise<unknown>): Promise<KernelTimeRow[]> {
  // tfjs's profiler reads every kernel output back to check for NaN unless
  // told not to: that read would dominate the times (and defeat a backend's
  // buffer reuse), so it is off while profiling
  const check = tf.env().getBool('CHECK_COMPUTATION_FOR_ERRORS');
  tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false);
  let profile: Awaited<ReturnType<typeof tf.profile>>;
  try {
    profile = await tf.profile(async () => {
      await f();
    });
  } finally {
    tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', check);
  }
  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (const k of profile.kernels) {
    const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    entry.ms += k.kernelTimeMs as number;
    entry.calls++;
    byKernel.set(k.name, entry);
  }
  const total = [...byKernel.values()].reduce((s, e) => s + e.ms, 0);
  return [...byKernel].map(([name, e]) => ({ name, calls: e.calls, ms: e.ms, share: e.ms / total })).sort((a, b) => b.ms - a.ms);
}

/**
 * Prints the first `top` rows of {@link profileKernels}, with an optional
 * last column (e.g. where each kernel runs), and the total.
 */
export function printKernelTable(rows: readonly KernelTimeRow[], options: { title?: string; top?: number; note?: (name: string) => string } = {}): void {
  const { title = 'kernel', top = 15, note } = options;
  console.log(`\n${title.padEnd(32)} calls       ms   share${note ? '  note' : ''}`);
  for (const r of rows.slice(0, top)) {
    console.log(`${r.name.padEnd(32)} ${String(r.calls).padStart(5)} ${r.ms.toFixed(2).padStart(8)} ${(100 * r.share).toFixed(1).padStart(6)}%${note ? `  ${note(r.name)}` : ''}`);
  }
  console.log(`total kernel time ${rows.reduce((s, r) => s + r.ms, 0).toFixed(2)} ms`);
}

/**
 * Mean ms per SGD step of `model` (with `plugins`, if given) on random data on the active backend, after
 * `warmup` steps (JIT, buffer reuse). The data set is `batches` batches (default 2), so an epoch ends — a log
 * point, the last-finite snapshot, a new shuffle — every `batches` steps: 64 measures steady steps (on native
 * the epoch ends of 2-batch epochs added 0.04–0.15 ms to a 1.4 ms MLP step, hand-measured in three pairs). Returns the trainer and data too, to
 * profile a step afterwards; the caller disposes them. Benchmarks only.
 */
export async function timeSteps(model: BenchModel, options: { steps: number; warmup?: number; plugins?: Plugin[]; batches?: number }): Promise<{ ms: number; trainer: Trainer; data: Dataset }> {
  const batches = options.batches ?? 2;
  if (!(Number.isInteger(batches) && batches >= 1)) throw new RangeError(`timeSteps: batches = ${batches} is not allowed; it must be an integer ≥ 1`);
  const data = benchData(model.batch * batches, model.inputShape);
  const trainer = benchTrainer(model.make(), options.plugins);
  const run = async (k: number) => {
    await trainer.fit(data, { epochs: 1_000_000, batchSize: model.batch, maxSteps: trainer.step + k });
    await trainer.model.params[trainer.model.params.length - 1]!.variable.data(); // wait for the backend
  };
  await run(options.warmup ?? 3);
  const start = performance.now();
  await run(options.steps);
  return { ms: (performance.now() - start) / options.steps, trainer, data };
}
