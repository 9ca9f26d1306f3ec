import { PluginContractError } from './errors.js';
import { AFTER_STEP_KINDS, API_VERSION, FIT_HOOKS, HOOK_TABLE, HOOKS, MODES, Order, type HookName, type Mode, type Plugin } from './plugin.js';

const ALLOWED_KEYS = new Set<string>(['name', 'apiVersion', 'order', 'modes', 'afterStepKind', ...HOOKS]);

/** What changed from contract v1, for the error a v1 plugin gets. */
const V1_CHANGES =
  'contract v2 changed: declare `modes` (e.g. modes: [\'train\', \'sample\']) instead of defining wrapPredict to take part in inference; ' +
  'ctx.training / ctx.sampling became ctx.mode; penalties read ctx.activations instead of recording in transformActivation; ' +
  "afterStep declares afterStepKind ('update' | 'decay' | 'constraint' | 'average') and writes params through ctx.params.write; " +
  'ctx.trainer is gone (ctx.exportCheckpoint() for checkpoints); per-fit disabling is fit(data, { disable: [names] }); ' +
  'dispose() frees held tensors. See the contract in @tikhonov/core\'s README';

function checkOne(candidate: unknown, index: number, list = 'plugins'): Plugin {
  if (candidate === null || typeof candidate !== 'object') {
    throw new PluginContractError(`${list}[${index}] is ${candidate === null ? 'null' : typeof candidate}, not a plugin object (did you pass the factory instead of calling it?)`);
  }
  const p = candidate as Record<string, unknown>;
  if (typeof p.name !== 'string' || p.name.length === 0) {
    throw new PluginContractError(`${list}[${index}] has no name; every plugin needs a non-empty string 'name'`);
  }
  if (p.apiVersion === 1) throw new PluginContractError(`plugin '${p.name}' is written for apiVersion 1; this core runs apiVersion ${API_VERSION}: ${V1_CHANGES}`);
  if (p.apiVersion !== API_VERSION) {
    throw new PluginContractError(`plugin '${p.name}' has apiVersion ${String(p.apiVersion)}; this core supports apiVersion ${API_VERSION}`);
  }
  for (const key of Object.keys(p)) {
    if (!ALLOWED_KEYS.has(key)) throw new PluginContractError(`plugin '${p.name}' has unknown key '${key}'; allowed keys are name, apiVersion, order, modes, afterStepKind and the hooks ${HOOKS.join(', ')}`);
    if ((HOOKS as readonly string[]).includes(key) && p[key] !== undefined && typeof p[key] !== 'function') {
      throw new PluginContractError(`plugin '${p.name}': '${key}' must be a function, got ${typeof p[key]}`);
    }
  }
  if (p.order !== undefined && !(typeof p.order === 'number' && Number.isFinite(p.order))) {
    throw new PluginContractError(`plugin '${p.name}': order = ${String(p.order)} must be a finite number`);
  }
  if (p.modes !== undefined) {
    const modes = p.modes as unknown[];
    if (!Array.isArray(modes) || modes.length === 0 || modes.some((m) => !(MODES as readonly unknown[]).includes(m)) || new Set(modes).size !== modes.length) {
      throw new PluginContractError(`plugin '${p.name}': modes = ${JSON.stringify(p.modes)} must be a non-empty list of distinct modes from ${MODES.join(', ')}`);
    }
    if (!p.transformParam && !p.transformDense && !p.transformActivation) {
      throw new PluginContractError(`plugin '${p.name}' declares modes but has none of transformParam, transformDense, transformActivation, the only hooks modes apply to`);
    }
  }
  if (p.afterStepKind !== undefined) {
    if (!(AFTER_STEP_KINDS as readonly unknown[]).includes(p.afterStepKind)) {
      throw new PluginContractError(`plugin '${p.name}': afterStepKind = ${JSON.stringify(p.afterStepKind)} must be one of ${AFTER_STEP_KINDS.join(', ')}`);
    }
    if (!p.afterStep) throw new PluginContractError(`plugin '${p.name}' declares afterStepKind '${String(p.afterStepKind)}' but has no afterStep`);
  }
  return p as unknown as Plugin;
}

