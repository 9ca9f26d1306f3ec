import type * as tf from '@tensorflow/tfjs-core';

/** Shape of one example (no batch axis). */
export type Shape = readonly number[];

/** What a parameter is for; norm penalties select by role (weights, never biases, by default). */
export type ParamRole = 'weight' | 'bias' | 'scale' | 'state';

/** Where an activation sits: the model input, a hidden layer's output, or a model output. */
export type SiteKind = 'input' | 'hidden' | 'output';

/** A named point in the forward pass whose activation plugins may transform (dropout, hidden noise, activity penalties). */
export interface Site {
  /** The emitting module's name, e.g. `dense_1`, or `input`, or an output's name. */
  readonly name: string;
  readonly kind: SiteKind;
}

/** A named parameter of a built model. */
export interface ParamInfo {
  /** Unique name within the model, e.g. `dense_1/kernel`. */
  readonly name: string;
  readonly role: ParamRole;
  /** False for `state` params and for params frozen with `trainer.freeze`. */
  readonly trainable: boolean;
  readonly shape: readonly number[];
  /** Axes that hold one unit's incoming weights (reduce over these for per-unit max-norm). */
  readonly fanInAxes: readonly number[];
  /** The storage. Read it under the tape to have gradients flow to this param. */
  readonly variable: tf.Variable;
}

/**
 * A dense layer's affine product x·W + b in a forward pass, as a plugin's
 * `transformDense` sees it (layers with a rank-2 input).
 */
export interface DenseCall {
  /** The layer's module name; its params are `<layer>/kernel` and `<layer>/bias`. */
  readonly layer: string;
  /** The layer's input, [batch, in]. */
  readonly input: tf.Tensor;
  /** W, [in, units]. */
  readonly kernel: ParamInfo;
  /** b, [units], when the layer has one. */
  readonly bias: ParamInfo | undefined;
}

/** What a model returns: one tensor, or a record of named outputs (multi-task). */
export type ModelOutput = tf.Tensor | Record<string, tf.Tensor>;

/** Output shape(s) a module reports at build time. */
export type OutputShape = Shape | Record<string, Shape>;
