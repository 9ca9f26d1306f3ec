/** @tikhonov/datasets — embedded real data sets, seeded synthetic tasks, IDX files, splits. In browsers the `browser` export condition gives the same API without the file-system loaders. */
export { loadDigits, loadBreastCancer, loadDiabetes, type LabelledData } from './embedded.js';
export { linearRegression, polynomialRegression, gaussianBlobs, twoMoons, normals, type LinearTask, type PolynomialTask } from './synthetic.js';
export { parseIdx, readIdx, loadMnistFormat, FASHION_MNIST_DEFAULT_DIR, FASHION_MNIST_CLASSES, type IdxArray } from './idx.js';
export { trainValidationTest, type Splits } from './splits.js';
