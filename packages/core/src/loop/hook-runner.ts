import { PluginError } from '../errors.js';
import type { ParamWrites } from '../params.js';
import type { HookName, Plugin } from '../plugin.js';
import type { HookTable } from '../plugin-registry.js';

/**
 * Calls plugins' hooks with attribution: a hook that throws surfaces as a
 * {@link PluginError} naming the plugin and hook, and the write guard knows
 * which hook runs (nested calls, e.g. a penalty's nested forward, restore the
 * outer one). Plugins disabled for the current fit are skipped everywhere.
 * The dispatch kinds (pipe, sum, sequence) are the three ways hooks combine.
 */
export class HookRunner {
  /** Names of plugins switched off for the current fit (`fit(data, { disable })`). */
  disabled: ReadonlySet<string> = new Set();

  constructor(
    /** The trainer's table; during a fit with callbacks, one that includes them (their hooks are fit-level only). */
    public table: HookTable,
    private readonly writes: ParamWrites,
  ) {}

  /** The enabled plugins of a list (the list itself when none is disabled: no allocation per step). */
  enabled(list: readonly Plugin[]): readonly Plugin[] {
    return this.disabled.size === 0 ? list : list.filter((p) => !this.disabled.has(p.name));
  }

  /** Runs one hook of one plugin, attributed. */
  call<T>(plugin: Plugin, hook: HookName, fn: () => T): T {
    const outer = this.enter(plugin, hook);
    try {
      return fn();
    } catch (error) {
      throw attributed(plugin, hook, error);
    } finally {
      this.writes.running = outer;
    }
  }

  /** Async form of {@link call} for fit-level hooks (the running hook stays set until the promise settles). */
  async callAsync(plugin: Plugin, hook: HookName, fn: () => void | Promise<void>): Promise<void> {
    const outer = this.enter(plugin, hook);
    try {
      await fn();
    } catch (error) {
      throw attributed(plugin, hook, error);
    } finally {
      this.writes.running = outer;
    }
  }

  /** Marks a hook as running for the write guard; returns the one it interrupts. */
  private enter(plugin: Plugin, hook: HookName) {
    const outer = this.writes.running;
    this.writes.running = { plugin, hook };
    return outer;
  }

  /** pipe: threads a value through every plugin of the list. */
  pipe<V>(list: readonly Plugin[], hook: HookName, value: V, apply: (plugin: Plugin, value: V) => V): V {
    let v = value;
    for (const plugin of this.enabled(list)) v = this.call(plugin, hook, () => apply(plugin, v));
    return v;
  }

  /** sum: collects each plugin's contribution (undefined for none). */
  sum<V>(hook: HookName, add: (total: V, extra: V) => V, total: V, term: (plugin: Plugin) => V | undefined): V {
    let t = total;
    for (const plugin of this.enabled(this.table.byHook[hook])) {
      const extra = this.call(plugin, hook, () => term(plugin));
      if (extra !== undefined) t = add(t, extra);
    }
    return t;
  }

  /** sequence: calls each plugin in turn. */
  sequence(hook: HookName, run: (plugin: Plugin) => void): void {
    for (const plugin of this.enabled(this.table.byHook[hook])) this.call(plugin, hook, () => run(plugin));
  }

  /** sequence, awaited, for fit-level hooks. */
  async sequenceAsync(hook: HookName, run: (plugin: Plugin) => void | Promise<void>): Promise<void> {
    for (const plugin of this.enabled(this.table.byHook[hook])) await this.callAsync(plugin, hook, () => run(plugin));
  }
}

/** A hook's error as the PluginError naming plugin and hook (an inner hook's PluginError passes unchanged). */
function attributed(plugin: Plugin, hook: HookName, error: unknown): PluginError {
  return error instanceof PluginError ? error : new PluginError(plugin.name, hook, error);
}
