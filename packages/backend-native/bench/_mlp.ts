import { useNativeBackend } from '@tikhonov/backend-native';
import { BENCH_MODELS, timeSteps } from '@tikhonov/core/testing';
await useNativeBackend({ threads: 2 });
const r = await timeSteps(BENCH_MODELS[0]!, { steps: 1500, warmup: 20 });
console.log('step', r.ms.toFixed(2));
