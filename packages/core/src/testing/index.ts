/** Test helpers for plugin and backend authors. */
export { checkPlugin, type CheckPluginOptions, type CheckPluginReport } from './check-plugin.js';
export { numericGradient } from './numeric-gradient.js';
export { checkBackend, defaultBackendCases, type BackendCase, type BackendReport } from './check-backend.js';
export { BENCH_MODELS, compareStepTimes, printStepTimes, profileKernels, printKernelTable, timeSteps, type BenchModel, type KernelTimeRow, type StepBenchConfig, type StepBenchRow } from './step-bench.js';
export { compareTrainerOverhead, printTrainerOverhead, type OverheadReport, type OverheadRow } from './trainer-overhead.js';
export { browserBundle } from './browser-bundle.js';
export { checkMaxNormProjection, type MaxNormReport } from './check-max-norm.js';
export { checkFusedOptimizer, type FusedOptimizerReport } from './check-fused-optimizer.js';
export { compareFusedOptimizer, compareFusedOptimizers, type FusedComparison } from './fused-updates-bench.js';
export { checkFactories, type CheckFactoriesOptions, type FactoryCase } from './check-factories.js';
