// Shared by the test files: whether the addon loaded (without OpenBLAS at
// build time there is none: the tests say so and skip; CI installs it), and
// a return to the cpu backend after each file.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll } from 'vitest';
import { loadAddon } from '@tikhonov/backend-native';

/** Why the addon did not load, or undefined when it did. */
export let unavailable: string | undefined;
try {
  loadAddon();
} catch (error) {
  unavailable = (error as Error).message;
  console.warn(`skipping @tikhonov/backend-native tests: ${unavailable}`);
}

afterAll(async () => {
  await tf.setBackend('cpu');
});
