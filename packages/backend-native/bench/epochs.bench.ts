// Benchmark (not a test): whole epochs on the native backend against the same PyTorch loop (bench/torch-epochs.py,
// Debian's python3-torch with OMP_WAIT_POLICY=PASSIVE), in paired rounds, each side first in turn:
// - MLP 784-512-512-10, max-norm 3, SGD momentum 0.9, batch 128, 55 000 Fashion-MNIST images, 5 000 validation
//   (without Debian's dataset-fashion-mnist, a synthetic stand-in of the same shapes on both sides);
// - the 4-conv CNN (32-32-64-64, dense 256, Adam, batch 128) on the first 10 000 images, 1 000 validation
//   (TIKHONOV_BENCH_CNN_FULL=1: the issue's 55 000 / 5 000). TIKHONOV_BENCH_ONLY=mlp or cnn runs one of them;
//   TIKHONOV_BENCH_CONVOLUTIONS=im2col runs the convolutions without oneDNN, =onednn-direct without its Winograd
//   kernels; TIKHONOV_BENCH_PRODUCTS=openblas runs every matrix product on OpenBLAS.
// Both run through Trainer.fit with validation every epoch and early stopping (patience beyond the budget, so it
// keeps θ* without stopping). Then where a Tikhonov epoch goes: the validation pass (timed in the fit by plugins
// first and last in its hooks, so early stopping's θ* copy is inside), the constraint plugins' afterSteps (timed in the
// fit by plugins just before and after them), the shuffle (timed apart), and the rest (steps, batch gathers, log points). Target (issue #20): Tikhonov's epoch ≤ 0.8×
// PyTorch's, both models, judged on the median of the rounds' own ratios (each round's median epochs, ours over
// PyTorch's), as the step bench judges its paired rounds: with 2 rounds, PyTorch always first, and the ratio of the
// medians, one slow phase of this shared VM during our rounds moved the MLP from 0.58 to 0.84 between two runs.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { dataset, HostRandom, nn, Trainer, type Dataset, type Module, type OptimizerSpec, type Plugin } from '@tikhonov/core';
import { FASHION_MNIST_DEFAULT_DIR, loadMnistFormat } from '@tikhonov/datasets';
import { earlyStopping } from '@tikhonov/early-stopping';
import { maxNorm } from '@tikhonov/norm-penalties';
import { useNativeBackend } from '../src/index.js';
import { medianOf as median, quartilesOf, spanOf as span } from './stats.js';

const dir = process.env.TIKHONOV_FASHION_MNIST_DIR ?? FASHION_MNIST_DEFAULT_DIR;
const python = '/usr/bin/python3';
const rounds = Number(process.env.TIKHONOV_BENCH_ROUNDS ?? 6);
const epochs = Number(process.env.TIKHONOV_BENCH_EPOCHS ?? 2);
if (spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0) {
  console.log('epoch bench skipped: no PyTorch for /usr/bin/python3 (apt-get install python3-torch)');
  process.exit(0);
}
// without the data, both sides time a synthetic stand-in of the same shapes (60 000 uniform 28×28 images, uniform
// labels): the seconds per epoch are the same work, the losses and accuracies meaningless
const synthetic = !existsSync(dir);
if (synthetic) console.log(`no Fashion-MNIST at ${dir} (apt-get install dataset-fashion-mnist): timing a synthetic stand-in of the same shapes`);
// TIKHONOV_BENCH_CONVOLUTIONS=im2col: the convolutions without oneDNN (onednn-direct: without Winograd), for an A/B run
const convolutions = process.env.TIKHONOV_BENCH_CONVOLUTIONS as 'onednn' | 'onednn-direct' | 'im2col' | undefined;
// TIKHONOV_BENCH_PRODUCTS=openblas: every matrix product on OpenBLAS, for an A/B run
const products = process.env.TIKHONOV_BENCH_PRODUCTS as 'onednn' | 'openblas' | undefined;
console.log(`native backend: ${JSON.stringify(await useNativeBackend({ ...(convolutions ? { convolutions } : {}), ...(products ? { products } : {}) }))}`);
const all = synthetic ? syntheticImages(60_000) : loadMnistFormat({ dir });

/** n seeded uniform 28×28×1 images in [0, 1) and uniform class ids 0–9, as loadMnistFormat shapes them. */
function syntheticImages(n: number): Dataset {
  const r = new HostRandom(20);
  const x = new Float32Array(n * 784);
  for (let i = 0; i < x.length; i++) x[i] = r.uniform();
  return dataset.fromTensors(tf.tensor4d(x, [n, 28, 28, 1]), tf.tensor1d(Int32Array.from({ length: n }, () => Math.floor(r.uniform() * 10)), 'int32'));
}
const part = (from: number, to: number): Dataset => dataset.subset(all, Int32Array.from({ length: to - from }, (_, i) => from + i));

