// Seed §7.11 and deck 001: where weight scaling is exact, how Monte Carlo
// inference converges, and the deck's worked example. Every oracle enumerates
// the masks by hand in float64, independently of the plugin's own enumerator.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { nn, Order, Trainer, type Module, type Plugin } from '@tikhonov/core';
import { dropout } from '@tikhonov/dropout';

/** A linear layer that still emits a site, so dropout can drop its units: deep nets with no non-linearity. */
function linearUnits(units: number, name: string): Module {
  const self: Module = {
    kind: 'linearUnits',
    name,
    emitsSite: true,
    init(shape, scope) {
      scope.param(self, 'kernel', { shape: [(shape as number[])[0]!, units], role: 'weight', init: 'glorotUniform' });
      scope.param(self, 'bias', { shape: [units], role: 'bias', init: 'zeros' });
      return [units];
    },
    apply: (x, scope) => tf.add(tf.matMul(x as tf.Tensor, scope.param(self, 'kernel')), scope.param(self, 'bias')),
  };
  return self;
}

type Layer = { W: number[][]; b: number[]; act: (z: number) => number };
/** The forward pass in float64 with a keep-mask per layer input (1 keeps, 0 drops), scaled by `scale[l]`. */
function forward(layers: Layer[], x: number[], masks: number[][], scale: number[]): number[] {
  return layers.reduce((h, { W, b, act }, l) => b.map((bj, j) => act(bj + h.reduce((s, v, i) => s + v * masks[l]![i]! * scale[l]! * W[i]![j]!, 0))), x);
}

/** Σ over every keep-mask of the layer inputs of p(mask)·f(mask), the masks of widths `widths` with drop rates `rates`. */
function overAllMasks(widths: number[], rates: number[], f: (masks: number[][]) => number[]): number[] {
  const n = widths.reduce((a, b) => a + b, 0);
  let total: number[] | undefined;
  for (let m = 0; m < 2 ** n; m++) {
    let bit = 0;
    let p = 1;
    const masks = widths.map((w, l) =>
      Array.from({ length: w }, () => {
        const keep = (m >> bit++) & 1;
        p *= keep ? 1 - rates[l]! : rates[l]!;
        return keep;
      }),
    );
    const out = f(masks);
    total = total ? total.map((t, j) => t + p * out[j]!) : out.map((v) => p * v);
  }
  return total!;
}

const readLayers = (t: Trainer, names: string[], acts: Array<(z: number) => number>): Layer[] =>
  names.map((name, l) => {
    const k = t.params.get(`${name}/kernel`).variable;
    return { W: k.arraySync() as number[][], b: Array.from(t.params.get(`${name}/bias`).variable.dataSync()), act: acts[l]! };
  });
const identity = (z: number) => z;
const xs = [[0.5, -1.2, 0.8], [1.5, 0.3, -0.4], [-0.7, 0.9, 1.1]];

