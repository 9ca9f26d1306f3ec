import * as tf from '@tensorflow/tfjs-core';
import { softmaxCrossEntropy } from '../losses.js';
import { BENCH_MODELS, benchData } from './step-bench.js';
import { RandomStream } from '../random.js';
import { Trainer } from '../trainer.js';

/** One way of training in {@link compareTrainerOverhead} and its median step time. */
export interface OverheadRow {
  label: string;
  /** Median ms per step over the rounds. */
  ms: number;
}

/** What {@link compareTrainerOverhead} measured. */
export interface OverheadReport {
  backend: string;
  rows: OverheadRow[];
  /** Trainer / hand-written loop: median of the per-round ratios, and the quartiles of those ratios. */
  vsHand: { median: number; low: number; high: number };
  /** Trainer / tfjs-layers `trainOnBatch`, likewise. */
  vsLayers: { median: number; low: number; high: number };
  rounds: number;
  steps: number;
}

/** The permutations of three runners; one after another, every ordered pair of neighbours occurs twice. */
const ORDERS = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]] as const;

const quartiles = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.round(q * (s.length - 1)))]!;
  return { median: at(0.5), low: at(0.25), high: at(0.75) };
};

/**
 * The cost of the Trainer itself: ms per training step of the benchmark MLP
 * (784-256-256-10, batch 128, SGD 0.01) with no plugins, against a
 * hand-written tfjs loop (gather the batch, `optimizer.minimize`) and
 * tfjs-layers' `trainOnBatch`, on the active backend. The three run in
 * rounds that go through the six orders in turn (ABC, ACB, BAC, …), so the
 * drift of a shared machine and the garbage one runner leaves for the next
 * fall on all alike (use a multiple of 6 rounds); each ratio is the median of
 * the rounds' ratios, with their quartiles. The Trainer runs each round as one
 * `fit` of `steps` steps (its per-fit work included) over a data set of 64
 * batches (an epoch end, with its log point, every 64 steps). `betweenRounds`,
 * if given, runs before each round (a bench times a peer framework's step
 * there, in the same phase of the machine as the three). For benchmarks only.
 */
