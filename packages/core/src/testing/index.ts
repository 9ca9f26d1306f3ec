/** Test helpers for plugin and backend authors. */
export { checkPlugin, type CheckPluginOptions, type CheckPluginReport } from './check-plugin.js';
export { numericGradient } from './numeric-gradient.js';
export { checkBackend, defaultBackendCases, type BackendCase, type BackendReport } from './check-backend.js';
export { compareStepTimes, printStepTimes, profileKernels, printKernelTable, type KernelTimeRow, type StepBenchConfig, type StepBenchRow } from './step-bench.js';
