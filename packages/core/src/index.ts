/**
 * @tikhonov/core — a small TensorFlow.js trainer with a closed, typed plugin
 * contract. Importing it registers tfjs's gradients (see register-gradients).
 */
import './register-gradients.js';

export * as nn from './nn/index.js';
export * as dataset from './data/index.js';
export type { Dataset, Batch, Targets, Standardizer } from './data/dataset.js';
export { BuiltModel, type ForwardHooks, type ModuleInfo } from './nn/model.js';
export type { DenseCall, ParamInfo, ParamRole, Site, SiteKind, ModelOutput, Shape, OutputShape } from './nn/types.js';
export { matchesParam, matchesSite, selectOrThrow, selectSitesOrThrow, describeSelector, type ParamSelector, type SiteSelector } from './nn/select.js';
export type { Module, InitScope, ForwardScope, ParamSpec } from './nn/module.js';
export {
  Trainer,
  type TrainerOptions,
  type FitOptions,
  type InferenceOptions,
  type PredictOptions,
} from './trainer.js';
export {
  API_VERSION,
  MODES,
  AFTER_STEP_KINDS,
  HOOKS,
  HOOK_TABLE,
  Order,
  type Plugin,
  type Mode,
  type AfterStepKind,
  type DispatchKind,
  type ForwardPass,
  type SiteActivation,
  type HookName,
  type FitContext,
  type StepContext,
  type PredictContext,
  type ParamTable,
  type Metrics,
  type PluginState,
  type Predict,
} from './plugin.js';
export { registerPlugins, hookTable, describeHooks, modesOf, type HookTable } from './plugin-registry.js';
export { definePlugin, type PluginDefinition, type PluginFactory, type PluginHooks } from './define-plugin.js';
export { History, type HistoryRecord } from './history.js';
export {
  meanSquaredError,
  softmaxCrossEntropy,
  sigmoidCrossEntropy,
  targetDistribution,
  lossNames,
  type LossName,
  type LossFn,
  type LossSpec,
  type WeightedLoss,
} from './losses.js';
export { accuracyOf, metricMode } from './metrics.js';
export { confusionMatrix, type MetricName, type MetricSpec } from './metric-specs.js';
export * as schedules from './schedules.js';
export { clipGradients, type ClipGradientsOptions } from './plugins/clip-gradients.js';
export { lrFind, type LrFindOptions, type LrFindResult } from './lr-find.js';
export { reduceOnPlateau, type ReduceOnPlateauOptions } from './plugins/reduce-on-plateau.js';
export type { LearningRateSchedule, CyclePosition } from './schedules.js';
export { createOptimizer, optimizerNames, learningRateOf, setLearningRate, scheduleOf, type OptimizerName, type OptimizerSpec } from './optimizers.js';
export { deriveSeed, HostRandom, RandomStream, hostRandomFill, registerRandomFill, type RandomFill } from './random.js';
export { zigguratTables } from './rng-kernels.js';
export { columnNorms, FUSED_KERNELS, lerp, projectMaxNorm, scaleIntoBall } from './fused-ops.js';
export { FUSED_LOSS_KERNELS } from './fused-loss.js';
export { FUSED_DENSE_KERNEL, type FusedDenseActivation } from './fused-dense.js';
export { FUSED_CONV_KERNEL, type FusedConvActivation } from './fused-conv.js';
export { BIAS_ACTIVATION_GRAD_KERNEL } from './fused-bias-grad.js';
export { FusedAdamOptimizer } from './fused-adam.js';
export { FusedMomentumOptimizer } from './fused-momentum.js';
export { FusedSgdOptimizer } from './fused-sgd.js';
export { validateOptions, schemas, paramSelectorSchema, siteSelectorSchema, z } from './options.js';
export {
  TikhonovError,
  OptionError,
  ModelError,
  DataError,
  PluginContractError,
  PluginError,
  TrainingDivergedError,
  CheckpointError,
  BackendError,
  describeValue,
} from './errors.js';
export { exportCheckpoint, importCheckpoint, CHECKPOINT_FORMAT, type CheckpointData, type CheckpointTarget } from './checkpoint.js';
export { checkpointToBytes, checkpointFromBytes } from './checkpoint-bytes.js';
export { learningCurvesSvg, type CurveSeries } from './report/learning-curves.js';
export { modelSummary } from './report/summary.js';
export { downsampleCurve, type CurvePoint } from './report/downsample.js';
