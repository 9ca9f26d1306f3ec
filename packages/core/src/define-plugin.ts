import { validateOptions, z } from './options.js';
import { API_VERSION, type Plugin } from './plugin.js';

/** A plugin without the fields {@link definePlugin} fills in. */
export type PluginHooks = Omit<Plugin, 'name' | 'apiVersion'>;

/** The factory {@link definePlugin} returns: options optional exactly when every option is. */
export type PluginFactory<O extends object> = {} extends O ? (options?: O & { name?: string }) => Plugin : (options: O & { name?: string }) => Plugin;

/** What {@link definePlugin} needs; `O` is the options' type (the TypeScript view of the zod shape). */
export interface PluginDefinition<O extends object> {
  /** Default plugin name, also the owner named in option errors. */
  readonly name: string;
  /** The options as a zod shape; unknown keys are refused, `name` is added. */
  readonly options: z.ZodRawShape;
  /** Builds the hooks from the validated options and the plugin's name; private state lives in this closure. */
  setup(options: O, name: string): PluginHooks;
}

/**
 * Defines a plugin factory: validates options with the zod shape (strict, so
 * a misspelt option is an error naming it), adds the `name` option, fills in
 * `apiVersion` and calls `setup` for the hooks. The options' type comes from
 * `setup`'s parameter (or the type argument). A factory called without
 * options validates `{}` (fine when every option is optional).
 *
 * ```ts
 * export const orthogonality = definePlugin({
 *   name: 'orthogonality',
 *   options: { alpha: schemas.nonNegative },
 *   setup: ({ alpha }: { alpha: number }) => ({ penalty: (ctx) => ... }),
 * });
 * ```
 */
export function definePlugin<O extends object>(definition: PluginDefinition<O>): PluginFactory<O> {
  const schema = z.object({ ...definition.options, name: z.string({ message: 'must be a non-empty string' }).min(1, { message: 'must be a non-empty string' }).optional() }).strict();
  const factory = (options?: O & { name?: string }): Plugin => {
    const { name: given, ...rest } = validateOptions(definition.name, schema, options ?? {}) as Record<string, unknown>;
    const name = (given as string | undefined) ?? definition.name;
    return { ...definition.setup(rest as O, name), name, apiVersion: API_VERSION };
  };
  return factory as PluginFactory<O>;
}
