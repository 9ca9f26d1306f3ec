import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { OptionError } from '../errors.js';
import { activationNames, type ActivationName } from '../nn/activations.js';
import * as nn from '../nn/index.js';
import type { Module } from '../nn/module.js';
import type { OutputShape } from '../nn/types.js';
import type { Trainer } from '../trainer.js';
import type { RandomStream } from '../random.js';

/** Options of {@link fromLayersModel}. */
export interface FromLayersModelOptions {
  /**
   * What to do with a final softmax. Tikhonov's cross-entropies take logits, so
   * `'refuse'` (default) says so; `'as-logits'` drops the last layer's softmax
   * (the trainer's loss applies it; `trainer.predict` returns logits).
   */
  finalSoftmax?: 'refuse' | 'as-logits';
}

type Config = Record<string, unknown>;
const first = (v: unknown): number => (Array.isArray(v) ? (v[0] as number) : (v as number));
const square = (owner: string, option: string, v: unknown): number => {
  if (Array.isArray(v) && v.length === 2 && v[0] !== v[1]) throw new OptionError(owner, option, v, 'must be square (the same size both ways) to be converted');
  return first(v);
};

/** The activation name in Tikhonov's spelling, or an error naming the layer. */
function activationOf(layer: string, value: unknown): ActivationName {
  const name = (value === 'leakyrelu' ? 'leakyRelu' : value ?? 'linear') as ActivationName;
  if (!activationNames.includes(name)) throw new OptionError(`layer '${layer}'`, 'activation', value, `must be one of ${activationNames.join(', ')} to be converted`);
  return name;
}

/**
 * A layer that perturbs its input in training and in sampled predictions and
 * is the identity at inference (Keras' Dropout, GaussianNoise), drawing from
 * the trainer's seeded stream.
 */
function trainingNoise(kind: string, name: string, config: Record<string, number>, perturb: ((h: tf.Tensor, random: RandomStream) => tf.Tensor) | undefined): Module {
  const self: Module = {
    kind,
    name,
    config,
    init: (shape) => shape,
    apply: (x, scope) => (scope.mode === 'infer' || !perturb ? x : perturb(x as tf.Tensor, scope.random(self))),
  };
  return self;
}

/** Keras' Dropout (inverted: kept units ÷ (1 − rate)). */
const dropoutLayer = (rate: number, name: string) =>
  trainingNoise('dropout', name, { rate }, rate === 0 ? undefined : (h, random) => tf.mul(h, tf.div(random.bernoulli(h.shape, 1 - rate), 1 - rate)));
/** Keras' GaussianNoise: x + N(0, σ²). */
const gaussianNoiseLayer = (stddev: number, name: string) => trainingNoise('gaussianNoise', name, { stddev }, stddev === 0 ? undefined : (h, random) => tf.add(h, random.normal(h.shape, 0, stddev)));

/** The weights of a layer with params, by Tikhonov's local names, in tfjs-layers' order (a layer without bias has the first only). */
export const LAYER_WEIGHTS: Readonly<Record<string, readonly string[]>> = { Dense: ['kernel', 'bias'], Conv2D: ['kernel', 'bias'], BatchNormalization: ['gamma', 'beta', 'movingMean', 'movingVariance'] };

/** A layer's current weights as preset values for its module. */
function presetFrom(kind: string, weights: tf.Tensor[]): Record<string, tf.Tensor> {
  return Object.fromEntries(weights.map((w, i) => [LAYER_WEIGHTS[kind]![i]!, w]));
}

