import * as tf from '@tensorflow/tfjs-core';
import { PluginContractError, ModelError } from './errors.js';
import type { BuiltModel } from './nn/model.js';
import type { ParamInfo } from './nn/types.js';
import { FIT_HOOKS, type HookName, type ParamTable, type Plugin } from './plugin.js';

/** The hook running now, as the write guard sees it. */
export interface RunningHook {
  readonly plugin: Plugin;
  readonly hook: HookName;
}

/**
 * The one path by which plugins write params. While a hook runs, a direct
 * `variable.assign` on a param is refused with the plugin and hook named;
 * `ctx.params.write`/`restore` lift the refusal for their own assignment,
 * in the hooks where writing is allowed. The optimizer, batch-norm state
 * updates and checkpoint loading assign outside hooks and are not affected.
 */
export class ParamWrites {
  /** Set by the hook runner around every hook call. */
  running: RunningHook | undefined;
  private writing = false;

  /** Wraps each param variable's `assign` with the guard (once per built model). */
  install(model: BuiltModel): void {
    for (const p of model.params) {
      const variable = p.variable;
      const assign = variable.assign.bind(variable);
      variable.assign = (value: tf.Tensor) => {
        const running = this.running;
        if (running && !this.writing) {
          throw new PluginContractError(
            `plugin '${running.plugin.name}' assigned param '${p.name}' directly in ${running.hook}; write params through ctx.params.write(param, value) (or restore) in afterStep or a fit-level hook`,
          );
        }
        assign(value);
      };
    }
  }

  /** Runs an attributed write: checks the running hook may write, then assigns. */
  write(model: BuiltModel, param: ParamInfo | string, value: tf.Tensor): void {
    const p = typeof param === 'string' ? model.param(param) : model.param(param.name);
    this.check(p.name);
    if (value.shape.join(',') !== p.shape.join(',')) {
      throw new ModelError(`params.write: '${p.name}' has shape [${p.shape.join(', ')}] but the value has shape [${value.shape.join(', ')}]`);
    }
    this.writing = true;
    try {
      p.variable.assign(value);
    } finally {
      this.writing = false;
    }
  }

  private check(name: string): void {
    const running = this.running;
    if (!running) return;
    const { plugin, hook } = running;
    if (hook === 'afterStep' && plugin.afterStepKind === 'average') {
      throw new PluginContractError(`plugin '${plugin.name}' wrote param '${name}' in an afterStep of kind 'average'; averaging plugins read the final params and may not write them (use kind 'update', 'decay' or 'constraint')`);
    }
    if (hook !== 'afterStep' && !FIT_HOOKS.has(hook)) {
      throw new PluginContractError(`plugin '${plugin.name}' wrote param '${name}' in ${hook}; params may be written only in afterStep and in fit-level hooks (${[...FIT_HOOKS].join(', ')})`);
    }
  }
}

/** The {@link ParamTable} backed by a built model; writes go through `writes`. */
export function paramTable(model: BuiltModel, writes: ParamWrites): ParamTable {
  return {
    get all() {
      return model.params;
    },
    get: (name) => model.param(name),
    select: (selector) => model.select(selector),
    snapshot() {
      const copy = new Map<string, tf.Tensor>();
      for (const p of model.params) copy.set(p.name, tf.keep(tf.clone(p.variable)));
      return copy;
    },
    restore(snapshot) {
      for (const p of model.params) {
        const value = snapshot.get(p.name);
        if (value) writes.write(model, p, value);
      }
    },
    write: (param, value) => writes.write(model, param, value),
  };
}
