import { paramSelectorSchema, selectOrThrow, z, type ParamInfo, type ParamSelector } from '@tikhonov/core';

/** Penalties and constraints act on weights only unless told otherwise (seed §7.2: biases stay unregularised). */
export const WEIGHTS: ParamSelector = { roles: ['weight'] };

/** A coefficient for one group of params, so each layer can have its own α. */
export interface Group {
  select: ParamSelector;
  alpha: number;
}

/** Schema of a coefficient: one number ≥ 0, or a list of { select, alpha } groups. */
export const coefficientSchema = z.union(
  [
    z.number({ message: 'must be a finite number ≥ 0, or a list of { select, alpha }' }).finite({ message: 'must be a finite number ≥ 0' }).nonnegative({ message: 'must be a finite number ≥ 0' }),
    z
      .array(z.object({ select: paramSelectorSchema, alpha: z.number().finite({ message: 'must be a finite number ≥ 0' }).nonnegative({ message: 'must be a finite number ≥ 0' }) }).strict())
      .min(1, { message: 'must list at least one { select, alpha } group' }),
  ],
  { message: 'must be a finite number ≥ 0, or a non-empty list of { select, alpha } with alpha ≥ 0' },
);

/**
 * Resolves a coefficient against the model: a list of (param, α) pairs. With
 * groups, a param takes the α of the first group that selects it. Every
 * selector must pick at least one param.
 */
export function resolveGroups(owner: string, params: readonly ParamInfo[], alpha: number | readonly Group[], select: ParamSelector | undefined): Array<{ param: ParamInfo; alpha: number }> {
  if (typeof alpha === 'number') return selectOrThrow(params, select ?? WEIGHTS, owner).map((param) => ({ param, alpha }));
  const out: Array<{ param: ParamInfo; alpha: number }> = [];
  const taken = new Set<string>();
  alpha.forEach((group, i) => {
    for (const param of selectOrThrow(params, group.select, owner, `alpha[${i}].select`)) {
      if (taken.has(param.name)) continue;
      taken.add(param.name);
      out.push({ param, alpha: group.alpha });
    }
  });
  return out;
}