interface Workload {
  name: string;
  torchName: 'mlp' | 'cnn';
  train: number;
  validation: number;
  model: () => Module;
  optimizer: OptimizerSpec;
  plugins: () => Plugin[];
}
const cnnFull = process.env.TIKHONOV_BENCH_CNN_FULL === '1';
const conv = (filters: number) => nn.conv2d(filters, 3, { padding: 'same', activation: 'relu' });
const workloads: Workload[] = [
  {
    name: 'MLP 784-512-512-10 + maxNorm(3), 55 000 / 5 000',
    torchName: 'mlp',
    train: 55_000,
    validation: 5_000,
    model: () => nn.sequential([nn.flatten(), nn.dense(512, { activation: 'relu' }), nn.dense(512, { activation: 'relu' }), nn.dense(10)]),
    optimizer: { name: 'momentum', learningRate: 0.01, momentum: 0.9 },
    plugins: () => [maxNorm({ c: 3 })],
  },
  {
    name: `CNN 32-32-64-64 + dense 256, Adam, ${cnnFull ? '55 000 / 5 000' : '10 000 / 1 000'}`,
    torchName: 'cnn',
    train: cnnFull ? 55_000 : 10_000,
    validation: cnnFull ? 5_000 : 1_000,
    model: () => nn.sequential([conv(32), conv(32), nn.maxPool2d(2), conv(64), conv(64), nn.maxPool2d(2), nn.flatten(), nn.dense(256, { activation: 'relu' }), nn.dense(10)]),
    optimizer: { name: 'adam', learningRate: 1e-3 },
    plugins: () => [],
  },
];

/** One timed epoch: its seconds, those of its validation pass (with early stopping's work after it) and of the constraint plugins' afterSteps. */
interface EpochTime {
  total: number;
  validation: number;
  constraints: number;
}

/** Each epoch of one fit (after `warmup` epochs), timed by two plugins: one first and one last in every hook. */
async function fitEpochs(w: Workload, train: Dataset, validation: Dataset | undefined, options: { plugins: Plugin[]; epochs: number; warmup: number }): Promise<EpochTime[]> {
  const marks: Array<{ start: number; validationStart?: number; validationEnd?: number; end?: number; constraints: number }> = [];
  // afterStep runs by kind: a 'decay' clock just before the constraints (max-norm) and an 'average' clock just after
  // time them inside the fit (native kernels are synchronous, so the wall time is their work)
  let constraintStart = 0;
  const before: Plugin = { name: 'clockBeforeConstraints', apiVersion: 2, afterStepKind: 'decay', order: 1_000_000, afterStep: () => void (constraintStart = performance.now()) };
  const after: Plugin = { name: 'clockAfterConstraints', apiVersion: 2, afterStepKind: 'average', order: -1_000_000, afterStep: () => void (marks.at(-1)!.constraints += performance.now() - constraintStart) };
  const first: Plugin = { name: 'clockStart', apiVersion: 2, order: -1_000_000, beforeEpoch: () => void marks.push({ start: performance.now(), constraints: 0 }), beforeEvaluate: () => void (marks.at(-1)!.validationStart = performance.now()) };
  // last in afterEvaluate: early stopping's θ* copy (an afterEvaluate) falls inside the validation time
  const last: Plugin = { name: 'clockEnd', apiVersion: 2, order: 1_000_000, afterEvaluate: () => void (marks.at(-1)!.validationEnd = performance.now()), afterEpoch: () => void (marks.at(-1)!.end = performance.now()) };
  const trainer = new Trainer({ model: w.model(), loss: 'softmaxCrossEntropy', optimizer: w.optimizer, plugins: [first, before, ...options.plugins, after, last], seed: 0, progress: false });
  await trainer.fit(train, { epochs: options.warmup + options.epochs, batchSize: 128, ...(validation ? { validation: { data: validation } } : {}) });
  trainer.dispose();
  return marks.slice(options.warmup).map((m) => ({ total: (m.end! - m.start) / 1000, validation: m.validationEnd !== undefined ? (m.validationEnd - m.validationStart!) / 1000 : 0, constraints: m.constraints / 1000 }));
}

/** Median seconds of `f` over `reps` calls after one more. */
async function timeOf(f: () => unknown, reps: number): Promise<number> {
  await f();
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await f();
    times.push((performance.now() - t0) / 1000);
  }
  return median(times);
}

