// The "panda" picture of decks 000/002/004 for an 8×8 digit: a plainly
// trained net, a test digit it gets right, the sign of the loss gradient and
// the adversarial digit x + ε·sign(∇ₓJ) it gets wrong — as SVG, with the
// predictions; then how the FGSM error grows with ε.
import * as tf from '@tensorflow/tfjs-core';
import { nn, Trainer } from '@tikhonov/core';
import { loadDigits, trainValidationTest } from '@tikhonov/datasets';
import { crossEntropyPerExample, fgsm, robustness, robustnessTable, runAttack } from '@tikhonov/adversarial';
import { useFastestBackend, writeOut } from '../shared.js';

console.log(`backend: ${await useFastestBackend()}`);
const { train, test } = trainValidationTest(loadDigits().data, { validation: 0.1, test: 0.3, seed: 1 });
const trainer = new Trainer({ model: nn.sequential([nn.dense(128, { activation: 'relu' }), nn.dense(10)]), loss: 'softmaxCrossEntropy', optimizer: { name: 'adam', learningRate: 0.003 }, seed: 0 });
await trainer.fit(train, { epochs: 30, batchSize: 64 });

const epsilon = 0.15;
const attack = fgsm({ epsilon, range: [0, 1] });
const labels = test.y as tf.Tensor;
const [{ x: adversarial }] = runAttack(trainer, test.x, { attack, labels });
const probs = (x: tf.Tensor) => tf.softmax(nn.single(trainer.predict(x), 'example'));
const [clean, adv] = [probs(test.x), probs(adversarial!)];
const truth = labels.dataSync();
const [cleanClass, advClass] = [tf.argMax(clean, -1).dataSync(), tf.argMax(adv, -1).dataSync()];
// the first test digit the net gets right and FGSM turns into another class
const i = Array.from(truth).findIndex((y, k) => cleanClass[k] === y && advClass[k] !== y);
if (i < 0) throw new Error(`FGSM at ε = ${epsilon} fooled the net on no test digit; raise ε`);
const row = (t: tf.Tensor) => Array.from(tf.slice(t, i, 1).dataSync());
const gradient = tf.grad((x: tf.Tensor) => tf.sum(crossEntropyPerExample(nn.single(trainer.predict(x), 'example'), tf.slice(labels, i, 1))))(tf.slice(test.x, i, 1));
const pct = (p: tf.Tensor, c: number) => `${(100 * p.dataSync()[i * 10 + c]!).toFixed(0)} %`;

/** One 8×8 image as grey squares (v in [lo, hi] → black..white), captioned. */
function image(values: number[], left: number, caption: string, lo = 0, hi = 1): string {
  const cell = 20;
  const squares = values.map((v, k) => {
    const grey = Math.round((255 * (v - lo)) / (hi - lo));
    return `<rect x="${left + (k % 8) * cell}" y="${30 + Math.floor(k / 8) * cell}" width="${cell}" height="${cell}" fill="rgb(${grey},${grey},${grey})"/>`;
  });
  return [...squares, `<text x="${left + 80}" y="210" text-anchor="middle">${caption}</text>`].join('\n');
}
const svg = [
  '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="230" font-family="sans-serif" font-size="13">',
  '<rect width="100%" height="100%" fill="white"/>',
  image(row(test.x), 10, `x: “${cleanClass[i]}” ${pct(clean, cleanClass[i]!)}`),
  `<text x="200" y="115" font-size="22">+ ${epsilon} ×</text>`,
  image(row(tf.sign(gradient)), 250, 'sign(∇ₓJ(θ, x, y))', -1, 1),
  '<text x="430" y="115" font-size="22">=</text>',
  image(row(adversarial!), 460, `x̃: “${advClass[i]}” ${pct(adv, advClass[i]!)}`),
  '</svg>',
].join('\n');
console.log(`test digit ${i}: a “${truth[i]}”, classified “${cleanClass[i]}” (${pct(clean, cleanClass[i]!)}); after FGSM at ε = ${epsilon}: “${advClass[i]}” (${pct(adv, advClass[i]!)})`);
console.log(`picture: ${writeOut('fgsm-digit.svg', svg)}`);
console.log(robustnessTable(robustness(trainer, test, { attacks: [attack], epsilons: [0, 0.05, 0.1, 0.15, 0.2, 0.3] })));
