import * as tf from '@tensorflow/tfjs-core';
import { loadAddon, useNativeBackend } from '@tikhonov/backend-native';
import { BENCH_MODELS, timeSteps } from '@tikhonov/core/testing';
await useNativeBackend({ threads: Number(process.env.T ?? 2) });
const out: string[] = [];
for (const model of BENCH_MODELS) {
  const r = await timeSteps(model, { steps: model.inputShape.length === 3 ? 40 : 300, warmup: 10 });
  out.push(r.ms.toFixed(2));
  r.trainer.dispose(); tf.dispose([r.data.x, r.data.y as tf.Tensor]);
}
console.log(process.env.OPENBLAS_THREAD_TIMEOUT ?? 'default', 'T' + (process.env.T ?? 2), out.join(' '));