/** Checks each plugin against the contract and returns them sorted by order, then list order. */
export function registerPlugins(plugins: readonly unknown[]): Plugin[] {
  if (!Array.isArray(plugins)) throw new PluginContractError(`plugins must be an array of plugin objects, got ${typeof plugins}`);
  const names = new Set<string>();
  const checked = plugins.map((candidate, index) => {
    const plugin = checkOne(candidate, index);
    if (names.has(plugin.name)) throw new PluginContractError(`two plugins are named '${plugin.name}'; names must be unique in a trainer (give one a different name option)`);
    names.add(plugin.name);
    return plugin;
  });
  return checked
    .map((plugin, index) => ({ plugin, index }))
    .sort((a, b) => (a.plugin.order ?? Order.default) - (b.plugin.order ?? Order.default) || a.index - b.index)
    .map((entry) => entry.plugin);
}

/**
 * Checks a fit's `callbacks` (plugins for one fit): the contract, fit-level
 * hooks only, and names unique among themselves and the trainer's plugins.
 * Returns the trainer's plugins and the callbacks together, in run order.
 */
export function registerCallbacks(callbacks: readonly unknown[], trainerPlugins: readonly Plugin[]): Plugin[] {
  const fitHooks = [...FIT_HOOKS].join(', ');
  const checked = callbacks.map((candidate, index) => {
    const plugin = checkOne(candidate, index, "fit's callbacks");
    for (const hook of HOOKS) {
      if (typeof plugin[hook] === 'function' && !FIT_HOOKS.has(hook)) {
        throw new PluginContractError(
          `fit's callbacks[${index}] '${plugin.name}' implements ${hook}; a callback may implement only the fit-level hooks ${fitHooks} (a plugin that changes the step, holds checkpointed state or needs dispose belongs in the Trainer's plugins)`,
        );
      }
    }
    const clash = trainerPlugins.find((p) => p.name === plugin.name);
    if (clash) throw new PluginContractError(`fit's callbacks[${index}] is named '${plugin.name}' like a plugin of the trainer; names must be unique (give the callback a different name option)`);
    return plugin;
  });
  // registerPlugins refuses two callbacks of one name and sorts by order; the trainer's come first within a tier
  return registerPlugins([...trainerPlugins, ...checked]);
}

/** The hooks whose plugins run in their declared `modes`. */
type ForwardHook = 'transformParam' | 'transformDense' | 'transformActivation';

/** The modes a plugin's forward hooks run in. */
export const modesOf = (plugin: Plugin): readonly Mode[] => plugin.modes ?? ['train'];

/** The rank of a plugin's afterStep in the run order of kinds. */
const kindRank = (plugin: Plugin) => AFTER_STEP_KINDS.indexOf(plugin.afterStepKind ?? 'update');

/**
 * For each hook, the plugins implementing it, in run order (afterStep: by
 * kind, then order); for the forward hooks, one list per mode. Computed once
 * per trainer, so a hook nobody implements costs nothing per step.
 */
export interface HookTable {
  readonly byHook: { readonly [H in HookName]: readonly Plugin[] };
  readonly forward: { readonly [M in Mode]: { readonly [H in ForwardHook]: readonly Plugin[] } };
}

/** Resolves the {@link HookTable} of sorted plugins. */
export function hookTable(sorted: readonly Plugin[]): HookTable {
  const byHook = {} as Record<HookName, Plugin[]>;
  for (const hook of HOOKS) byHook[hook] = sorted.filter((p) => typeof p[hook] === 'function');
  // a stable sort keeps order and list order within one kind
  byHook.afterStep = [...byHook.afterStep].sort((a, b) => kindRank(a) - kindRank(b));
  const forward = {} as Record<Mode, Record<ForwardHook, Plugin[]>>;
  for (const mode of MODES) {
    const inMode = (p: Plugin) => modesOf(p).includes(mode);
    forward[mode] = {
      transformParam: byHook.transformParam.filter(inMode),
      transformDense: byHook.transformDense.filter(inMode),
      transformActivation: byHook.transformActivation.filter(inMode),
    };
  }
  return { byHook, forward };
}

/** A text table of which plugin fires at each hook, in loop order, with modes and afterStep kinds. */
export function describeHooks(table: HookTable): string {
  const width = Math.max(...HOOKS.map((h) => h.length));
  const label = (hook: HookName, p: Plugin) => {
    if (HOOK_TABLE[hook].modes === 'declared') return `${p.name} [${modesOf(p).join(', ')}]`;
    if (hook === 'afterStep') return `${p.name} [${p.afterStepKind ?? 'update'}]`;
    return p.name;
  };
  return HOOKS.map((hook) => {
    const names = table.byHook[hook].map((p) => label(hook, p)).join(' → ') || '—';
    return `${hook.padEnd(width)}  ${HOOK_TABLE[hook].dispatch.padEnd(8)}  ${names}`;
  }).join('\n');
}
