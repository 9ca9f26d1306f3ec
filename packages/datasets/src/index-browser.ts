/** @tikhonov/datasets for browsers: the same API but the file-system loaders (readIdx, loadMnistFormat), which are Node only. */
export { loadDigits, loadBreastCancer, loadDiabetes, type LabelledData } from './embedded.js';
export { linearRegression, polynomialRegression, gaussianBlobs, twoMoons, normals, type LinearTask, type PolynomialTask } from './synthetic.js';
export { parseIdx, FASHION_MNIST_CLASSES, type IdxArray } from './idx-format.js';
export { trainValidationTest, type Splits } from './splits.js';
