import * as tf from '@tensorflow/tfjs-core';
import { Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { dataset, nn, Trainer, type Plugin } from '@tikhonov/core';
import { browserBundle, checkPlugin } from '@tikhonov/core/testing';
import { linearRegression, loadDigits, polynomialRegression } from '@tikhonov/datasets';
import { continueUntil, earlyStopping, earlyStoppingFactors, equivalentL2, retrainOnAll, type EarlyStoppingReport } from '@tikhonov/early-stopping';
import { ridge, symmetricEigen } from '@tikhonov/norm-penalties';

describe('Algorithm 7.1 on a U-shaped validation curve (order-12 polynomial, 10 points)', () => {
  it('restores θ* equal to the params at the best evaluation exactly, and i* is that step', async () => {
    // validation every 5 steps: from core's initialisation this fit overfits within ≈ 30 steps
    const train = polynomialRegression({ examples: 10, seed: 1 });
    const valid = polynomialRegression({ examples: 60, seed: 2 });
    const snapshots = new Map<number, number[]>();
    const recorder: Plugin = { name: 'recorder', apiVersion: 2, afterEvaluate: (_m, ctx) => void snapshots.set(ctx.step, ctx.params.all.flatMap((p) => Array.from(p.variable.dataSync()))) };
    const t = new Trainer({ model: nn.dense(1), loss: 'mse', optimizer: { name: 'adam', learningRate: 0.01 }, plugins: [recorder, earlyStopping({ patience: 10 })], progress: false, logEvery: 1000 });
    const history = await t.fit(train.data, { epochs: 5000, batchSize: 10, validation: { data: valid.data, every: { steps: 5 } } });
    const curve = history.evaluations.map((r) => ({ step: r.step!, loss: r['val.loss']! }));
    const best = curve.reduce((a, b) => (b.loss < a.loss ? b : a));
    // a real U: the minimum is inside the run and the curve rises well after it
    expect(best.step).toBeGreaterThan(curve[0]!.step);
    expect(curve.at(-1)!.loss).toBeGreaterThan(1.5 * best.loss);
    const report = history.notes.earlyStopping as EarlyStoppingReport;
    expect(report.bestStep).toBe(best.step);
    expect(report.bestValue).toBe(best.loss);
    expect(report.restored).toBe(true);
    expect(history.stop?.by).toBe('earlyStopping');
    expect(curve.at(-1)!.step).toBe(best.step + 10 * 5); // stopped after exactly `patience` evaluations
    const restored = t.model.params.flatMap((p) => Array.from(p.variable.dataSync()));
    expect(restored).toEqual(snapshots.get(best.step));
    t.dispose();
  });

  it('restores θ* also when another plugin requests the stop, and when the epochs run out', async () => {
    const train = polynomialRegression({ examples: 10, seed: 1 });
    const valid = polynomialRegression({ examples: 60, seed: 2 });
    for (const stopper of [
      { name: 'stopper', apiVersion: 2 as const, afterStep: (ctx: { step: number; requestStop(r: string): void }) => void (ctx.step === 1000 && ctx.requestStop('budget')) },
      undefined,
    ]) {
      const t = new Trainer({ model: nn.dense(1), loss: 'mse', optimizer: { name: 'adam', learningRate: 0.01 }, plugins: [earlyStopping({ patience: 1000 }), ...(stopper ? [stopper] : [])], progress: false });
      const history = await t.fit(train.data, { epochs: stopper ? 5000 : 1000, batchSize: 10, validation: { data: valid.data, every: { steps: 25 } } });
      const report = history.notes.earlyStopping as EarlyStoppingReport;
      expect(report.stoppedBy).toBe(stopper ? 'stopper' : 'completed');
      expect(report.restored).toBe(true);
      const now = (await t.evaluate(valid.data)).loss!;
      expect(Math.abs(now - report.bestValue!) / report.bestValue!).toBeLessThan(1e-5);
      expect(now).toBeLessThan(history.evaluations.at(-1)!['val.loss']!);
      t.dispose();
    }
  });

  it('monitoring val.accuracy with no mode keeps the highest value (core’s metricMode): i* is the step of the first maximum, found by hand', async () => {
    const [train, validation] = dataset.split(loadDigits().data, [0.15, 0.15], 3);
    const t = new Trainer({ model: nn.sequential([nn.dense(16, { activation: 'relu' }), nn.dense(10)]), loss: 'softmaxCrossEntropy', optimizer: { name: 'sgd', learningRate: 0.05 }, metrics: ['accuracy'], plugins: [earlyStopping({ monitor: 'val.accuracy', patience: 100 })], seed: 4, progress: false });
    const history = await t.fit(train!, { epochs: 12, batchSize: 32, validation: { data: validation! } });
    let best = { value: -Infinity, step: -1 };
    for (const row of history.evaluations) if (row['val.accuracy']! > best.value) best = { value: row['val.accuracy']!, step: row.step! };
    const note = history.notes.earlyStopping as EarlyStoppingReport;
    expect(note.bestValue).toBe(best.value);
    expect(note.bestStep).toBe(best.step);
    // the values differ, so 'min' would have kept another step (the break of metricMode to 'min' fails this test)
    const lowest = Math.min(...history.evaluations.map((r) => r['val.accuracy']!));
    expect(lowest).toBeLessThan(best.value);
    t.dispose();
  });

  it('an unknown monitor is an error at the first evaluation listing the available metrics; NaN trips the divergence guard', async () => {
    const data = polynomialRegression({ examples: 10, seed: 1 }).data;
    const t = new Trainer({ model: nn.dense(1), loss: 'mse', plugins: [earlyStopping({ monitor: 'val.acc' })], progress: false });
    await expect(t.fit(data, { epochs: 2, batchSize: 10, validation: { data } })).rejects.toThrow(/option 'monitor' = "val.acc" is not allowed; must name a metric of this validation pass \(available: val.loss\)/);
    t.dispose();
    // SGD at rate 2 diverges on this data (at rate 1 it converges)
    const huge = new Trainer({ model: nn.dense(1), loss: 'mse', optimizer: { name: 'sgd', learningRate: 2 }, plugins: [earlyStopping({ divergenceThreshold: 1e3 })], progress: false });
    const history = await huge.fit(data, { epochs: 50, batchSize: 10, validation: { data } });
    const report = history.notes.earlyStopping as EarlyStoppingReport;
    expect(report.reason).toMatch(/val.loss diverged to .* at step \d+/);
    expect(report.restored).toBe(true);
    expect((await huge.evaluate(data)).loss!).toBe(report.bestValue);
    huge.dispose();
  });
});

describe('early stopping ≈ L² (seed §7.7, eqs. 7.26–7.28)', () => {
  // J(w) = (1/m)‖Xw − y‖², so H = (2/m)XᵀX and w* is the least-squares solution.
  const m = 200;
  const task = linearRegression({ examples: m, features: 4, noise: 0.1, seed: 9 });
  // scale the inputs down so every ηλᵢ ≪ 1
  const scale = 0.05;
  const rows = Array.from({ length: m }, (_, i) => Array.from(task.X.subarray(i * 4, i * 4 + 4), (v) => v * scale));
  const X = new Matrix(rows);
  const H = X.transpose().mmul(X).mul(2 / m);
  const { values, vectors } = symmetricEigen(H.to2DArray());
  const Q = new Matrix(vectors);
  const wStar = ridge(rows, task.y, 0);
  const rotate = (w: ArrayLike<number>) => Q.transpose().mmul(Matrix.columnVector(Array.from(w))).getColumn(0);
  const eta = 0.5;
  const tau = 40;

  it('τ steps of gradient descent from w = 0 give Qᵀw = [I − (I − ηΛ)^τ]Qᵀw* (checked on the trainer)', async () => {
    const t = new Trainer({ model: nn.dense(1, { useBias: false }), loss: 'mse', optimizer: { name: 'sgd', learningRate: eta }, inputShape: [4], progress: false });
    t.params.get('dense_1/kernel').variable.assign(tf.zeros([4, 1]));
    await t.fit({ x: tf.tensor2d(rows), y: task.data.y, size: m }, { epochs: tau, batchSize: m, shuffle: false });
    const w = t.params.get('dense_1/kernel').variable.dataSync();
    const factors = earlyStoppingFactors(values, eta, tau);
    const star = rotate(wStar);
    rotate(w).forEach((c, i) => expect(Math.abs(c - factors[i]! * star[i]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(star[i]!))));
    t.dispose();
  });

  it('and that is close to L² with α = 1/(τη) when ηλᵢ ≪ 1 and λᵢ/α ≪ 1: relative gap ≈ λᵢ/(2α)', () => {
    const alpha = equivalentL2(eta, tau);
    expect(Math.max(...values) * eta).toBeLessThan(0.02);
    expect(Math.max(...values) / alpha).toBeLessThan(0.2);
    const early = earlyStoppingFactors(values, eta, tau);
    values.forEach((l, i) => {
      const l2 = l / (l + alpha); // eq. 7.27's shrink factor
      const gap = Math.abs(early[i]! - l2) / l2;
      expect(gap).toBeLessThan(l / alpha); // second-order term of the expansion, bounded by λ/α
    });
    // and it is an approximation, not an identity
    expect(Math.abs(early[0]! - values[0]! / (values[0]! + alpha))).toBeGreaterThan(0);
  });
});

describe('Algorithms 7.2 and 7.3 on the digits', () => {
  // a held-out test set the algorithms never see; they split the rest into subtrain/valid themselves
  const [train, test] = dataset.split(loadDigits().data, [0.8, 0.2], 11);
  const batchSize = 64;
  /** Each trainer the factory builds, with the params at the start of each of its fits and every validation pass. */
  type Trace = { startParams: number[][][]; startSteps: number[]; evaluations: Array<{ step: number; loss: number }>; examplesSeen: number[] };
  const traced = () => {
    const traces: Trace[] = [];
    const create = (extra: Plugin[]) => {
      const trace: Trace = { startParams: [], startSteps: [], evaluations: [], examplesSeen: [] };
      traces.push(trace);
      const recorder: Plugin = {
        name: 'recorder',
        apiVersion: 2,
        beforeFit: (ctx) => void (trace.startParams.push(ctx.params.all.map((p) => Array.from(p.variable.dataSync()))), trace.startSteps.push(ctx.step), trace.examplesSeen.push(0)),
        transformBatch: (b) => ((trace.examplesSeen[trace.examplesSeen.length - 1]! += b.x.shape[0]!), b),
        afterEvaluate: (metrics, ctx) => void trace.evaluations.push({ step: ctx.step, loss: metrics['val.loss']! }),
      };
      return new Trainer({ model: nn.sequential([nn.dense(32, { activation: 'relu' }), nn.dense(10)]), loss: 'softmaxCrossEntropy', optimizer: { name: 'adam', learningRate: 0.01 }, plugins: [...extra, recorder], seed: 0, progress: false });
    };
    return { traces, create };
  };
  const argmin = (evals: Array<{ step: number; loss: number }>) => evals.reduce((best, e) => (e.loss < best.loss ? e : best));

  it('7.2: i* is the step of the lowest validation loss in the trace; a fresh model (the same initial params) is retrained on all the data for i*’s epochs', async () => {
    const { traces, create } = traced();
    const result = await retrainOnAll(create, { train, maxEpochs: 30, batchSize, earlyStopping: { patience: 3 } });
    const [first, second] = traces;
    const best = argmin(first!.evaluations);
    expect(result.firstRun.bestStep).toBe(best.step);
    // validation ran once per epoch of the subtrain split (80 % of the data here)
    const subtrainSize = first!.examplesSeen[0]! / first!.evaluations.length;
    const bestEpoch = first!.evaluations.indexOf(best) + 1;
    expect(result.retrained.epochs).toBe(bestEpoch);
    // retrained from scratch: the second trainer starts from the first one's initial params, not its trained ones
    expect(second!.startParams[0]).toEqual(first!.startParams[0]);
    // on all the data: every example of train, bestEpoch times
    expect(second!.examplesSeen[0]).toBe(bestEpoch * train.size);
    expect(subtrainSize).toBeCloseTo(0.8 * train.size, -1);
    const testAccuracy = (await result.trainer.evaluate(test)).accuracy!;
    console.log(`Algorithm 7.2 on digits: i* = ${best.step} steps (epoch ${bestEpoch}), val.loss ${best.loss.toFixed(4)}; retrained ${bestEpoch} epochs on ${train.size} examples: held-out test accuracy ${testAccuracy.toFixed(4)}`);
    expect(testAccuracy).toBeGreaterThan(0.9);
    result.trainer.dispose();

    // repeat: 'steps' retrains for exactly i* updates
    const steps = traced();
    const bySteps = await retrainOnAll(steps.create, { train, maxEpochs: 30, batchSize, earlyStopping: { patience: 3 }, repeat: 'steps' });
    expect(bySteps.retrained.steps).toBe(argmin(steps.traces[0]!.evaluations).step);
    bySteps.trainer.dispose();
  });

  it('7.3: ε is the subtrain loss at the stop, recomputed; training on all data stops at the first check below ε, not before or after', async () => {
    const { traces, create } = traced();
    const checkEvery = 5;
    const result = await continueUntil(create, { train, maxEpochs: 30, batchSize, earlyStopping: { patience: 3 }, maxSteps: 600, checkEvery });
    const trace = traces[0]!;
    const firstRunEnd = trace.startSteps[1]!; // phase 2 starts where the early-stopped run ended
    const checks = trace.evaluations.filter((e) => e.step > firstRunEnd);
    const firstBelow = checks.findIndex((e) => e.loss < result.target);
    console.log(`Algorithm 7.3 on digits: ε = ${result.target.toFixed(4)}, ${checks.length} checks every ${checkEvery} steps; stopped after ${result.continuedSteps} steps at val.loss ${result.finalValidationLoss.toFixed(4)}`);
    expect(firstBelow).toBeGreaterThanOrEqual(0); // reached within the budget here
    expect(checks.length).toBe(firstBelow + 1); // no check after the first one below ε
    expect(checks[firstBelow]!.step - firstRunEnd).toBe(result.continuedSteps);
    expect((firstRunEnd + result.continuedSteps) % checkEvery).toBe(0); // checks fall on every n-th step of the trainer
    expect(result.reached).toBe(true);
    // ε recomputed: the params at the start of phase 2 (θ at the early stop), on the subtrain split
    const [subtrain] = dataset.split(train, [0.8, 0.2], 0);
    const probe = create([]);
    probe.build(train.x.shape.slice(1) as number[]);
    probe.model.params.forEach((p, i) => p.variable.assign(tf.tensor(trace.startParams[1]![i]!, p.variable.shape)));
    expect(Math.abs((await probe.evaluate(subtrain!)).loss! - result.target)).toBeLessThan(1e-5);
    probe.dispose();
    result.trainer.dispose();
  });
});

describe('θ* on disk', () => {
  it('with dir, θ* is written as a tfjs weights file and restored from it', async () => {
    const { mkdtemp, readFile, rm } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'es-'));
    const train = polynomialRegression({ examples: 10, seed: 1 });
    const valid = polynomialRegression({ examples: 60, seed: 2 });
    const t = new Trainer({ model: nn.dense(1), loss: 'mse', optimizer: { name: 'adam', learningRate: 0.01 }, plugins: [earlyStopping({ patience: 5, dir })], progress: false });
    const history = await t.fit(train.data, { epochs: 2000, batchSize: 10, validation: { data: valid.data, every: { steps: 25 } } });
    const report = history.notes.earlyStopping as EarlyStoppingReport;
    const manifest = JSON.parse(await readFile(join(dir, 'best.json'), 'utf8'));
    expect(manifest.weightsManifest[0].weights.map((w: { name: string }) => w.name)).toEqual(['dense_1/kernel', 'dense_1/bias']);
    expect(report.restored).toBe(true);
    expect((await t.evaluate(valid.data)).loss).toBeCloseTo(report.bestValue!, 5);
    t.dispose();
    await rm(dir, { recursive: true, force: true });
  });
});

