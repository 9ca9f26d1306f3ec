import { checkKeys } from '../options.js';
import type { Module } from './module.js';
import { isRecord, single, singleShape } from './module.js';
import type { OutputShape, Shape } from './types.js';
import { ModelError } from '../errors.js';

/**
 * Runs modules one after another. After every child that emits a site
 * (an activation, or a layer with an activation) except the last, the
 * activation passes through the plugins' `transformActivation` as a
 * `hidden` site; the model's final output is the `output` site.
 */
export function sequential(children: readonly Module[], options: { name?: string } = {}): Module {
  checkKeys('nn.sequential', options, ['name']);
  if (!Array.isArray(children) || children.length === 0) {
    throw new ModelError('nn.sequential: expects a non-empty array of modules');
  }
  children.forEach((child, i) => {
    if (!child || typeof child.init !== 'function' || typeof child.apply !== 'function') {
      throw new ModelError(`nn.sequential: element ${i} is not a module (it needs init and apply)`);
    }
  });
  const last = children.length - 1;
  const self: Module = {
    kind: 'sequential',
    name: options.name,
    config: { children },
    emitsSite: children[last]!.emitsSite ?? false,
    init(inputShape, scope) {
      let shape: OutputShape = inputShape;
      children.forEach((child, i) => {
        shape = scope.build(child, shape);
        if (child.emitsSite && i < last) scope.site(child, 'hidden');
      });
      return shape;
    },
    apply(x, scope) {
      let h = x;
      children.forEach((child, i) => {
        h = scope.apply(child, h);
        if (child.emitsSite && i < last) h = scope.site(child, single(h, 'nn.sequential'));
      });
      return h;
    },
  };
  return self;
}

/**
 * A shared trunk with named heads: the model returns `{ [head]: output }`
 * (multi-task learning, seed §7.12). Pair it with a record of losses.
 * The trunk's output is a `hidden` site.
 */
export function multiHead(trunk: Module, heads: Readonly<Record<string, Module>>, options: { name?: string } = {}): Module {
  checkKeys('nn.multiHead', options, ['name']);
  const names = Object.keys(heads);
  if (names.length === 0) throw new ModelError('nn.multiHead: expects at least one head');
  const self: Module = {
    kind: 'multiHead',
    name: options.name,
    init(inputShape, scope) {
      const trunkShape = scope.build(trunk, inputShape);
      scope.site(trunk, 'hidden');
      const out: Record<string, Shape> = {};
      for (const name of names) out[name] = singleShape(scope.build(heads[name]!, trunkShape), `head '${name}'`);
      return out;
    },
    apply(x, scope) {
      const h = scope.site(trunk, single(scope.apply(trunk, x), 'nn.multiHead trunk'));
      const out: Record<string, import('@tensorflow/tfjs-core').Tensor> = {};
      for (const name of names) {
        const y = scope.apply(heads[name]!, h);
        if (isRecord(y)) throw new ModelError(`nn.multiHead: head '${name}' must return one tensor`);
        out[name] = y;
      }
      return out;
    },
  };
  return self;
}