describe('weight scaling is exact without non-linearities (seed §7.11)', () => {
  it('deep linear net (3-4-3-2): the mean output over all 2¹⁰ masks equals the weight-scaled net, by hand and through predict', () => {
    const rates = [0.2, 0.5, 0.4];
    const model = nn.sequential([linearUnits(4, 'a'), linearUnits(3, 'b'), nn.dense(2, { name: 'out' })]);
    // per-site rates: the input at 0.2 and both hidden layers at 0.5 and 0.4 (sites named after their module)
    const t = new Trainer({ model, loss: 'mse', plugins: [dropout({ input: rates[0], hidden: 0, scaling: 'weight-scaling', outputs: 'values' }), dropout({ name: 'dropA', input: 0, hidden: rates[1], sites: { names: ['a'] }, scaling: 'weight-scaling', outputs: 'values' }), dropout({ name: 'dropB', input: 0, hidden: rates[2], sites: { names: ['b'] }, scaling: 'weight-scaling', outputs: 'values' })], inputShape: [3], seed: 3, progress: false });
    const layers = readLayers(t, ['a', 'b', 'out'], [identity, identity, identity]);
    const predicted = t.predict(tf.tensor2d(xs)) as tf.Tensor;
    const got = predicted.arraySync() as number[][];
    xs.forEach((x, i) => {
      const ensemble = overAllMasks([3, 4, 3], rates, (masks) => forward(layers, x, masks, [1, 1, 1]));
      const scaled = forward(layers, x, [[1, 1, 1], [1, 1, 1, 1], [1, 1, 1]], rates.map((r) => 1 - r));
      ensemble.forEach((v, j) => {
        expect(Math.abs(v - scaled[j]!)).toBeLessThan(1e-12); // exact, in float64
        expect(Math.abs(got[i]![j]! - v)).toBeLessThan(1e-5);
      });
    });
    tf.dispose(predicted);
    t.dispose();
  });

  it('regression with conditionally normal outputs: the renormalised geometric mean of N(y; ŷ_m, σ²) over the masks is N(y; weight-scaled ŷ, σ²)', () => {
    const rate = 0.5;
    const sigma = 0.7;
    const t = new Trainer({ model: nn.dense(1), loss: 'mse', plugins: [dropout({ input: rate, hidden: 0, scaling: 'weight-scaling', outputs: 'values' })], inputShape: [3], seed: 6, progress: false });
    t.params.get('dense_1/bias').variable.assign(tf.tensor1d([0.4]));
    const layers = readLayers(t, ['dense_1'], [identity]);
    const predicted = t.predict(tf.tensor2d(xs)) as tf.Tensor;
    const got = Array.from(predicted.dataSync());
    xs.forEach((x, i) => {
      // log of the p(m)-weighted geometric mean of the densities, on a grid, then normalised numerically
      const grid = Array.from({ length: 4001 }, (_, g) => -8 + (16 * g) / 4000);
      const logDensity = grid.map((y) => overAllMasks([3], [rate], (masks) => [-((y - forward(layers, x, masks, [1])[0]!) ** 2) / (2 * sigma ** 2) - Math.log(sigma * Math.sqrt(2 * Math.PI))])[0]!);
      const top = Math.max(...logDensity);
      const density = logDensity.map((l) => Math.exp(l - top));
      const mass = density.reduce((a, b) => a + b, 0);
      const mean = grid.reduce((s, y, g) => s + y * density[g]!, 0) / mass;
      const variance = grid.reduce((s, y, g) => s + (y - mean) ** 2 * density[g]!, 0) / mass;
      expect(Math.abs(mean - got[i]!)).toBeLessThan(1e-5);
      expect(Math.abs(variance - sigma ** 2)).toBeLessThan(1e-6);
    });
    tf.dispose(predicted);
    t.dispose();
  });
});

describe('a deep ReLU net: weight scaling is an approximation (seed §7.11)', () => {
  it('the plugin’s exact rule equals the hand enumeration, weight scaling equals the scaled forward, and the two differ by the hand-computed gap', () => {
    const rates = [0.5, 0.5];
    const relu = (z: number) => Math.max(z, 0);
    const make = (inference: 'exact' | 'weight-scaling') =>
      new Trainer({ model: nn.sequential([nn.dense(5, { activation: 'relu' }), nn.dense(3)]), loss: 'softmaxCrossEntropy', plugins: [dropout({ input: rates[0], hidden: rates[1], scaling: 'weight-scaling', inference })], inputShape: [3], seed: 2, progress: false });
    const exact = make('exact');
    const approx = make('weight-scaling');
    const layers = readLayers(exact, ['dense_1', 'dense_2'], [relu, identity]);
    const softmax = (z: number[]) => {
      const top = Math.max(...z);
      const e = z.map((v) => Math.exp(v - top));
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / s);
    };
    const probs = (trainer: Trainer) => {
      const out = trainer.predict(tf.tensor2d(xs)) as tf.Tensor;
      const p = tf.softmax(out);
      const rows = p.arraySync() as number[][];
      tf.dispose([out, p]);
      return rows;
    };
    const [pExact, pApprox] = [probs(exact), probs(approx)];
    let gap = 0;
    xs.forEach((x, i) => {
      // eq. 7.30: the renormalised p(m)-weighted geometric mean of the sub-networks' softmax outputs
      const logMean = overAllMasks([3, 5], rates, (masks) => softmax(forward(layers, x, masks, [1, 1])).map(Math.log));
      const geometric = softmax(logMean);
      const scaled = softmax(forward(layers, x, [[1, 1, 1], [1, 1, 1, 1, 1]], rates.map((r) => 1 - r)));
      geometric.forEach((g, j) => expect(Math.abs(pExact[i]![j]! - g)).toBeLessThan(1e-5));
      scaled.forEach((s, j) => expect(Math.abs(pApprox[i]![j]! - s)).toBeLessThan(1e-5));
      gap = Math.max(gap, ...geometric.map((g, j) => Math.abs(g - scaled[j]!)));
    });
    console.log(`deep ReLU net 3-5-3, 2^8 masks: max |p_exact − p_weight-scaling| = ${gap.toFixed(4)} (hand enumeration)`);
    expect(gap).toBeGreaterThan(1e-3); // not exact
    exact.dispose();
    approx.dispose();
  });
});

