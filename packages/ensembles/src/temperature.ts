import * as tf from '@tensorflow/tfjs-core';
import { definePlugin, nn, OptionError, schemas, type Plugin } from '@tikhonov/core';

/** Mean NLL of softmax(logits / T) against class ids, in float64 on the host. */
function nllAt(logits: Float32Array, labels: Int32Array | Float32Array, classes: number, temperature: number): number {
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[i * classes + c]! / temperature);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[i * classes + c]! / temperature - max);
    total += Math.log(sum) + max - logits[i * classes + labels[i]!]! / temperature;
  }
  return total / labels.length;
}

/**
 * Temperature scaling (Guo et al. 2017): the T > 0 minimising the NLL of
 * softmax(z / T) on held-out logits and labels. The NLL is convex in 1/T,
 * so a golden-section search over 1/T in [1/maxT, 1/minT] finds it
 * (tolerance 1e-6 relative). Reads the tensors once (calibration time).
 */
export function fitTemperature(logits: tf.Tensor, labels: tf.Tensor, options: { range?: [number, number] } = {}): { temperature: number; nllBefore: number; nllAfter: number } {
  const [lo, hi] = options.range ?? [0.05, 20];
  if (!(lo > 0 && hi > lo)) throw new OptionError('fitTemperature', 'range', options.range, 'must be [min, max] with 0 < min < max');
  if (logits.rank !== 2) throw new OptionError('fitTemperature', 'logits', logits.shape, 'must be logits [n, classes]');
  const classes = logits.shape[1]!;
  const z = logits.dataSync() as Float32Array;
  const y = tf.tidy(() => (labels.rank === 1 ? tf.cast(labels, 'int32') : tf.argMax(labels, -1)).dataSync()) as Int32Array;
  const f = (beta: number) => nllAt(z, y, classes, 1 / beta);
  let [a, b] = [1 / hi, 1 / lo];
  const g = (Math.sqrt(5) - 1) / 2;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let [fc, fd] = [f(c), f(d)];
  while (b - a > 1e-6 * (a + b)) {
    if (fc < fd) {
      [b, d, fd] = [d, c, fc];
      c = b - g * (b - a);
      fc = f(c);
    } else {
      [a, c, fc] = [c, d, fd];
      d = a + g * (b - a);
      fd = f(d);
    }
  }
  const temperature = 2 / (a + b);
  return { temperature, nllBefore: nllAt(z, y, classes, 1), nllAfter: nllAt(z, y, classes, temperature) };
}

/** Divides the model's logits by a fitted temperature in inference (`predict`, `evaluate`); training is untouched. */
export const temperatureScaling: (options: { temperature: number; name?: string }) => Plugin = definePlugin({
  name: 'temperatureScaling',
  options: { temperature: schemas.positive },
  setup: ({ temperature }: { temperature: number }, name) => ({
    wrapPredict: (x, next) => tf.div(nn.single(next(x), name), temperature),
  }),
});
