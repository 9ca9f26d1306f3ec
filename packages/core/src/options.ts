import { closest, distance } from 'fastest-levenshtein';
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
  if (issue.code === 'unrecognized_keys') {
    // a misspelt option must not be dropped silently: name it, suggest the nearest allowed one
    const key = issue.keys[0]!;
    const path = [...issue.path.map(String), key].join('.');
    throw new OptionError(owner, path, pick(value, [...issue.path, key]), unknownKeyHint(key, allowedKeys(schema, issue.path)));
  }
  const path = issue.path.map(String).join('.') || '(options)';
  throw new OptionError(owner, path, pick(value, issue.path), issue.message);
}

/**
 * Refuses an options object with a key outside `allowed` (a typo must not be
 * dropped silently), naming the key and the nearest allowed one. For options
 * checked by hand rather than by a zod schema (the `nn` layers).
 */
export function checkKeys(owner: string, options: object | undefined, allowed: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new OptionError(owner, '(options)', options, `must be an object with keys from ${allowed.join(', ')}`);
  for (const [key, value] of Object.entries(options)) {
    if (!allowed.includes(key)) throw new OptionError(owner, key, value, unknownKeyHint(key, allowed));
  }
}

/** The keys a (strict) object schema allows at a path, for error messages. */
function allowedKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: z.ZodType | undefined = schema;
  for (const key of path) {
    const shape: Record<string, z.ZodType> | undefined = current instanceof z.ZodObject ? (current.shape as Record<string, z.ZodType>) : undefined;
    let next: z.ZodType | undefined = shape?.[String(key)];
    while (next instanceof z.ZodOptional) next = next.unwrap() as z.ZodType;
    current = next;
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape) : [];
}

/** "is not an option; did you mean 'x'? allowed: …" */
function unknownKeyHint(key: string, allowed: readonly string[]): string {
  if (allowed.length === 0) return 'it is not an option here';
  const nearest = closest(key, [...allowed]);
  const close = distance(key.toLowerCase(), nearest.toLowerCase()) <= Math.max(2, Math.floor(nearest.length / 3));
  return `it is not an option here${close ? `; did you mean '${nearest}'?` : ''} (allowed: ${allowed.join(', ')})`;
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