describe('conformance and options', () => {
  it('earlyStopping passes checkPlugin', async () => {
    expect((await checkPlugin(() => earlyStopping({ patience: 2 }))).stateRoundTrip).toBe(true);
  });
  it('options are validated at creation', () => {
    expect(() => earlyStopping({ patience: 0 })).toThrow(/earlyStopping: option 'patience' = 0 is not allowed; must be a positive integer/);
    expect(() => earlyStopping({ mode: 'lowest' as never })).toThrow(/option 'mode' = "lowest" is not allowed; must be 'min' or 'max'/);
  });
});

describe('θ* in a checkpoint', () => {
  it('is stored in binary, 4 bytes a parameter, and a resumed trainer still restores exactly that θ*', async () => {
    const { mkdtemp, readFile, rm, stat } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { saveCheckpoint, loadCheckpoint } = await import('@tikhonov/core/node');
    const { dataset } = await import('@tikhonov/core');
    const [train, validation] = dataset.split(loadDigits().data, [0.3, 0.2], 0);
    const make = () => new Trainer({ model: nn.sequential([nn.dense(32, { activation: 'relu' }), nn.dense(10)]), loss: 'softmaxCrossEntropy', optimizer: { name: 'sgd', learningRate: 0.5 }, plugins: [earlyStopping({ patience: 50 })], progress: false, seed: 2 });
    const t = make();
    await t.fit(train!, { epochs: 6, batchSize: 32, validation: { data: validation! } });
    const dir = await mkdtemp(join(tmpdir(), 'tikhonov-es-'));
    await saveCheckpoint(t, join(dir, 'ck'));
    const count = t.params.all.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
    // θ* (one float32 per parameter) in state.bin; state.json only its placeholders (JSON numbers would be ≈ 20 bytes each)
    expect((await stat(join(dir, 'ck', 'state.bin'))).size).toBeGreaterThanOrEqual(4 * count);
    expect((await stat(join(dir, 'ck', 'state.bin'))).size).toBeLessThan(4 * count + 8 * t.params.all.length);
    expect((await readFile(join(dir, 'ck', 'state.json'), 'utf8')).length).toBeLessThan(4 * count);
    // the same θ* comes back: both trainers end a further fit (patience not reached) by restoring it
    const u = make();
    u.build([64]);
    await loadCheckpoint(u, join(dir, 'ck'));
    await t.fit(train!, { epochs: 8, batchSize: 32, validation: { data: validation! } });
    await u.fit(train!, { epochs: 8, batchSize: 32, validation: { data: validation! } });
    expect(u.params.all.map((p) => Array.from(p.variable.dataSync()))).toEqual(t.params.all.map((p) => Array.from(p.variable.dataSync())));
    [t, u].forEach((x) => x.dispose());
    await rm(dir, { recursive: true, force: true });
  });
});

describe('in a browser bundle', () => {
  it('the built package bundles for the browser with no Node module (the on-disk θ* sits behind the browser condition)', async () => {
    const code = await browserBundle("import { earlyStopping } from '@tikhonov/early-stopping'; console.log(earlyStopping);", new URL('..', import.meta.url).pathname, { external: ['@tensorflow/tfjs-core', '@tikhonov/core'] });
    expect(code).not.toMatch(/["']node:/);
    expect(code).toContain("option 'dir' keeps");
  });
});
