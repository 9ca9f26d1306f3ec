/** What the page asks the worker: a run of both nets with these regularizers. */
export interface StartMessage {
  type: 'start';
  plugins: Array<'l2' | 'maxNorm' | 'dropout' | 'inputNoise' | 'affine' | 'earlyStopping'>;
  epochs: number;
}

/** What the worker tells the page. */
export type WorkerMessage =
  | { type: 'ready'; backend: string; train: number; validation: number }
  | { type: 'epoch'; run: 'plain' | 'regularized'; epoch: number; loss: number; validationLoss: number; validationAccuracy: number }
  | { type: 'done'; run: 'plain' | 'regularized'; testAccuracy: number; stop: string; weights: FirstLayer; plugins: string[] }
  | { type: 'error'; message: string };

/** The first layer's incoming weights of a few hidden units (each an 8×8 image over the digit's pixels) and the largest unit norm of the layer. */
export interface FirstLayer {
  units: number[][];
  largestNorm: number;
}
