import { dataset, schemas, validateOptions, z, type Dataset, type History, type Plugin, type Trainer } from '@tikhonov/core';
import { earlyStopping, type EarlyStoppingOptions, type EarlyStoppingReport } from './early-stopping.js';

/** Builds a fresh trainer (fresh, seeded initial params) with extra plugins appended. */
export type TrainerFactory = (extraPlugins: Plugin[]) => Trainer;

/** Shared options of Algorithms 7.2 and 7.3. */
export interface SplitRunOptions {
  /** All the training data; it is split into subtrain and valid. */
  train: Dataset;
  /** Fraction held out as the validation split. Default 0.2. */
  validationFraction?: number;
  /** Seed of the split. Default 0. */
  seed?: number;
  batchSize?: number;
  /** Upper bound on epochs of the early-stopped run. */
  maxEpochs: number;
  /** Validation cadence of the early-stopped run (the seed's n). Default every epoch. */
  every?: 'epoch' | { steps: number };
  earlyStopping?: EarlyStoppingOptions;
}

const splitSchema = {
  train: z.custom<Dataset>((d) => !!d && typeof (d as Dataset).size === 'number', { message: 'must be a data set' }),
  validationFraction: z.number().gt(0).lt(1, { message: 'must be in (0, 1)' }).optional(),
  seed: schemas.seed.optional(),
  batchSize: schemas.positiveInt.optional(),
  maxEpochs: schemas.positiveInt,
  every: z.union([z.literal('epoch'), z.object({ steps: schemas.positiveInt })]).optional(),
  earlyStopping: z.any().optional(),
};

/** The early-stopped run on subtrain/valid; `disable` names plugins that sit this fit out. */
async function earlyStoppedRun(create: TrainerFactory, options: SplitRunOptions, disable: string[] = []) {
  const [subtrain, valid] = dataset.split(options.train, [1 - (options.validationFraction ?? 0.2), options.validationFraction ?? 0.2], options.seed ?? 0);
  const trainer = create([earlyStopping({ ...options.earlyStopping, name: 'earlyStopping' })]);
  const history = await trainer.fit(subtrain!, { epochs: options.maxEpochs, batchSize: options.batchSize, validation: { data: valid!, every: options.every }, disable });
  const report = history.notes.earlyStopping as EarlyStoppingReport;
  return { trainer, history, report, subtrain: subtrain!, valid: valid! };
}

/** Result of {@link retrainOnAll}. */
export interface RetrainResult {
  /** The early-stopped run on the subtrain split: i*, best value, why it stopped. */
  firstRun: EarlyStoppingReport & { history: History };
  /** What the second run trained for. */
  retrained: { steps: number; epochs: number };
  /** The trainer trained on all the data (yours to dispose). */
  trainer: Trainer;
}

/**
 * Algorithm 7.2: split the training data into subtrain and valid, run early
 * stopping to find i*, then train a freshly initialised model on all the data
 * for the same number of steps (`'steps'`) or the same number of epochs
 * (`'epochs'`, default). The seed's advice: retrain for the same number of
 * epochs when overfitting is the concern, the same number of updates when
 * optimisation is.
 */
export async function retrainOnAll(create: TrainerFactory, options: SplitRunOptions & { repeat?: 'epochs' | 'steps' }): Promise<RetrainResult> {
  const opts = validateOptions('retrainOnAll', z.object({ ...splitSchema, repeat: z.enum(['epochs', 'steps']).optional() }).strict(), options) as SplitRunOptions & { repeat?: 'epochs' | 'steps' };
  const first = await earlyStoppedRun(create, opts);
  first.trainer.dispose();
  if (first.report.bestStep === undefined) throw new Error('retrainOnAll: the early-stopped run never improved on its baseline, so there is no i* to retrain for');
  const batchSize = opts.batchSize ?? 32;
  const bestEpochs = Math.max(1, Math.round(first.report.bestStep / Math.ceil(first.subtrain.size / batchSize)));
  const trainer = create([]);
  const repeat = opts.repeat ?? 'epochs';
  if (repeat === 'steps') {
    const perEpoch = Math.ceil(opts.train.size / batchSize);
    await trainer.fit(opts.train, { epochs: Math.ceil(first.report.bestStep / perEpoch), batchSize, maxSteps: first.report.bestStep });
  } else {
    await trainer.fit(opts.train, { epochs: bestEpochs, batchSize });
  }
  return { firstRun: { ...first.report, history: first.history }, retrained: { steps: trainer.step, epochs: trainer.epoch }, trainer };
}

/** Result of {@link continueUntil}. */
export interface ContinueResult {
  firstRun: EarlyStoppingReport & { history: History };
  /** ε: the training loss on subtrain when early stopping halted. */
  target: number;
  /** Whether the validation loss fell below ε within the budget. */
  reached: boolean;
  /** Steps of the continued training (≤ maxSteps). */
  continuedSteps: number;
  finalValidationLoss: number;
  trainer: Trainer;
}

/**
 * Algorithm 7.3: run early stopping on subtrain/valid, keep θ, record
 * ε = J(θ, subtrain), then continue training on all the data, checking the
 * validation loss every `checkEvery` steps, until it falls below ε. The seed
 * warns this may never happen, so `maxSteps` (required) bounds the continued
 * training and the result says whether ε was reached.
 */
export async function continueUntil(create: TrainerFactory, options: SplitRunOptions & { maxSteps: number; checkEvery?: number }): Promise<ContinueResult> {
  const opts = validateOptions(
    'continueUntil',
    z.object({ ...splitSchema, maxSteps: schemas.positiveInt, checkEvery: schemas.positiveInt.optional() }).strict(),
    options,
  ) as SplitRunOptions & { maxSteps: number; checkEvery?: number };
  // Watches only the continued training (phase 2): disabled for the early-stopped run.
  let target: number | undefined;
  const watcher: Plugin = {
    name: 'continueUntil',
    apiVersion: 2,
    afterEvaluate(metrics, ctx) {
      if (metrics['val.loss']! < target!) ctx.requestStop(`validation loss ${metrics['val.loss']} fell below the target ε = ${target}`);
    },
  };
  const first = await earlyStoppedRun((extra) => create([...extra, watcher]), opts, [watcher.name]);
  const { trainer } = first;
  const epsilon = (await trainer.evaluate(first.subtrain)).loss!;
  target = epsilon;
  const before = trainer.step;
  const batchSize = opts.batchSize ?? 32;
  const perEpoch = Math.ceil(opts.train.size / batchSize);
  await trainer.fit(opts.train, {
    epochs: trainer.epoch + Math.ceil(opts.maxSteps / perEpoch) + 1,
    batchSize,
    maxSteps: before + opts.maxSteps,
    validation: { data: first.valid, every: { steps: opts.checkEvery ?? perEpoch } },
    // early stopping governed the first run only; the continued training has its own rule
    disable: ['earlyStopping'],
  });
  const finalValidationLoss = (await trainer.evaluate(first.valid)).loss!;
  return {
    firstRun: { ...first.report, history: first.history },
    target: target!,
    reached: finalValidationLoss < target!,
    continuedSteps: trainer.step - before,
    finalValidationLoss,
    trainer,
  };
}
