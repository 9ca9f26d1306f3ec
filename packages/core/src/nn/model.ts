import * as tf from '@tensorflow/tfjs-core';
import { deriveSeed, type RandomStream } from '../random.js';
import { initialValue } from './init.js';
import { presetOf } from './preset.js';
import type { ForwardScope, InitScope, Module, ParamSpec } from './module.js';
import { isRecord } from './module.js';
import { matchesParam, type ParamSelector } from './select.js';
import type { DenseCall, ModelOutput, OutputShape, ParamInfo, Shape, Site, SiteKind } from './types.js';
import { ModelError } from '../errors.js';

let nextModelId = 0;

/** Internal mutable form of {@link ParamInfo} (only `trainable` changes, via freeze). */
interface MutableParam extends ParamInfo {
  trainable: boolean;
  /** Unique tfjs variable name (tfjs variable names are process-global). */
  readonly variableName: string;
}

/** Hooks the trainer plugs into a forward pass. */
export interface ForwardHooks {
  readonly training: boolean;
  /** The pass's mode; default `'train'` when training, else `'infer'`. */
  readonly mode?: 'train' | 'sample' | 'infer';
  /** The random stream of a module (by name) in this pass; absent outside a trainer's pass. */
  random?(moduleName: string): RandomStream;
  transformParam?(p: ParamInfo, value: tf.Tensor): tf.Tensor;
  transformActivation?(site: Site, h: tf.Tensor): tf.Tensor;
  /** Wraps a dense layer's product (see `ForwardScope.dense`). */
  transformDense?(call: DenseCall, product: () => tf.Tensor): tf.Tensor;
  /** Receives the batch moments of normalisation layers in training mode (see `ForwardScope.observeMoments`). */
  observeMoments?(state: { mean: ParamInfo; variance: ParamInfo }, moments: { mean: tf.Tensor; variance: tf.Tensor; count: number }): void;
}

/** One module of a built model: its name, kind, nesting depth (0: the root) and output shape. */
export interface ModuleInfo {
  readonly name: string;
  readonly kind: string;
  readonly depth: number;
  outputShape: OutputShape;
}

/**
 * A module built on an input shape: named params (seeded), sites, output
 * shapes. `forward` runs it with the trainer's hooks.
 */
export class BuiltModel {
  readonly id = nextModelId++;
  readonly inputShape: Shape;
  readonly outputShape: OutputShape;
  private readonly byName = new Map<string, MutableParam>();
  private readonly byModule = new Map<Module, Map<string, MutableParam>>();
  private readonly moduleNames = new Map<Module, string>();
  private readonly usedNames = new Set<string>();
  private readonly counters = new Map<string, number>();
  private readonly siteList: Site[] = [];
  private readonly siteOf = new Map<Module, Site>();
  private readonly moduleList: ModuleInfo[] = [];

  constructor(
    readonly root: Module,
    inputShape: Shape,
    readonly seed: number,
  ) {
    if (!Array.isArray(inputShape) || inputShape.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new ModelError(`model: inputShape = [${String(inputShape)}] is not allowed; must be positive integers (one example, no batch axis)`);
    }
    this.inputShape = [...inputShape];
    this.siteList.push({ name: 'input', kind: 'input' });
    let depth = 1;
    const scope: InitScope = {
      param: (module, localName, spec) => this.declare(module, localName, spec),
      site: (module, kind) => this.declareSite(module, kind),
      build: (child, shape) => {
        // listed before its children (pre-order), its output shape filled in once built
        const info: ModuleInfo = { name: this.nameOf(child), kind: child.kind, depth, outputShape: [] };
        this.moduleList.push(info);
        depth++;
        try {
          info.outputShape = child.init(shape, scope);
        } finally {
          depth--;
        }
        return info.outputShape;
      },
      nameOf: (module) => this.nameOf(module),
    };
    const rootInfo: ModuleInfo = { name: this.nameOf(root), kind: root.kind, depth: 0, outputShape: [] };
    this.moduleList.push(rootInfo);
    this.outputShape = root.init(this.inputShape, scope);
    rootInfo.outputShape = this.outputShape;
    if (Array.isArray(this.outputShape)) this.siteList.push({ name: 'output', kind: 'output' });
    else for (const key of Object.keys(this.outputShape)) this.siteList.push({ name: key, kind: 'output' });
  }

