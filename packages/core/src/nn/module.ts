import * as tf from '@tensorflow/tfjs-core';
import type { InitializerName } from './init.js';
import type { ModelOutput, OutputShape, ParamRole, Shape, SiteKind } from './types.js';
import type { RandomStream } from '../random.js';
import { ModelError } from '../errors.js';

/** How a module declares a parameter while the model is built. */
export interface ParamSpec {
  readonly shape: readonly number[];
  readonly role: ParamRole;
  readonly init: InitializerName;
  /** Axes of one unit's incoming weights; default: all axes but the last. */
  readonly fanInAxes?: readonly number[];
  /** Default true; `state` params (batch-norm statistics) are never trained. */
  readonly trainable?: boolean;
}

/** Handed to {@link Module.init}: declares params and sites, builds children. */
export interface InitScope {
  /** Declares (first use) or checks (shared module, later uses) a param of `module`. */
  param(module: Module, localName: string, spec: ParamSpec): void;
  /** Declares a site emitted by `module`. */
  site(module: Module, kind: SiteKind): void;
  /** Builds a child module on an input shape and returns its output shape. */
  build(child: Module, inputShape: OutputShape): OutputShape;
  /** The unique name this model gave to `module`. */
  nameOf(module: Module): string;
}

/** Handed to {@link Module.apply}: reads params and passes activations through plugins. */
export interface ForwardScope {
  /** Training (true) or inference (false). */
  readonly training: boolean;
  /**
   * The pass's mode: `'train'`, `'sample'` (a sampled prediction: stochastic layers draw, as in training) or
   * `'infer'` (deterministic inference).
   */
  readonly mode: 'train' | 'sample' | 'infer';
  /**
   * The seeded random stream of `module` in this pass (fresh each step and each predict call, so a stochastic
   * layer repeats under the trainer's seed). Throws outside a trainer's pass.
   */
  random(module: Module): RandomStream;
  /** The value of a param for this forward pass, after every `transformParam`. */
  param(module: Module, localName: string): tf.Tensor;
  /**
   * Present when plugins wrap dense products (`transformDense`) in this pass:
   * runs the product x·W + b of a dense `module` on `input`, which `product()`
   * computes from its params, through them. The layer applies its activation
   * to the result.
   */
  readonly dense?: (module: Module, input: tf.Tensor, product: () => tf.Tensor) => tf.Tensor;
  /** Passes an activation through every `transformActivation` of the site `module` emits. */
  site(module: Module, h: tf.Tensor, kind?: SiteKind): tf.Tensor;
  /** Runs a child module. */
  apply(child: Module, x: ModelOutput): ModelOutput;
  /** Schedules a new value for a `state` param, written after the optimizer step. */
  updateState(module: Module, localName: string, value: tf.Tensor): void;
  /**
   * Reports the batch moments a normalisation layer computed in training
   * mode, with the `state` params they feed (its moving mean and variance),
   * so the statistics can be recomputed for other weights
   * ({@link batchNormStatistics}, SWA's update_bn). A no-op in ordinary passes.
   */
  observeMoments(module: Module, names: { mean: string; variance: string }, moments: { mean: tf.Tensor; variance: tf.Tensor; count: number }): void;
}

/**
 * A layer or a composition of layers. Modules are descriptions: the params
 * live in the built model, keyed by module identity, so using one module
 * object twice shares its params (seed §7.8) and one module can be built into
 * several models.
 */
export interface Module {
  /** Kind used for automatic names (`dense` → `dense_1`, `dense_2`, ...). */
  readonly kind: string;
  /** Optional fixed name; must be unique within a model. */
  readonly name?: string;
  /** True if the module's output is a natural site (layers with an activation, activation modules). */
  readonly emitsSite?: boolean;
  /** The options it was made with, resolved (the built-in layers set it), for exports such as `toLayersModel`. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Declares params for the given input shape and returns the output shape. */
  init(inputShape: OutputShape, scope: InitScope): OutputShape;
  /** Computes the output. */
  apply(x: ModelOutput, scope: ForwardScope): ModelOutput;
}

/** Narrows a module input to a single tensor, with a clear error otherwise. */
export function single(x: ModelOutput, who: string): tf.Tensor {
  if (isRecord(x)) throw new ModelError(`${who} expects one tensor, got a record of outputs (${Object.keys(x).join(', ')})`);
  return x;
}

/** Narrows a shape to one shape. */
export function singleShape(s: OutputShape, who: string): Shape {
  if (!Array.isArray(s)) throw new ModelError(`${who} expects one input, got named inputs (${Object.keys(s).join(', ')})`);
  return s as Shape;
}

/** True for a record of named outputs. */
export function isRecord(x: ModelOutput): x is Record<string, tf.Tensor> {
  return !(x instanceof tf.Tensor);
}