/** One PyTorch run: its epochs' seconds, and the update settings it measured fastest and used (bench/torch_fastest.py). */
function torchEpochs(w: Workload): { seconds: number[]; chosen: string } {
  const script = fileURLToPath(new URL('./torch-epochs.py', import.meta.url));
  const run = spawnSync(python, [script, synthetic ? 'synthetic' : dir, w.torchName, String(w.train), String(w.validation), String(epochs)], { encoding: 'utf8', env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' } });
  if (run.status !== 0) throw new Error(`torch-epochs.py failed:\n${run.stderr}`);
  const out = JSON.parse(run.stdout.trim().split('\n').pop()!) as { seconds: number[]; settings: { chosen: string } };
  return { seconds: out.seconds, chosen: out.settings.chosen };
}

const verdicts: string[] = [];
// TIKHONOV_BENCH_ONLY=mlp or cnn runs one workload
const only = process.env.TIKHONOV_BENCH_ONLY;
for (const w of workloads.filter((x) => !only || x.torchName === only)) {
  const train = part(0, w.train);
  const validation = part(w.train, w.train + w.validation);
  const ours: number[] = [];
  const theirs: number[] = [];
  // a patience beyond the budget: early stopping keeps θ* at each improvement and never stops the fit
  const full = () => [...w.plugins(), earlyStopping({ patience: 1000 })];
  const timed: EpochTime[] = [];
  const ratios: number[] = [];
  const chosen = new Map<string, number>();
  for (let r = 0; r < rounds; r++) {
    const mine = async () => fitEpochs(w, train, validation, { plugins: full(), epochs, warmup: 1 });
    // each side first in turn, so that a slow phase of the VM falls on both
    const [t, o] = r % 2 === 0 ? [torchEpochs(w), await mine()] : await mine().then((o) => [torchEpochs(w), o] as const);
    theirs.push(...t.seconds);
    chosen.set(t.chosen, (chosen.get(t.chosen) ?? 0) + 1);
    timed.push(...o);
    ratios.push(median(o.map((e) => e.total)) / median(t.seconds));
  }
  ours.push(...timed.map((t) => t.total));
  // the upper median of an even count: the less flattering one
  const ratio = median(ratios);
  console.log(`\n${w.name}, ${rounds} paired rounds of ${epochs} epochs after a warm-up epoch, each side first in turn, native on 2 threads vs PyTorch (OMP_WAIT_POLICY=PASSIVE, 2 threads):`);
  console.log(`  Tikhonov  ${span(ours)} s per epoch (median ${median(ours).toFixed(2)})`);
  console.log(`  PyTorch   ${span(theirs)} s per epoch (median ${median(theirs).toFixed(2)}; the update settings it measured fastest, by round: ${[...chosen].map(([k, n]) => `${k} ×${n}`).join(', ')})`);
  console.log(`  Tikhonov / PyTorch: ${ratio.toFixed(2)} (median of the rounds' own ratios, ${span(ratios)}, quartiles ${quartilesOf(ratios)}; ratio of the medians ${(median(ours) / median(theirs)).toFixed(2)})`);
  // three decimals: a ratio just above the target (0.804) must not print as 0.80 beside a ✗
  verdicts.push(`  ${ratio <= 0.8 ? '✓' : '✗'} ${w.name}: Tikhonov / PyTorch epoch = ${ratio.toFixed(3)} (median of ${rounds} paired rounds; target ≤ 0.8)`);
  // where the epoch goes: the validation pass and the constraint plugins' afterSteps timed in the fit itself, the
  // shuffle apart; the steps are the rest
  const steps = Math.ceil(w.train / 128);
  const total = median(ours);
  const validating = median(timed.map((t) => t.validation));
  const shuffle = await timeOf(() => tf.dispose(tf.tensor1d(new HostRandom(7).permutation(w.train), 'int32')), 10);
  const plugins = median(timed.map((t) => t.constraints));
  const rest = total - validating - shuffle - plugins;
  console.log(`  where a Tikhonov epoch goes (${total.toFixed(2)} s):`);
  console.log(`    validation pass (${w.validation} images) + early stopping's θ* copy  ${validating.toFixed(3)} s`);
  if (w.plugins().length > 0) console.log(`    ${w.plugins().map((p) => p.name).join(', ')} after each step (${steps} steps)                ${plugins.toFixed(3)} s`);
  console.log(`    shuffle: permutation of ${w.train} and its upload                ${shuffle.toFixed(3)} s`);
  console.log(`    steps with their batch gathers and log points                      ${rest.toFixed(3)} s (${((rest / steps) * 1000).toFixed(2)} ms a step)`);
}
console.log(`\nthe issue's epoch targets in this run:\n${verdicts.join('\n')}`);