/** One tfjs-layers layer as a Tikhonov module (named as the layer, its params preset to the layer's weights), or undefined for an input layer. */
function convert(layer: { name: string; getClassName(): string; getConfig(): Config; getWeights(): tf.Tensor[] }, isLast: boolean, options: FromLayersModelOptions): Module | undefined {
  const kind = layer.getClassName();
  const c = layer.getConfig();
  const name = layer.name;
  const owner = `layer '${name}' (${kind})`;
  const w = layer.getWeights();
  // what tfjs-layers would add to the training step, and which Tikhonov plugin does it instead: refuse rather than drop
  const instead: Record<string, string> = {
    kernelRegularizer: "l2/l1 from @tikhonov/norm-penalties with select: { names: ['<layer>/kernel'] }",
    biasRegularizer: "l2/l1 from @tikhonov/norm-penalties with select: { names: ['<layer>/bias'] }",
    activityRegularizer: "activityL1/activityL2 from @tikhonov/norm-penalties with sites: { names: ['<layer>'] }",
    kernelConstraint: "maxNorm/unitNorm/nonNeg from @tikhonov/norm-penalties with select: { names: ['<layer>/kernel'] }",
    biasConstraint: "a constraint plugin from @tikhonov/norm-penalties with select: { names: ['<layer>/bias'] }",
  };
  for (const [option, plugin] of Object.entries(instead)) {
    if (c[option] != null) throw new OptionError(owner, option, (c[option] as Config).className ?? c[option], `is not converted: remove it from the layer and add ${plugin.replaceAll('<layer>', name)}`);
  }
  const act = () => {
    const a = activationOf(name, c.activation);
    if (a !== 'softmax' || !isLast) return a;
    if ((options.finalSoftmax ?? 'refuse') === 'as-logits') return 'linear';
    throw new OptionError('fromLayersModel', 'finalSoftmax', 'refuse', `${owner} ends in softmax, but Tikhonov's cross-entropy losses take logits: pass { finalSoftmax: 'as-logits' } to train on its logits (predict then returns logits), or build the layer with activation 'linear'`);
  };
  switch (kind) {
    case 'InputLayer':
      return undefined;
    case 'Dense': {
      const useBias = c.useBias !== false;
      return nn.withParams(nn.dense(c.units as number, { activation: act(), useBias, name }), presetFrom(kind, w));
    }
    case 'Conv2D': {
      if (c.dataFormat && c.dataFormat !== 'channelsLast') throw new OptionError(owner, 'dataFormat', c.dataFormat, "must be 'channelsLast' (NHWC) to be converted");
      const useBias = c.useBias !== false;
      const conv = nn.conv2d(c.filters as number, square(owner, 'kernelSize', c.kernelSize), { strides: square(owner, 'strides', c.strides ?? 1), padding: (c.padding as 'same' | 'valid') ?? 'valid', dilation: square(owner, 'dilationRate', c.dilationRate ?? 1), activation: act(), useBias, name });
      return nn.withParams(conv, presetFrom(kind, w));
    }
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const size = square(owner, 'poolSize', c.poolSize ?? 2);
      const pool = kind === 'MaxPooling2D' ? nn.maxPool2d : nn.avgPool2d;
      return pool(size, { strides: square(owner, 'strides', c.strides ?? size), padding: (c.padding as 'same' | 'valid') ?? 'valid', name });
    }
    case 'Flatten':
      return nn.flatten({ name });
    case 'Activation':
      return nn.activation(act(), { name });
    case 'Dropout':
      return dropoutLayer(c.rate as number, name);
    case 'GaussianNoise':
      return gaussianNoiseLayer(c.stddev as number, name);
    case 'BatchNormalization': {
      if (c.axis !== undefined && c.axis !== -1) throw new OptionError(owner, 'axis', c.axis, 'must be -1 (the last axis) to be converted');
      if (c.center === false || c.scale === false) throw new OptionError(owner, c.center === false ? 'center' : 'scale', false, 'must be true to be converted');
      return nn.withParams(nn.batchNorm({ momentum: c.momentum as number, epsilon: c.epsilon as number, name }), presetFrom(kind, w));
    }
    default:
      throw new OptionError('fromLayersModel', 'model', `${owner}`, 'must hold only InputLayer, Dense, Conv2D, MaxPooling2D, AveragePooling2D, Flatten, Activation, Dropout, GaussianNoise and BatchNormalization layers (and Add, Concatenate in functional models) (others are not converted yet)');
  }
}

/** A layer of a functional model: its module (or a merge), and the layers whose outputs it reads. */
interface GraphNode {
  readonly name: string;
  readonly module?: Module;
  readonly merge?: 'Add' | 'Concatenate';
  readonly inputs: readonly string[];
}

/**
 * The layers of a functional model run in tfjs-layers' order (topological),
 * each on the outputs of its inbound layers; Add and Concatenate merge them.
 * Every emitting layer that is not an output is a `hidden` site; one output is
 * the model's output, several are a record by layer name (multi-head).
 */