export async function compareTrainerOverhead(options: { rounds?: number; steps?: number; warmup?: number; betweenRounds?: () => Promise<void> } = {}): Promise<OverheadReport> {
  const { rounds = 42, steps = 50, warmup = 5, betweenRounds } = options;
  const tfl = await import('@tensorflow/tfjs-layers');
  const batch = 128;
  // 64 batches an epoch, so the Trainer's epoch-end work (a log point, the finite-params copy) weighs as in a
  // small real data set (Fashion-MNIST has 430); the hand-written loops have no epochs
  const n = batch * 64;
  const data = benchData(n, [784]);
  const { x } = data;
  const labels = data.y as tf.Tensor;
  const random = new RandomStream(['trainer-overhead']);
  const trainer = new Trainer({ model: BENCH_MODELS[0]!.make(), loss: 'softmaxCrossEntropy', optimizer: { name: 'sgd', learningRate: 0.01 }, progress: false });
  // tidy frees the initial values: a variable keeps its own reference to the storage
  const w = tf.tidy(() => [
    tf.variable(random.normal([784, 256], 0, 0.05)),
    tf.variable(tf.zeros([256])),
    tf.variable(random.normal([256, 256], 0, 0.05)),
    tf.variable(tf.zeros([256])),
    tf.variable(random.normal([256, 10], 0, 0.05)),
    tf.variable(tf.zeros([10])),
  ]);
  const sgd = tf.train.sgd(0.01);
  const layers = tfl.sequential({
    layers: [tfl.layers.dense({ inputShape: [784], units: 256, activation: 'relu' }), tfl.layers.dense({ units: 256, activation: 'relu' }), tfl.layers.dense({ units: 10 })],
  });
  layers.compile({ optimizer: tf.train.sgd(0.01), loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => softmaxCrossEntropy(yPred, tf.argMax(yTrue, -1)) });
  const oneHot = tf.oneHot(labels, 10);
  let cursor = 0;
  const nextRows = () => {
    const idx = tf.range(cursor, cursor + batch, 1, 'int32');
    cursor = (cursor + batch) % (n - batch);
    return idx;
  };
  const runners: Array<[string, (k: number) => Promise<void>]> = [
    ['Trainer (no plugins)', async (k) => {
      await trainer.fit(data, { epochs: 1_000_000, batchSize: batch, shuffle: false, maxSteps: trainer.step + k });
      await trainer.params.get('dense_3/bias').variable.data(); // wait for the backend to finish
    }],
    ['hand-written optimizer.minimize', async (k) => {
      for (let s = 0; s < k; s++) {
        tf.tidy(() => {
          const idx = nextRows();
          const xb = tf.gather(x, idx);
          const yb = tf.gather(labels, idx);
          sgd.minimize(() => {
            const h1 = tf.relu(tf.add(tf.matMul(xb, w[0]!), w[1]!));
            const h2 = tf.relu(tf.add(tf.matMul(h1, w[2]!), w[3]!));
            return softmaxCrossEntropy(tf.add(tf.matMul(h2, w[4]!), w[5]!), yb);
          });
        });
      }
      await w[5]!.data();
    }],
    ['tfjs-layers trainOnBatch', async (k) => {
      for (let s = 0; s < k; s++) {
        const [xb, yb] = tf.tidy(() => {
          const idx = nextRows();
          return [tf.gather(x, idx), tf.gather(oneHot, idx)];
        });
        await layers.trainOnBatch(xb!, yb!);
        tf.dispose([xb!, yb!]);
      }
    }],
  ];
  const times = runners.map(() => [] as number[]);
  for (const [, run] of runners) await run(warmup);
  for (let r = 0; r < rounds; r++) {
    // the six orders in turn: within them each runner follows each other one equally often (a runner after
    // tfjs-layers pays for the garbage it leaves; a plain rotation made the Trainer follow it two rounds in three)
    const order = ORDERS[r % ORDERS.length]!;
    // a caller's own measurement (a peer framework's step), interleaved with the rounds so the VM's drift falls on both
    await betweenRounds?.();
    for (const i of order) {
      const start = performance.now();
      await runners[i]![1](steps);
      times[i]!.push((performance.now() - start) / steps);
    }
  }
  const report: OverheadReport = {
    backend: tf.getBackend(),
    rows: runners.map(([label], i) => ({ label, ms: quartiles(times[i]!).median })),
    vsHand: quartiles(times[0]!.map((t, r) => t / times[1]![r]!)),
    vsLayers: quartiles(times[0]!.map((t, r) => t / times[2]![r]!)),
    rounds,
    steps,
  };
  trainer.dispose();
  layers.dispose();
  sgd.dispose();
  tf.dispose([x, labels, oneHot, ...w]);
  return report;
}

/** Prints a {@link compareTrainerOverhead} report with its targets (Trainer / hand ≤ 1.05). */
export function printTrainerOverhead(report: OverheadReport): void {
  for (const row of report.rows) console.log(`${row.label.padEnd(34)} ${row.ms.toFixed(2).padStart(9)} ms/step (median of ${report.rounds} rounds)`);
  const range = (q: { low: number; high: number }) => `quartiles of the rounds ${q.low.toFixed(3)}–${q.high.toFixed(3)}`;
  console.log(`backend ${report.backend}, ${report.rounds} alternating rounds of ${report.steps} steps`);
  const ofMedians = report.rows[0]!.ms / report.rows[1]!.ms;
  console.log(`  ${report.vsHand.median <= 1.05 ? '✓' : '✗'} Trainer / hand-written loop = ${report.vsHand.median.toFixed(3)} (target ≤ 1.05; ${range(report.vsHand)}; ratio of the medians ${ofMedians.toFixed(3)})`);
  console.log(`    Trainer / tfjs-layers       = ${report.vsLayers.median.toFixed(3)} (${range(report.vsLayers)})`);
}
