import type * as tf from '@tensorflow/tfjs-core';
import type { ForwardHooks } from '../nn/model.js';
import type { DenseCall, ModelOutput, ParamInfo, Site } from '../nn/types.js';
import type { Mode, SiteActivation } from '../plugin.js';
import type { RunState } from './run-state.js';
import { RandomStream } from '../random.js';

/** One forward pass to run. */
export interface ForwardRequest {
  readonly mode: Mode;
  /** `'main'` for the trainer's own pass, the caller's tag for a nested one. */
  readonly tag: string;
  readonly nested: boolean;
  /** When given, every site's activation (as the model computed it) is pushed here, in forward order. */
  readonly record?: SiteActivation[];
  /** Where batch-norm style state updates are collected (the step's main pass only). */
  readonly stateUpdates?: Map<ParamInfo, tf.Tensor>;
}

/**
 * Runs the model with the forward hooks of the plugins declared for the
 * request's mode. The pass state (mode, tag, nested) is set for the hooks'
 * contexts and put back afterwards, so a nested pass inside a penalty leaves
 * the step as it found it.
 */
export function runForward(run: RunState, x: tf.Tensor, request: ForwardRequest): ModelOutput {
  const pass = run.pass;
  const outer = { mode: pass.mode, tag: pass.tag, nested: pass.nested };
  pass.mode = request.mode;
  pass.tag = request.tag;
  pass.nested = request.nested;
  try {
    return run.model.forward(x, forwardHooks(run, request), request.stateUpdates);
  } finally {
    pass.mode = outer.mode;
    pass.tag = outer.tag;
    pass.nested = outer.nested;
  }
}

function forwardHooks(run: RunState, request: ForwardRequest): ForwardHooks {
  const { transformParam, transformDense, transformActivation } = run.hooks.table.forward[request.mode];
  const paramPlugins = run.hooks.enabled(transformParam);
  const densePlugins = run.hooks.enabled(transformDense);
  const sitePlugins = run.hooks.enabled(transformActivation);
  const record = request.record;
  // A param read twice in one forward (a shared module) is transformed once.
  const cache = new Map<ParamInfo, tf.Tensor>();
  // one stream per module and pass, keyed like the plugins' (seed, step or predict call) plus the module and the tag
  const streams = new Map<string, RandomStream>();
  return {
    training: request.mode === 'train',
    mode: request.mode,
    random: (moduleName: string) => {
      let stream = streams.get(moduleName);
      if (!stream) streams.set(moduleName, (stream = new RandomStream([...run.pass.streamKey, 'module', moduleName, request.tag])));
      return stream;
    },
    transformParam:
      paramPlugins.length === 0
        ? undefined
        : (param: ParamInfo, value: tf.Tensor) => {
            const known = cache.get(param);
            if (known) return known;
            const v = run.hooks.pipe(paramPlugins, 'transformParam', value, (plugin, current) => plugin.transformParam!(param, current, run.contextsOf(plugin).step));
            cache.set(param, v);
            return v;
          },
    transformDense:
      densePlugins.length === 0
        ? undefined
        : (call: DenseCall, product: () => tf.Tensor) => {
            // nested like wrapPredict: the first plugin in order is outermost, the layer's own product innermost
            let next = product;
            for (let i = densePlugins.length - 1; i >= 0; i--) {
              const plugin = densePlugins[i]!;
              const inner = next;
              next = () => run.hooks.call(plugin, 'transformDense', () => plugin.transformDense!(call, inner, run.contextsOf(plugin).step));
            }
            return next();
          },
    transformActivation:
      sitePlugins.length === 0 && !record
        ? undefined
        : (site: Site, h: tf.Tensor) => {
            record?.push({ site, value: h });
            return run.hooks.pipe(sitePlugins, 'transformActivation', h, (plugin, current) => plugin.transformActivation!(site, current, run.contextsOf(plugin).step));
          },
  };
}
