/** Base class of every error Tikhonov throws on purpose. */
export class TikhonovError extends Error {
  override name = 'TikhonovError';
}

/** An option or argument was given a value that is not allowed. */
export class OptionError extends TikhonovError {
  override name = 'OptionError';
  constructor(
    /** Who owns the option, e.g. `Trainer` or the plugin's name. */
    readonly owner: string,
    /** Dotted path of the option, e.g. `validation.every`. */
    readonly option: string,
    /** The value that was given. */
    readonly value: unknown,
    /** What is allowed instead. */
    readonly allowed: string,
  ) {
    super(`${owner}: option '${option}' = ${describeValue(value)} is not allowed; ${allowed}`);
  }
}

/** A model is built or used wrongly: a layer on inputs of the wrong shape, two modules of one name, a param that is not there. */
export class ModelError extends TikhonovError {
  override name = 'ModelError';
}

/** Data handed to the trainer does not fit the model or is malformed. */
export class DataError extends TikhonovError {
  override name = 'DataError';
}

/** A plugin object breaks the contract (unknown hook, missing name, ...). */
export class PluginContractError extends TikhonovError {
  override name = 'PluginContractError';
}

/** A hook threw. Raised after every plugin's `onError` has run. */
export class PluginError extends TikhonovError {
  override name = 'PluginError';
  constructor(
    /** Name of the plugin whose hook threw. */
    readonly plugin: string,
    /** The hook that threw, e.g. `penalty`. */
    readonly hook: string,
    /** What the hook threw. */
    override readonly cause: unknown,
  ) {
    super(`plugin '${plugin}' failed in ${hook}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** The training loss became NaN or infinite. */
export class TrainingDivergedError extends TikhonovError {
  override name = 'TrainingDivergedError';
  constructor(
    /** The first step (1-based, counted over the trainer's life) whose loss was not finite. */
    readonly step: number,
    /** The step whose parameters were put back (the last check with a finite loss). */
    readonly restoredStep: number,
  ) {
    super(
      `training diverged: the loss at step ${step} is not finite (NaN or ±Infinity); ` +
        `parameters were restored to those after step ${restoredStep}, the last finite check`,
    );
  }
}

/** A checkpoint is missing, truncated, corrupt or belongs to another model. */
export class CheckpointError extends TikhonovError {
  override name = 'CheckpointError';
}

/** Short printable form of a value for error messages. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (Array.isArray(value)) return value.length > 8 ? `array of ${value.length}` : `[${value.map(describeValue).join(', ')}]`;
  if (value instanceof RegExp) return String(value);
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** No TensorFlow.js backend is registered: says which to import or start. */
export class BackendError extends TikhonovError {
  override name = 'BackendError';
}
