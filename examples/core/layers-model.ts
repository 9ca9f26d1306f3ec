// Bring a tfjs-layers model: a tf.Sequential you already have, trained by
// Tikhonov with L² on the kernels, max-norm on the hidden layer and early
// stopping with θ* restored (what tfjs #3345, #8022 and #8488 report tfjs-layers
// dropping, refusing or lacking), then handed back to the LayersModel
// and saved in tfjs's own format (model.json + weights.bin), which
// tf.loadLayersModel reads.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { dataset, Trainer } from '@tikhonov/core';
import { fromLayersModel, writeToLayersModel } from '@tikhonov/core/layers';
import { loadDigits } from '@tikhonov/datasets';
import { earlyStopping, type EarlyStoppingReport } from '@tikhonov/early-stopping';
import { l2, maxNorm } from '@tikhonov/norm-penalties';
import { useFastestBackend } from '../shared.js';

console.log(`backend: ${await useFastestBackend()}`);
const [train, valid, test] = dataset.split(loadDigits().data, [0.6, 0.2, 0.2], 1);

// the model as a tfjs-layers user writes it (logits out: Tikhonov's cross-entropy takes logits)
const model = tfl.sequential({
  layers: [
    tfl.layers.dense({ inputShape: [64], units: 128, activation: 'relu', name: 'hidden' }),
    tfl.layers.dropout({ rate: 0.3, name: 'drop' }),
    tfl.layers.dense({ units: 10, name: 'logits' }),
  ],
});

const trainer = new Trainer({
  model: fromLayersModel(model),
  loss: 'softmaxCrossEntropy',
  optimizer: { name: 'adam', learningRate: 0.003 },
  plugins: [l2({ alpha: 1e-3 }), maxNorm({ c: 2, select: { names: ['hidden/kernel'] } }), earlyStopping({ patience: 5 })],
  metrics: ['accuracy'],
  inputShape: [64],
  progress: false,
});
console.log(trainer.summary());
const history = await trainer.fit(train!, { epochs: 200, batchSize: 32, validation: { data: valid! } });
const report = history.notes.earlyStopping as EarlyStoppingReport;
console.log(`early stopping: best val.loss ${report.bestValue!.toFixed(4)} at epoch ${report.bestEpoch}, stopped at epoch ${trainer.epoch} (${report.reason}); θ* restored`);

// the trained weights go back into the LayersModel: its own predict and save see them
writeToLayersModel(trainer, model);
const accuracy = tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(model.predict(test!.x) as tf.Tensor, 1), test!.y as tf.Tensor), 'float32')).dataSync()[0]!);
console.log(`test accuracy through model.predict: ${accuracy.toFixed(4)} (the trainer: ${(await trainer.evaluate(test!)).accuracy!.toFixed(4)})`);

const dir = fileURLToPath(new URL('../out/layers-model/', import.meta.url));
mkdirSync(dir, { recursive: true });
await model.save(
  tf.io.withSaveHandler(async (artifacts) => {
    const weightsManifest = [{ paths: ['weights.bin'], weights: artifacts.weightSpecs! }];
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ modelTopology: artifacts.modelTopology, format: 'layers-model', weightsManifest }));
    writeFileSync(join(dir, 'weights.bin'), Buffer.from(artifacts.weightData as ArrayBuffer));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }),
);
// and tfjs reads it back, with the same predictions
const saved = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
const bytes = readFileSync(join(dir, 'weights.bin'));
const reloaded = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: saved.modelTopology, weightSpecs: saved.weightsManifest[0].weights, weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) }));
const gap = tf.tidy(() => tf.max(tf.abs(tf.sub(reloaded.predict(test!.x) as tf.Tensor, model.predict(test!.x) as tf.Tensor))).dataSync()[0]!);
console.log(`saved ${join(dir, 'model.json')} and weights.bin; tf.loadLayersModel reads them back (max prediction gap ${gap.toExponential(1)})`);
reloaded.dispose();
trainer.dispose();
