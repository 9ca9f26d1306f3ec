// A plugin of your own with definePlugin (examples/core/plugins/orthogonality.ts):
// the soft orthogonality penalty α‖WᵀW − I‖² pulls the first layer's units
// towards an orthonormal set. Prints how far WᵀW is from I with and without it.
// `pnpm example core/orthogonality`.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { nn, Trainer } from '@tikhonov/core';
import { loadDigits, trainValidationTest } from '@tikhonov/datasets';
import { orthogonality } from './plugins/orthogonality.js';

const { train, test } = trainValidationTest(loadDigits().data, { seed: 0 });
for (const plugins of [[], [orthogonality({ alpha: 1e-2, select: { names: ['dense_1/kernel'] } })]]) {
  const trainer = new Trainer({
    model: nn.sequential([nn.dense(32, { activation: 'relu' }), nn.dense(10)]),
    loss: 'softmaxCrossEntropy',
    optimizer: { name: 'adam', learningRate: 0.01 },
    plugins,
    seed: 0,
    progress: false,
  });
  await trainer.fit(train, { epochs: 15, batchSize: 64 });
  const offset = tf.tidy(() => {
    const w = trainer.params.get('dense_1/kernel').variable;
    return tf.norm(tf.sub(tf.matMul(w, w, true, false), tf.eye(32))).dataSync()[0]!;
  });
  const { accuracy } = await trainer.evaluate(test);
  console.log(`${(plugins.length ? 'orthogonality(α = 0.01)' : 'no penalty').padEnd(24)} ‖WᵀW − I‖ = ${offset.toFixed(3)}  test accuracy ${accuracy!.toFixed(3)}`);
  if (plugins.length) console.log(trainer.describeLoop());
  trainer.dispose();
}