describe('Monte Carlo inference converges to the arithmetic mean over masks at rate 1/√samples (seed §7.11)', () => {
  it('the RMS error against the exact arithmetic mean falls like S^(−1/2): log-log slope −0.5 ± 0.1 over S = 16…2048', () => {
    const rates = [0.5, 0.5];
    const relu = (z: number) => Math.max(z, 0);
    const softmax = (z: number[]) => {
      const top = Math.max(...z);
      const e = z.map((v) => Math.exp(v - top));
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / s);
    };
    const inputs = Array.from({ length: 12 }, (_, i) => [Math.sin(i), Math.cos(1.7 * i), (i - 6) / 4]);
    const base = new Trainer({ model: nn.sequential([nn.dense(5, { activation: 'relu' }), nn.dense(3)]), loss: 'softmaxCrossEntropy', inputShape: [3], seed: 2, progress: false });
    const layers = readLayers(base, ['dense_1', 'dense_2'], [relu, identity]);
    const exact = inputs.map((x) => overAllMasks([3, 5], rates, (masks) => softmax(forward(layers, x, masks, [1, 1]))));
    const sampleCounts = [16, 64, 256, 1024, 2048];
    const repeats = 6;
    const rms = sampleCounts.map((samples) => {
      const t = new Trainer({ model: nn.sequential([nn.dense(5, { activation: 'relu' }), nn.dense(3)]), loss: 'softmaxCrossEntropy', plugins: [dropout({ input: rates[0], hidden: rates[1], scaling: 'weight-scaling', inference: { monteCarlo: { samples, mean: 'arithmetic' } } })], inputShape: [3], seed: 2, progress: false });
      // each predict draws fresh masks: average the squared error over `repeats` independent estimates
      const squares: number[] = [];
      for (let r = 0; r < repeats; r++) {
        const out = t.predict(tf.tensor2d(inputs)) as tf.Tensor;
        const p = tf.softmax(out);
        (p.arraySync() as number[][]).forEach((row, i) => row.forEach((v, j) => squares.push((v - exact[i]![j]!) ** 2)));
        tf.dispose([out, p]);
      }
      t.dispose();
      return Math.sqrt(squares.reduce((a, b) => a + b, 0) / squares.length);
    });
    base.dispose();
    // least-squares slope of log(rms) on log(S)
    const lx = sampleCounts.map(Math.log);
    const ly = rms.map(Math.log);
    const mx = lx.reduce((a, b) => a + b, 0) / lx.length;
    const my = ly.reduce((a, b) => a + b, 0) / ly.length;
    const slope = lx.reduce((s, x, i) => s + (x - mx) * (ly[i]! - my), 0) / lx.reduce((s, x) => s + (x - mx) ** 2, 0);
    console.log(`Monte Carlo dropout: RMS error ${rms.map((r) => r.toExponential(2)).join(', ')} at S = ${sampleCounts.join(', ')}; slope ${slope.toFixed(3)}`);
    expect(Math.abs(slope + 0.5)).toBeLessThan(0.1);
    expect(rms[rms.length - 1]!).toBeLessThan(0.02);
  });
});

