import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { afterAll, describe, expect, it } from 'vitest';
import { checkBackend, defaultBackendCases, profileKernels } from '@tikhonov/core/testing';

// a backend that is the cpu backend except for one wrong kernel: Relu computes Elu
tf.registerBackend('cpu-wrong-relu', () => new MathBackendCPU(), 0);
for (const k of tf.getKernelsForBackend('cpu')) {
  tf.registerKernel({ ...k, backendName: 'cpu-wrong-relu', kernelFunc: k.kernelName === 'Relu' ? tf.getKernel('Elu', 'cpu')!.kernelFunc : k.kernelFunc });
}

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('checkBackend', () => {
  it('names the case a wrong kernel breaks', async () => {
    await expect(checkBackend('cpu-wrong-relu')).rejects.toThrow(/checkBackend\('cpu-wrong-relu'\): relu, sigmoid, tanh, exp, log1p differs from cpu by/);
  });

  it('catches through the training run what no case covers, after every case passed', async () => {
    const cases = defaultBackendCases().filter((c) => !/relu/.test(c.label));
    await expect(checkBackend('cpu-wrong-relu', { cases })).rejects.toThrow(/the training run's losses differ from cpu by/);
  });
});

describe('profileKernels', () => {
  it('sums time per kernel name, with call counts and shares adding up to 1', async () => {
    await tf.setBackend('cpu');
    const a = tf.ones([20, 20]);
    const rows = await profileKernels(async () => {
      tf.dispose([tf.matMul(a, a), tf.matMul(a, a), tf.add(a, a)]);
    });
    expect(rows.find((r) => r.name === 'BatchMatMul')?.calls).toBe(2);
    expect(rows.find((r) => r.name === 'Add')?.calls).toBe(1);
    expect(rows.reduce((s, r) => s + r.share, 0)).toBeCloseTo(1, 6);
    a.dispose();
  });
});
