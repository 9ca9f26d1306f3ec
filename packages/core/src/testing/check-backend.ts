import * as tf from '@tensorflow/tfjs-core';
import { fromTensors } from '../data/dataset.js';
import { dense, sequential } from '../nn/index.js';
import { HostRandom } from '../random.js';
import { Trainer } from '../trainer.js';

/** One operation to compare across backends: inputs by shape, and the op. */
export interface BackendCase {
  label: string;
  shapes: number[][];
  op: (...inputs: tf.Tensor[]) => tf.Tensor;
  /** Also compare the gradient of sum(op) w.r.t. every input (default true). */
  gradients?: boolean;
}

/** What {@link checkBackend} compared. */
export interface BackendReport {
  backend: string;
  cases: Array<{ label: string; maxError: number }>;
  /** Largest relative gap between the two training runs' logged losses. */
  trainingGap: number;
}

const m = (x: tf.Tensor) => x as tf.Tensor4D;

/**
 * The ops `nn` modules, losses and plugins use, on random shapes and edge
 * cases (1×1, odd sizes, strides 1–2, 'same'/'valid', dilation, transposes,
 * broadcast batches).
 */
export function defaultBackendCases(): BackendCase[] {
  const cases: BackendCase[] = [];
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    cases.push({ label: `matMul 37×19·19×23 tA=${ta} tB=${tb}`, shapes: [ta ? [19, 37] : [37, 19], tb ? [23, 19] : [19, 23]], op: (a, b) => tf.matMul(a!, b!, ta, tb) });
  }
  cases.push(
    { label: 'matMul 1×1·1×1', shapes: [[1, 1], [1, 1]], op: (a, b) => tf.matMul(a!, b!) },
    { label: 'matMul batched 3×5×7·3×7×2', shapes: [[3, 5, 7], [3, 7, 2]], op: (a, b) => tf.matMul(a!, b!) },
    // forward only: tfjs's BatchMatMul gradient does not reduce broadcast batch dims (it fails on cpu too)
    { label: 'matMul broadcast 4×5×7·1×7×2', shapes: [[4, 5, 7], [1, 7, 2]], op: (a, b) => tf.matMul(a!, b!), gradients: false },
    { label: 'fused matMul + bias + relu 33×17·17×9', shapes: [[33, 17], [17, 9], [9]], op: (a, b, c) => tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias: c, activation: 'relu' }) },
    { label: 'fused matMul + bias, transposeB', shapes: [[8, 6], [5, 6], [5]], op: (a, b, c) => tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias: c, transposeB: true }) },
    { label: 'add/mul/div broadcast', shapes: [[6, 5], [5], [6, 1]], op: (a, b, c) => tf.div(tf.mul(tf.add(a!, b!), c!), tf.add(tf.abs(c!), 1)) },
    // a tensor against a scalar on either side: every SGD update (lr·grad), loss weights, scaled masks
    // (not maximum/minimum: tfjs's gradient of those does not sum over a broadcast input, on any backend)
    { label: 'a scalar on either side of mul, sub, div', shapes: [[5, 7], []], op: (a, s) => tf.addN([tf.mul(a!, s!), tf.sub(s!, a!), tf.div(a!, tf.add(tf.abs(s!), 1)), tf.mul(s!, tf.square(a!))]) },
    { label: 'relu, sigmoid, tanh, exp, log1p', shapes: [[7, 9]], op: (a) => tf.add(tf.add(tf.relu(a!), tf.sigmoid(a!)), tf.add(tf.tanh(a!), tf.log1p(tf.exp(a!)))) },
    { label: 'softmax, logSoftmax', shapes: [[6, 10]], op: (a) => tf.add(tf.softmax(a!), tf.logSoftmax(a!)) },
    { label: 'sum, mean, max over axes', shapes: [[4, 6, 5]], op: (a) => tf.add(tf.add(tf.sum(a!, 1), tf.mean(a!, 1)), tf.max(a!, 1)) },
    { label: 'mean over the leading axis, the last axis and all', shapes: [[7, 5]], op: (a) => tf.concat([tf.mean(a!, 0), tf.mean(a!, 1), tf.reshape(tf.mean(a!), [1])]) },
    { label: 'softmax of 64 rows of 10 (a batch of logits)', shapes: [[64, 10]], op: (a) => tf.softmax(tf.mul(a!, 5)) },
    { label: 'argMax over the last axis', shapes: [[9, 6]], op: (a) => tf.cast(tf.argMax(a!, -1), 'float32'), gradients: false },
    {
      label: 'comparisons (broadcast), where, casts to int32 and bool',
      shapes: [[6, 5], [5]],
      op: (a, b) =>
        tf.addN([
          tf.where(tf.greater(a!, b!), a!, tf.mul(a!, 2)),
          tf.cast(tf.lessEqual(a!, b!), 'float32'),
          tf.cast(tf.notEqual(tf.less(a!, 0), tf.greaterEqual(b!, 0)), 'float32'),
          tf.cast(tf.equal(tf.round(tf.mul(a!, 2)), 0), 'float32'),
          tf.cast(tf.cast(tf.mul(a!, 7), 'int32'), 'float32'),
          tf.cast(tf.cast(tf.maximum(a!, 0), 'bool'), 'float32'),
        ]),
      gradients: false,
    },
    { label: 'square, sqrt, sub, neg', shapes: [[5, 8]], op: (a) => tf.neg(tf.sub(tf.sqrt(tf.add(tf.square(a!), 1)), a!)) },
    { label: 'gather rows', shapes: [[9, 4]], op: (a) => tf.gather(a!, tf.tensor1d([3, 0, 8, 3], 'int32')) },
    // broadcastTo dispatches Tile, and so does tf.where when its condition is one value per image
    {
      label: 'tile, broadcastTo, where of a condition per image',
      shapes: [[3, 1, 2, 1]],
      op: (a) => {
        const wide = tf.broadcastTo(a!, [3, 4, 2, 1]);
        const perImage = tf.reshape(tf.tensor1d([1, 0, 1], 'bool'), [3, 1, 1, 1]);
        return tf.concat([tf.reshape(tf.tile(a!, [2, 3, 1, 4]), [-1]), tf.reshape(tf.where(perImage, wide, tf.neg(wide)), [-1])]);
      },
    },
    { label: 'batchNorm', shapes: [[10, 6], [6], [6]], op: (a, g, b) => { const { mean, variance } = tf.moments(a!, 0); return tf.batchNorm(a!, mean, variance, b!, g!, 1e-3); } },
  );
  for (const [stride, pad, dil] of [[1, 'valid', 1], [2, 'same', 1], [1, 'same', 2], [2, 'valid', 1]] as const) {
    // tfjs has no conv2d gradient for dilation > 1 (on any backend): forward only there
    cases.push({ label: `conv2d 3×3 stride ${stride} ${pad} dilation ${dil} on 2×9×7×3`, shapes: [[2, 9, 7, 3], [3, 3, 3, 4]], op: (x, w) => tf.conv2d(m(x!), m(w!), stride, pad, 'NHWC', dil), gradients: dil === 1 });
  }
  cases.push(
    { label: 'fused conv2d + bias (linear: fused under gradients too), 3×3 same', shapes: [[2, 7, 6, 3], [3, 3, 3, 4], [4]], op: (x, w, b) => tf.fused.conv2d({ x: m(x!), filter: m(w!), strides: 1, pad: 'same', bias: b }) },
    { label: 'fused conv2d + bias + relu6 / leaky relu, one channel (inference)', shapes: [[2, 8, 7, 1], [3, 3, 1, 8], [8]], op: (x, w, b) => tf.add(tf.fused.conv2d({ x: m(x!), filter: m(w!), strides: 1, pad: 'valid', bias: b, activation: 'relu6' }), tf.fused.conv2d({ x: m(x!), filter: m(w!), strides: 1, pad: 'valid', bias: b, activation: 'leakyrelu', leakyreluAlpha: 0.1 })), gradients: false },
    { label: 'fused matMul + bias + leaky relu (inference)', shapes: [[12, 7], [7, 5], [5]], op: (a, b, c) => tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias: c, activation: 'leakyrelu', leakyreluAlpha: 0.3 }), gradients: false },
    { label: 'conv2d 1×1 on 1×1×1×2', shapes: [[1, 1, 1, 2], [1, 1, 2, 3]], op: (x, w) => tf.conv2d(m(x!), m(w!), 1, 'valid') },
    { label: 'conv2d 5×5 stride 2 same on odd 1×9×11×2', shapes: [[1, 9, 11, 2], [5, 5, 2, 3]], op: (x, w) => tf.conv2d(m(x!), m(w!), 2, 'same') },
    { label: 'conv2d 3×3 stride 2 explicit padding', shapes: [[2, 6, 6, 2], [3, 3, 2, 2]], op: (x, w) => tf.conv2d(m(x!), m(w!), 2, [[0, 0], [2, 0], [1, 1], [0, 0]]) },
    { label: 'conv2dTranspose 3×3 stride 2 same to 2×8×7×2', shapes: [[2, 4, 4, 3], [3, 3, 2, 3]], op: (x, w) => tf.conv2dTranspose(m(x!), m(w!), [2, 8, 7, 2], 2, 'same') },
    { label: 'depthwiseConv2d 3×3 ×2 stride 1 same on 2×7×6×3', shapes: [[2, 7, 6, 3], [3, 3, 3, 2]], op: (x, w) => tf.depthwiseConv2d(m(x!), m(w!), 1, 'same') },
    { label: 'depthwiseConv2d 3×3 ×1 stride 2 valid on 2×9×7×3', shapes: [[2, 9, 7, 3], [3, 3, 3, 1]], op: (x, w) => tf.depthwiseConv2d(m(x!), m(w!), 2, 'valid') },
    { label: 'depthwiseConv2d 2×2 ×3 stride 2 same on odd 1×5×5×2', shapes: [[1, 5, 5, 2], [2, 2, 2, 3]], op: (x, w) => tf.depthwiseConv2d(m(x!), m(w!), 2, 'same') },
    // tfjs has no depthwise gradient for dilation > 1 either
    { label: 'depthwiseConv2d 3×3 dilation 2 same', shapes: [[1, 8, 8, 2], [3, 3, 2, 1]], op: (x, w) => tf.depthwiseConv2d(m(x!), m(w!), 1, 'same', 'NHWC', 2), gradients: false },
    { label: 'gather rows of a 3-d table (embedding)', shapes: [[6, 2, 3]], op: (a) => tf.gather(a!, tf.tensor2d([[5, 0], [2, 5]], [2, 2], 'int32')) },
    { label: 'maxPool 2×2 and avgPool 3×3 same', shapes: [[2, 7, 6, 3]], op: (x) => tf.add(tf.sum(tf.maxPool(m(x!), 2, 2, 'valid')), tf.sum(tf.avgPool(m(x!), 3, 1, 'same'))) },
    // overlapping windows and padding; inputs in [−1, 1] give all-negative windows
    { label: 'maxPool 3×3 stride 1 same', shapes: [[1, 6, 5, 2]], op: (x) => tf.maxPool(m(x!), 3, 1, 'same') },
    // windows that do not overlap, one reaching past an odd edge ('same'), and pixels no window reaches (1×1, stride 2)
    {
      label: 'maxPool 2×2 stride 2 same on odd 2×5×7×3, and 1×1 stride 2',
      shapes: [[2, 5, 7, 3]],
      op: (x) => tf.concat([tf.reshape(tf.maxPool(m(x!), 2, 2, 'same'), [-1]), tf.reshape(tf.maxPool(m(x!), 1, 2, 'valid'), [-1])]),
    },
    { label: 'avgPool 2×2 stride 2 and 3×3 stride 1, valid', shapes: [[2, 7, 6, 3]], op: (x) => tf.add(tf.sum(tf.avgPool(m(x!), 2, 2, 'valid')), tf.sum(tf.avgPool(m(x!), 3, 1, 'valid'))) },
  );
  return cases;
}

