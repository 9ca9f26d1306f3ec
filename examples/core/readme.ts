// The README's twenty lines, runnable: `pnpm example core/readme`.
import '@tensorflow/tfjs-backend-cpu';
import { nn, Trainer } from '@tikhonov/core';
import { loadDigits, trainValidationTest } from '@tikhonov/datasets';
import { l2, maxNorm } from '@tikhonov/norm-penalties';

const { train, validation, test } = trainValidationTest(loadDigits().data, { seed: 0 });
const trainer = new Trainer({
  model: nn.sequential([nn.dense(128, { activation: 'relu' }), nn.dense(10)]),
  loss: 'softmaxCrossEntropy', // from logits; labels are class ids
  optimizer: { name: 'momentum', learningRate: 0.05 },
  plugins: [l2({ alpha: 1e-3 }), maxNorm({ c: 3 })], // weights only, never biases
  seed: 0, // init, shuffling and every plugin's randomness
});
const history = await trainer.fit(train, { epochs: 20, batchSize: 32, validation: { data: validation } });
console.log(history.epochs.at(-1), await trainer.evaluate(test));
console.log(trainer.describeLoop()); // which plugin fires at which hook