  /** All params in declaration order. */
  get params(): readonly ParamInfo[] {
    return [...this.byName.values()];
  }

  /** Every module, the root first and each before its children, with its output shape (for summaries). */
  get modules(): readonly ModuleInfo[] {
    return this.moduleList;
  }

  /** The params a module declared itself (not its children's). */
  paramsOf(moduleName: string): readonly ParamInfo[] {
    for (const [module, params] of this.byModule) if (this.moduleNames.get(module) === moduleName) return [...params.values()];
    return [];
  }

  /** All sites: input, hidden (in forward order), outputs. */
  get sites(): readonly Site[] {
    return this.siteList;
  }

  /** The param called `name`, or an error listing the names. */
  param(name: string): ParamInfo {
    const p = this.byName.get(name);
    if (!p) throw new ModelError(`no param named '${name}'; the model has ${[...this.byName.keys()].join(', ')}`);
    return p;
  }

  /** Params picked by a selector. */
  select(selector: ParamSelector): ParamInfo[] {
    return this.params.filter((p) => matchesParam(p, selector));
  }

  /** Marks params as frozen (true) or trainable again (false); `state` params stay untrainable. Returns the names changed. */
  setFrozen(selector: ParamSelector, frozen: boolean): string[] {
    const changed: string[] = [];
    for (const p of this.byName.values()) {
      if (!matchesParam(p, selector) || p.role === 'state') continue;
      p.trainable = !frozen;
      changed.push(p.name);
    }
    return changed;
  }

  /** The tfjs variable name behind a param (unique in the process). */
  variableName(p: ParamInfo): string {
    return (p as MutableParam).variableName;
  }

  /** Runs the model. Call inside a tidy. */
  forward(x: tf.Tensor, hooks: ForwardHooks, stateUpdates?: Map<ParamInfo, tf.Tensor>): ModelOutput {
    const site = (s: Site, h: tf.Tensor) => (hooks.transformActivation ? hooks.transformActivation(s, h) : h);
    const scope: ForwardScope = {
      training: hooks.training,
      mode: hooks.mode ?? (hooks.training ? 'train' : 'infer'),
      random: (module) => {
        if (!hooks.random) throw new Error(`module '${this.nameOf(module)}' draws random numbers, which needs a trainer's pass (fit or predict)`);
        return hooks.random(this.nameOf(module));
      },
      param: (module, localName) => {
        const p = this.byModule.get(module)?.get(localName);
        if (!p) throw new ModelError(`module '${this.moduleNames.get(module) ?? module.kind}' has no param '${localName}'`);
        return hooks.transformParam ? hooks.transformParam(p, p.variable) : p.variable;
      },
      dense: hooks.transformDense
        ? (module, input, product) => {
            const own = this.byModule.get(module);
            const kernel = own?.get('kernel');
            if (!kernel) throw new ModelError(`module '${this.nameOf(module)}' has no param 'kernel'; only dense layers may call scope.dense`);
            return hooks.transformDense!({ layer: this.nameOf(module), input, kernel, bias: own!.get('bias') }, product);
          }
        : undefined,
      site: (module, h, kind) => {
        const s = this.siteOf.get(module) ?? { name: this.nameOf(module), kind: kind ?? 'hidden' };
        return site(s, h);
      },
      apply: (child, input) => child.apply(input, scope),
      updateState: (module, localName, value) => {
        const p = this.byModule.get(module)?.get(localName);
        if (!p || p.role !== 'state') throw new ModelError(`updateState: '${localName}' is not a state param of '${this.nameOf(module)}'`);
        // kept: the gradient tape's inner tidy would free it before the trainer writes it
        if (stateUpdates) {
          stateUpdates.get(p)?.dispose();
          stateUpdates.set(p, tf.keep(value));
        }
      },
      observeMoments: (module, names, moments) => {
        if (!hooks.observeMoments) return;
        const own = this.byModule.get(module);
        const mean = own?.get(names.mean);
        const variance = own?.get(names.variance);
        if (!mean || !variance) throw new ModelError(`observeMoments: '${names.mean}'/'${names.variance}' are not params of '${this.nameOf(module)}'`);
        hooks.observeMoments({ mean, variance }, moments);
      },
    };
    const input = site(this.siteList[0]!, x);
    const out = this.root.apply(input, scope);
    if (isRecord(out)) {
      const result: Record<string, tf.Tensor> = {};
      for (const [key, value] of Object.entries(out)) result[key] = site({ name: key, kind: 'output' }, value);
      return result;
    }
    return site({ name: 'output', kind: 'output' }, out);
  }