function relativeGap(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (1e-3 + Math.abs(b[i]!)));
  return worst;
}

async function onBackend<T>(name: string, f: () => T): Promise<T> {
  if (!(await tf.setBackend(name))) throw new Error(`checkBackend: backend '${name}' did not start`);
  return f();
}

/**
 * The backend conformance suite: every case's output and input gradients on
 * `name` against the cpu backend (relative error |x − y|/(1e-3 + |y|) ≤
 * `tolerance`, default 1e-3), then 30 steps of an MLP trained on both with one
 * seed, whose logged losses must agree within `tolerance` too. Leaves the
 * named backend selected. Throws on the first failure.
 */
export async function checkBackend(name: string, options: { tolerance?: number; cases?: BackendCase[]; seed?: number } = {}): Promise<BackendReport> {
  const tolerance = options.tolerance ?? 1e-3;
  const rng = new HostRandom(options.seed ?? 0);
  const report: BackendReport = { backend: name, cases: [], trainingGap: 0 };
  for (const c of options.cases ?? defaultBackendCases()) {
    const data = c.shapes.map((s) => Float32Array.from({ length: s.reduce((x, y) => x * y, 1) }, () => rng.uniform() * 2 - 1));
    const run = () =>
      tf.tidy(() => {
        const inputs = data.map((d, i) => tf.tensor(d, c.shapes[i]));
        const out = [c.op(...inputs).dataSync().slice()];
        if (c.gradients !== false) for (const g of tf.grads((...xs: tf.Tensor[]) => tf.sum(c.op(...xs)))(inputs)) out.push(g.dataSync().slice());
        return out;
      });
    const expected = await onBackend('cpu', run);
    const got = await onBackend(name, run);
    const maxError = Math.max(...got.map((g, i) => relativeGap(g, expected[i]!)));
    if (!(maxError <= tolerance)) throw new Error(`checkBackend('${name}'): ${c.label} differs from cpu by ${maxError.toExponential(2)} (relative; tolerance ${tolerance})`);
    report.cases.push({ label: c.label, maxError });
  }
  const train = async (backend: string) =>
    onBackend(backend, async () => {
      const x = tf.tensor2d(Array.from({ length: 64 * 12 }, (_, i) => Math.sin(i * 0.37)), [64, 12]);
      const y = tf.tensor1d(Array.from({ length: 64 }, (_, i) => i % 4), 'int32');
      const t = new Trainer({ model: sequential([dense(32, { activation: 'relu' }), dense(4)]), loss: 'softmaxCrossEntropy', optimizer: { name: 'sgd', learningRate: 0.1 }, seed: 1, logEvery: 1, progress: false });
      await t.fit(fromTensors(x, y), { epochs: 30, batchSize: 64 });
      const losses = t.history.logs.map((r) => r.loss!);
      t.dispose();
      tf.dispose([x, y]);
      return losses;
    });
  const cpuLosses = await train('cpu');
  const losses = await train(name);
  report.trainingGap = relativeGap(losses, cpuLosses);
  if (!(report.trainingGap <= tolerance)) throw new Error(`checkBackend('${name}'): the training run's losses differ from cpu by ${report.trainingGap.toExponential(2)} (relative; tolerance ${tolerance})`);
  return report;
}
