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