  /** Frees every variable. */
  dispose(): void {
    for (const p of this.byName.values()) p.variable.dispose();
  }

  private nameOf(module: Module): string {
    const known = this.moduleNames.get(module);
    if (known) return known;
    let name = module.name;
    if (name) {
      if (this.usedNames.has(name)) throw new ModelError(`model: two different modules are named '${name}'; names must be unique`);
    } else {
      do {
        const n = (this.counters.get(module.kind) ?? 0) + 1;
        this.counters.set(module.kind, n);
        name = `${module.kind}_${n}`;
      } while (this.usedNames.has(name));
    }
    this.usedNames.add(name);
    this.moduleNames.set(module, name);
    return name;
  }

  private declareSite(module: Module, kind: SiteKind): void {
    if (this.siteOf.has(module)) return; // a shared module emits one site
    const site = { name: this.nameOf(module), kind };
    this.siteOf.set(module, site);
    this.siteList.push(site);
  }

  private declare(module: Module, localName: string, spec: ParamSpec): void {
    const params = this.byModule.get(module) ?? new Map<string, MutableParam>();
    this.byModule.set(module, params);
    const existing = params.get(localName);
    const name = `${this.nameOf(module)}/${localName}`;
    if (existing) {
      // A shared module built a second time: it must see the same shapes.
      if (existing.shape.join(',') !== spec.shape.join(',')) {
        throw new ModelError(`shared module '${this.nameOf(module)}': param '${localName}' needs shape [${spec.shape.join(', ')}] here but [${existing.shape.join(', ')}] where it was first used`);
      }
      return;
    }
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (!(size <= 2 ** 31 - 1)) throw new ModelError(`param '${name}' would hold ${size} values (shape [${spec.shape.join(', ')}]); a tensor holds at most 2^31 − 1`);
    const variableName = `${name}@model${this.id}`;
    const preset = presetOf(module, localName);
    if (preset && preset.shape.join(',') !== spec.shape.join(',')) {
      throw new ModelError(`param '${name}' needs shape [${spec.shape.join(', ')}], but its preset value (nn.withParams) has shape [${preset.shape.join(', ')}]`);
    }
    const value = preset ? tf.clone(preset) : initialValue(spec.init, spec.shape, deriveSeed(this.seed, 'init', name));
    const trainable = spec.role === 'state' ? false : (spec.trainable ?? true);
    const variable = tf.variable(value, trainable, variableName);
    value.dispose();
    const p: MutableParam = {
      name,
      role: spec.role,
      trainable,
      shape: [...spec.shape],
      fanInAxes: [...(spec.fanInAxes ?? spec.shape.map((_, i) => i).slice(0, -1))],
      variable,
      variableName,
    };
    params.set(localName, p);
    this.byName.set(name, p);
  }
}
