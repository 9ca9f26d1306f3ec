/** @tikhonov/sweep — hyperparameter search over regularizers: spaces, strategies (grid, random, successive halving, ASHA), runners (inline, worker threads, BullMQ on Redis). */
export { choice, range, logRange, intRange, when, gridOf, sampleOf, checkSpace, type Space, type Dimension, type Choice, type Range, type Conditional, type Params, type ParamValue } from './space.js';
export { grid, random, successiveHalving, asha, rank, rungBudgets, type Strategy, type StrategyContext, type HalvingOptions } from './strategies.js';
export { search, RESULTS_FORMAT, type SearchOptions, type SearchResult } from './search.js';
export { inline, CodeVersionError, type Runner } from './runner.js';
export { local, type LocalOptions } from './local.js';
export { DATA_NAMES } from './trial.js';
export type { Trial, TrialResult, TrialIdentity, TrialFit, DataRef, Objective, TrialModule } from './trial.js';
export { bullmq, RedisUnavailableError, SweepCancelledError, type BullmqOptions, type BullmqRunner } from './bullmq-runner.js';
export { startWorker, type QueueWorker, type QueueWorkerOptions } from './queue-worker.js';
export { checkpointKey } from './trial-checkpoints.js';
export { members, type MembersOptions, type MembersRunner, type MemberJob } from './members.js';
export type { RedisConnection } from './redis-connection.js';
export { LocalRedis, redisServerMissing, startWorkerProcess, stopProcess, type WorkerProcessOptions } from './local-processes.js';
