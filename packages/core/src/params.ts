import * as tf from '@tensorflow/tfjs-core';
import type { BuiltModel } from './nn/model.js';
import type { ParamTable } from './plugin.js';

/** The {@link ParamTable} plugins see, backed by a built model. */
export function paramTable(model: BuiltModel): ParamTable {
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
        if (value) p.variable.assign(value);
      }
    },
  };
}
