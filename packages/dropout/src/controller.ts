import type { Plugin } from '@tikhonov/core';

/**
 * Inference modes a dropout-family plugin can be switched into from outside
 * (the plugin contract's key set is closed, so helpers such as
 * monteCarloPredict reach the plugin's closure through this registry).
 */
export interface DropoutController {
  /** Run every inference forward with fresh random masks (one sample per forward). */
  sampleOnce<T>(run: () => T): T;
}

const registry = new WeakMap<Plugin, DropoutController>();

/** Associates a plugin object with its controller. */
export function register(plugin: Plugin, controller: DropoutController): Plugin {
  registry.set(plugin, controller);
  return plugin;
}

/** The controllers of a trainer's dropout-family plugins. */
export function controllersOf(plugins: readonly Plugin[]): DropoutController[] {
  return plugins.map((p) => registry.get(p)).filter((c): c is DropoutController => c !== undefined);
}

/**
 * A flag that is true only while a Monte Carlo pass runs, and the controller
 * that sets it: for plugins that perturb in training and, on request, at inference.
 */
export function samplingFlag(): { readonly on: boolean; controller: DropoutController } {
  const flag = { on: false };
  return {
    get on() {
      return flag.on;
    },
    controller: {
      sampleOnce(run) {
        flag.on = true;
        try {
          return run();
        } finally {
          flag.on = false;
        }
      },
    },
  };
}