function graph(nodes: readonly GraphNode[], input: string, outputs: readonly string[]): Module {
  const self: Module = {
    kind: 'layersGraph',
    init(inputShape, scope) {
      const shapes = new Map<string, OutputShape>([[input, inputShape]]);
      for (const node of nodes) {
        const ins = node.inputs.map((n) => shapes.get(n) as number[]);
        let shape: OutputShape;
        if (node.module) {
          shape = scope.build(node.module, ins[0]!);
          if (node.module.emitsSite && !outputs.includes(node.name)) scope.site(node.module, 'hidden');
        } else if (node.merge === 'Add') shape = ins[0]!;
        else shape = [...ins[0]!.slice(0, -1), ins.reduce((s, v) => s + v[v.length - 1]!, 0)];
        shapes.set(node.name, shape);
      }
      return outputs.length === 1 ? shapes.get(outputs[0]!)! : (Object.fromEntries(outputs.map((o) => [o, shapes.get(o) as number[]])) as OutputShape);
    },
    apply(x, scope) {
      const values = new Map<string, tf.Tensor>([[input, x as tf.Tensor]]);
      for (const node of nodes) {
        const ins = node.inputs.map((n) => values.get(n)!);
        let h: tf.Tensor;
        if (node.module) {
          h = scope.apply(node.module, ins[0]!) as tf.Tensor;
          if (node.module.emitsSite && !outputs.includes(node.name)) h = scope.site(node.module, h);
        } else h = node.merge === 'Add' ? tf.addN(ins) : tf.concat(ins, -1);
        values.set(node.name, h);
      }
      return outputs.length === 1 ? values.get(outputs[0]!)! : Object.fromEntries(outputs.map((o) => [o, values.get(o)!]));
    },
  };
  return self;
}

type AnyLayer = Parameters<typeof convert>[0] & { inboundNodes: Array<{ inboundLayers: Array<{ name: string }> }> };

/**
 * A tfjs-layers model as a Tikhonov module, so every plugin works on it: each
 * layer becomes the equivalent `nn` module, named as the layer (params
 * `layer/kernel`, `layer/bias`, …), starting from the layer's current weights;
 * Dropout and BatchNormalization keep their training-time behaviour and switch
 * it off at inference. A `tf.Sequential` becomes an `nn.sequential`; a
 * functional model (one input; Add and Concatenate merges; one output, or
 * several as named heads) becomes a graph of the same modules. Pass it as the
 * Trainer's `model`; after training, {@link writeToLayersModel} puts the
 * trained weights back, so `model.predict` and `model.save` see them.
 */
export function fromLayersModel(model: LayersModel, options: FromLayersModelOptions = {}): Module {
  const layers = model.layers as unknown as AnyLayer[];
  const outputNames = model.outputs.map((o) => o.sourceLayer.name);
  if (model.getClassName() === 'Sequential') {
    return nn.sequential(layers.flatMap((layer, i) => convert(layer, i === layers.length - 1, options) ?? []));
  }
  if (model.inputs.length !== 1) throw new OptionError('fromLayersModel', 'model', `${model.inputs.length} inputs`, 'must have one input (models with several inputs are not converted yet)');
  const input = model.inputs[0]!.sourceLayer.name;
  const nodes: GraphNode[] = [];
  for (const layer of layers) {
    if (layer.name === input) continue;
    if (layer.inboundNodes.length !== 1) throw new OptionError('fromLayersModel', 'model', `layer '${layer.name}' used ${layer.inboundNodes.length} times`, 'must use each layer once (shared layers are not converted yet)');
    const inputs = layer.inboundNodes[0]!.inboundLayers.map((l) => l.name);
    const kind = layer.getClassName();
    if (kind === 'Add' || kind === 'Concatenate') {
      if (kind === 'Concatenate' && ![undefined, -1].includes(layer.getConfig().axis as number)) throw new OptionError(`layer '${layer.name}' (Concatenate)`, 'axis', layer.getConfig().axis, 'must be -1 (the last axis) to be converted');
      nodes.push({ name: layer.name, merge: kind, inputs });
    } else nodes.push({ name: layer.name, module: convert(layer, outputNames.includes(layer.name), options), inputs });
  }
  return graph(nodes, input, outputNames);
}

/** Writes a trainer's params back into the LayersModel's layers of the same names (`layer.setWeights`). */
export function writeToLayersModel(trainer: Trainer, model: LayersModel): void {
  for (const layer of model.layers) {
    const names = LAYER_WEIGHTS[layer.getClassName()]?.slice(0, layer.weights.length);
    if (names && names.length > 0) layer.setWeights(names.map((local) => trainer.params.get(`${layer.name}/${local}`).variable));
  }
}