describe("deck 001's worked example", () => {
  it('with W⁽¹⁾ = [1 2 3; 4 5 6; 7 8 9], W⁽²⁾ = [1 2 3; 4 5 6], x = [0, 1, 2] and x₂, h₂ dropped, ŷ = [60, 132]; only kept weights are updated', async () => {
    // the deck writes h = W⁽¹⁾x, ŷ = W⁽²⁾h (rows are units); our kernels are the transposes
    const W1 = [[1, 2, 3], [4, 5, 6], [7, 8, 9]];
    const W2 = [[1, 2, 3], [4, 5, 6]];
    const transpose = (A: number[][]) => A[0]!.map((_, j) => A.map((row) => row[j]!));
    const seen: Array<{ input: number[]; hidden: number[]; output: number[] }> = [];
    const kept: Record<string, number[]> = {};
    const tap = (key: 'input' | 'hidden' | 'output', order: number): Plugin => ({
      name: `tap-${key}-${order}`,
      apiVersion: 2,
      order,
      transformActivation: (site, h) => {
        if (site.kind === key) kept[key] = Array.from(h.dataSync());
        return h;
      },
    });
    const record: Plugin = { name: 'record', apiVersion: 2, order: Order.earlyStopping, afterStep: () => void seen.push({ input: kept.input!, hidden: kept.hidden!, output: kept.output! }) };
    // find, over seeds, a training step whose masks drop exactly x₂ and h₂ (probability 1/64 at rate ½)
    for (let seed = 0; seed < 400; seed++) {
      seen.length = 0;
      const t = new Trainer({
        model: nn.sequential([linearUnits(3, 'hidden'), nn.dense(2, { useBias: false, name: 'out' })]),
        loss: 'mse',
        optimizer: { name: 'sgd', learningRate: 1e-3 },
        plugins: [dropout({ input: 0.5, hidden: 0.5, scaling: 'weight-scaling' }), tap('input', Order.default + 100), tap('hidden', Order.default + 100), tap('output', Order.default + 100), record],
        inputShape: [3],
        seed,
        progress: false,
      });
      t.params.get('hidden/kernel').variable.assign(tf.tensor2d(transpose(W1)));
      t.params.get('out/kernel').variable.assign(tf.tensor2d(transpose(W2)));
      const before = Array.from(t.params.get('hidden/kernel').variable.dataSync());
      await t.fit({ x: tf.tensor2d([[0, 1, 2]]), y: tf.tensor2d([[0, 0]]), size: 1 }, { epochs: 1, batchSize: 1 });
      const step = seen[0]!;
      const dropsExactly = step.input.join() === '0,0,2' && step.hidden[1] === 0 && step.hidden[0] !== 0 && step.hidden[2] !== 0;
      if (dropsExactly) {
        expect(step.hidden).toEqual([6, 0, 18]);
        expect(step.output).toEqual([60, 132]);
        // only the kept weights W⁽¹⁾ᵢⱼ (input i ∈ {1, 3}, unit j ∈ {1, 3}) moved; kernel entry [i][j] is W⁽¹⁾ⱼᵢ
        const after = Array.from(t.params.get('hidden/kernel').variable.dataSync());
        for (let i = 0; i < 3; i++) {
          for (let j = 0; j < 3; j++) {
            const moved = after[i * 3 + j] !== before[i * 3 + j];
            expect(moved).toBe(i !== 1 && j !== 1 && i !== 0); // x₁ = 0 contributes no gradient either
          }
        }
        t.dispose();
        return;
      }
      t.dispose();
    }
    throw new Error('no seed in 0…399 drew the deck’s masks');
  });
});
