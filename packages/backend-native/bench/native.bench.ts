// Benchmark (not a test): SGEMM 1024³ through the addon, the MLP step
// (784-256-256-10, batch 128, SGD) on cpu vs native, and a per-kernel time
// table of one native step, so the next bottleneck is visible.
import * as tf from '@tensorflow/tfjs-core';
import { dataset, nn, Trainer } from '@tikhonov/core';
import { loadAddon, nativeKernels, useNativeBackend } from '@tikhonov/backend-native';
import { printKernelTable, profileKernels } from '@tikhonov/core/testing';

const addon = loadAddon();
for (const threads of [1, 2]) {
  addon.setThreads(threads);
  const n = 1024;
  const a = Float32Array.from({ length: n * n }, (_, i) => Math.sin(i));
  const b = Float32Array.from({ length: n * n }, (_, i) => Math.cos(i));
  const c = new Float32Array(n * n);
  addon.gemmBatched(a, b, c, 1, n, n, n, false, false, 0, 0);
  const reps = 5;
  const start = performance.now();
  for (let r = 0; r < reps; r++) addon.gemmBatched(a, b, c, 1, n, n, n, false, false, 0, 0);
  const seconds = (performance.now() - start) / 1000 / reps;
  console.log(`SGEMM 1024³, ${threads} thread(s): ${((2 * n ** 3) / seconds / 1e9).toFixed(1)} GFLOP/s`);
}
addon.setThreads(2);

const batch = 128;
const stepTime = async (backend: string, steps: number) => {
  await tf.setBackend(backend);
  const data = dataset.fromTensors(tf.randomNormal([batch * 4, 784], 0, 1, 'float32', 1), tf.randomUniform([batch * 4], 0, 10, 'int32', 2));
  const t = new Trainer({ model: nn.sequential([nn.dense(256, { activation: 'relu' }), nn.dense(256, { activation: 'relu' }), nn.dense(10)]), loss: 'softmaxCrossEntropy', optimizer: { name: 'sgd', learningRate: 0.01 }, progress: false });
  const run = async (k: number) => {
    await t.fit(data, { epochs: 1_000_000, batchSize: batch, maxSteps: t.step + k });
    await t.params.get('dense_3/bias').variable.data();
  };
  await run(3);
  const start = performance.now();
  await run(steps);
  const ms = (performance.now() - start) / steps;
  return { ms, trainer: t, data };
};
const cpu = await stepTime('cpu', 10);
cpu.trainer.dispose();
await useNativeBackend({ threads: 2 });
const native = await stepTime('native', 50);
console.log(`\nMLP 784-256-256-10 step, batch 128: cpu ${cpu.ms.toFixed(1)} ms, native ${native.ms.toFixed(2)} ms — ${(cpu.ms / native.ms).toFixed(1)}× faster (targets: ≤ 4 ms, ≥ 50×; PyTorch ≈ 2 ms on this machine)`);

// one step, kernel by kernel
const rows = await profileKernels(() => native.trainer.fit(native.data, { epochs: 1_000_000, batchSize: batch, maxSteps: native.trainer.step + 1 }));
const nativeNames = new Set(nativeKernels());
printKernelTable(rows, { title: 'one native MLP step: kernel', note: (name) => (nativeNames.has(name) ? 'native' : 'JavaScript (tfjs-cpu)') });
