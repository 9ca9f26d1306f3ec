import { z } from 'zod';
import { OptionError } from './errors.js';

export { z };

/**
 * Validates `value` against a zod schema and returns the parsed value.
 * On failure throws an {@link OptionError} that names the owner, the first
 * offending option, its value and what is allowed. Plugins call this in their
 * factory so a bad option fails at creation, never half-way through a fit.
 */
export function validateOptions<S extends z.ZodType>(owner: string, schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.path.map(String).join('.') || '(options)';
  throw new OptionError(owner, path, pick(value, issue.path), issue.message);
}

function pick(value: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = value;
  for (const key of path) {
    if (current == null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** Schema pieces shared by core and plugins, with messages that say what is allowed. */
export const schemas = {
  positiveInt: z.number({ message: 'must be a number' }).int({ message: 'must be an integer' }).positive({ message: 'must be a positive integer' }),
  nonNegative: z.number({ message: 'must be a number' }).finite({ message: 'must be finite' }).nonnegative({ message: 'must be ≥ 0' }),
  positive: z.number({ message: 'must be a number' }).finite({ message: 'must be finite' }).positive({ message: 'must be > 0' }),
  /** A probability of dropping or flipping: 0 ≤ rate < 1. */
  rate: z.number({ message: 'must be a number' }).min(0, { message: 'must be in [0, 1)' }).lt(1, { message: 'must be in [0, 1)' }),
  seed: z.number({ message: 'must be a number' }).int({ message: 'must be an integer' }).min(0, { message: 'must be an integer ≥ 0' }).max(2 ** 32 - 1, { message: 'must be < 2^32' }),
};

/** zod schema of a {@link ParamSelector}. */
export const paramSelectorSchema = z
  .object({
    roles: z.array(z.enum(['weight', 'bias', 'scale', 'state'])).optional(),
    names: z.array(z.string()).optional(),
    match: z.union([z.instanceof(RegExp), z.custom<(value: never) => boolean>((v) => typeof v === 'function')]).optional(),
    trainable: z.boolean().optional(),
  }, { message: 'must be a selector { roles?, names?, match?, trainable? }' })
  .strict();

/** zod schema of a {@link SiteSelector}. */
export const siteSelectorSchema = z
  .object({
    kinds: z.array(z.enum(['input', 'hidden', 'output'])).optional(),
    names: z.array(z.string()).optional(),
    match: z.union([z.instanceof(RegExp), z.custom<(value: never) => boolean>((v) => typeof v === 'function')]).optional(),
  }, { message: 'must be a site selector { kinds?, names?, match? }' })
  .strict();
