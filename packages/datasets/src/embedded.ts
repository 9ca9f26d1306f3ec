import * as tf from '@tensorflow/tfjs-core';
import { dataset, type Dataset } from '@tikhonov/core';
import { embeddedText } from '#embedded-text';
import { parseNumericRows } from './parse.js';

/** An embedded data set: the examples plus what they mean. */
export interface LabelledData {
  readonly data: Dataset;
  /** Class names (classification) or undefined (regression). */
  readonly classes?: readonly string[];
  readonly description: string;
}

/**
 * UCI optical digits, 8×8 (1797 examples, 10 classes). Pixels are 0..16; with
 * `normalize` (default) they are divided by 16. `imageShape: true` gives x as
 * [1797, 8, 8, 1] for convolutional models instead of [1797, 64].
 */
export function loadDigits(options: { normalize?: boolean; imageShape?: boolean } = {}): LabelledData {
  const rows = parseNumericRows(embeddedText('digits.csv.gz'), /,/);
  const scale = options.normalize === false ? 1 : 1 / 16;
  const x = new Float32Array(rows.length * 64);
  const y = new Int32Array(rows.length);
  rows.forEach((row, i) => {
    for (let j = 0; j < 64; j++) x[i * 64 + j] = row[j]! * scale;
    y[i] = row[64]!;
  });
  const shape = options.imageShape ? [rows.length, 8, 8, 1] : [rows.length, 64];
  return {
    data: dataset.fromTensors(tf.tensor(x, shape), tf.tensor1d(y, 'int32')),
    classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    description: 'UCI optical recognition of handwritten digits, 8×8 test set (Alpaydin 1998)',
  };
}

/** Wisconsin diagnostic breast cancer: 569 examples, 30 real features, classes malignant (0) and benign (1). */
export function loadBreastCancer(): LabelledData {
  const [header, ...rows] = embeddedText('breast_cancer.csv.gz').trim().split('\n');
  const classes = header!.split(',').slice(2).map((s) => s.trim());
  const parsed = parseNumericRows(rows.join('\n'), /,/);
  const x = tf.tensor2d(parsed.map((r) => r.slice(0, 30)));
  const y = tf.tensor1d(parsed.map((r) => r[30]!), 'int32');
  return { data: dataset.fromTensors(x, y), classes, description: 'Breast Cancer Wisconsin (Diagnostic), Wolberg, Street & Mangasarian' };
}

/**
 * Diabetes (Efron et al. 2004): 442 patients, 10 baseline variables (raw
 * units: age, sex, BMI, blood pressure, six serum measurements), target a
 * measure of disease progression one year later. A regression task.
 */
export function loadDiabetes(): LabelledData {
  const features = parseNumericRows(embeddedText('diabetes_data_raw.csv.gz'), /\s+/);
  const target = parseNumericRows(embeddedText('diabetes_target.csv.gz'), /\s+/).map((r) => r[0]!);
  return {
    data: dataset.fromTensors(tf.tensor2d(features), tf.tensor2d(target, [target.length, 1])),
    description: 'Diabetes data of Efron, Hastie, Johnstone & Tibshirani (2004), raw features',
  };
}
