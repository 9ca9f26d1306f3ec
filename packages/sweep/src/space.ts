import { HostRandom, OptionError } from '@tikhonov/core';

/** A value a trial's option can take: plain JSON, so a trial can travel to any worker. */
export type ParamValue = number | string | boolean | null;
/** One trial's options, keyed as in the search space. */
export type Params = Record<string, ParamValue>;

/** A set of values listed one by one (grid: each; random: uniform over them). */
export interface Choice {
  readonly kind: 'choice';
  readonly values: readonly ParamValue[];
}
/** A number between `low` and `high`, uniform (`log: false`) or uniform in its logarithm. */
export interface Range {
  readonly kind: 'range';
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
  readonly integer: boolean;
  /** Grid points, both ends included (geometrically spaced when `log`). Needed by grid search. */
  readonly steps?: number;
}
/** A dimension that exists only when `condition` holds for the options drawn before it (in the space's key order). */
export interface Conditional {
  readonly kind: 'when';
  readonly condition: (params: Readonly<Params>) => boolean;
  readonly dimension: Choice | Range;
}
/** One dimension of a search space. */
export type Dimension = Choice | Range | Conditional;
/**
 * A search space: option name → dimension. Keys are visited in insertion
 * order, and a {@link when} condition sees only the options before it.
 */
export type Space = Record<string, Dimension>;

/** The listed values: `choice([0, 0.2, 0.5])`. */
export function choice(values: readonly ParamValue[]): Choice {
  if (!Array.isArray(values) || values.length === 0) throw new OptionError('choice', 'values', values, 'must be a non-empty array');
  for (const v of values) if (!['number', 'string', 'boolean'].includes(typeof v) && v !== null) throw new OptionError('choice', 'values', v, 'must hold numbers, strings, booleans or null (plain JSON, so trials can travel to workers)');
  return { kind: 'choice', values: [...values] };
}

function makeRange(name: string, low: number, high: number, log: boolean, integer: boolean, steps: number | undefined): Range {
  if (!Number.isFinite(low) || !Number.isFinite(high) || !(low < high)) throw new OptionError(name, 'low/high', { low, high }, 'must be finite numbers with low < high');
  if (log && !(low > 0)) throw new OptionError(name, 'low', low, 'must be > 0 on a log scale');
  if (integer && !(Number.isInteger(low) && Number.isInteger(high))) throw new OptionError(name, 'low/high', { low, high }, 'must be integers');
  if (steps !== undefined && !(Number.isInteger(steps) && steps >= 2)) throw new OptionError(name, 'steps', steps, 'must be an integer ≥ 2 (grid points including both ends)');
  return { kind: 'range', low, high, log, integer, ...(steps !== undefined ? { steps } : {}) };
}

/** Uniform in [low, high]; `steps` grid points for grid search. */
export function range(low: number, high: number, options: { steps?: number } = {}): Range {
  return makeRange('range', low, high, false, false, options.steps);
}
/** Log-uniform in [low, high] (the usual scale for α, learning rates and noise levels); `steps` geometric grid points. */
export function logRange(low: number, high: number, options: { steps?: number } = {}): Range {
  return makeRange('logRange', low, high, true, false, options.steps);
}
/** A uniform integer in [low, high] (both included); grid search takes every integer unless `steps` is given. */
export function intRange(low: number, high: number, options: { steps?: number } = {}): Range {
  return makeRange('intRange', low, high, false, true, options.steps);
}
/** The dimension exists only when `condition(paramsSoFar)` holds: `when((p) => p.dropout !== 0, choice([2, 3]))` for "maxNorm only with dropout". */
export function when(condition: (params: Readonly<Params>) => boolean, dimension: Choice | Range): Conditional {
  if (typeof condition !== 'function') throw new OptionError('when', 'condition', condition, 'must be a function (params so far) => boolean');
  if (dimension?.kind !== 'choice' && dimension?.kind !== 'range') throw new OptionError('when', 'dimension', dimension, 'must be a choice or a range (conditions do not nest)');
  return { kind: 'when', condition, dimension };
}

/** Checks a space before a search starts, naming the first bad key. */
export function checkSpace(space: Space): void {
  if (space === null || typeof space !== 'object' || Array.isArray(space) || Object.keys(space).length === 0) throw new OptionError('search', 'space', space, 'must be an object of dimensions (choice, range, logRange, intRange, when)');
  for (const [key, d] of Object.entries(space)) {
    if (!['choice', 'range', 'when'].includes((d as Dimension | undefined)?.kind as string)) throw new OptionError('search', `space.${key}`, d, 'must be made by choice, range, logRange, intRange or when');
  }
}

function gridValues(key: string, d: Choice | Range): ParamValue[] {
  if (d.kind === 'choice') return [...d.values];
  if (d.steps === undefined) {
    if (d.integer) return Array.from({ length: d.high - d.low + 1 }, (_, i) => d.low + i);
    throw new OptionError('grid', `space.${key}`, `${d.log ? 'logRange' : 'range'}(${d.low}, ${d.high})`, 'needs { steps } for grid search (or use choice([...]))');
  }
  const n = d.steps;
  return Array.from({ length: n }, (_, i) => {
    const t = i / (n - 1);
    const v = d.log ? Math.exp(Math.log(d.low) + t * (Math.log(d.high) - Math.log(d.low))) : d.low + t * (d.high - d.low);
    // the ends are exact; rounding keeps integer grids integral
    const exact = i === 0 ? d.low : i === n - 1 ? d.high : v;
    return d.integer ? Math.round(exact) : exact;
  });
}

/**
 * Every combination of the space's values, in key order with the last key
 * varying fastest; a conditional dimension multiplies only the combinations
 * where its condition holds (elsewhere the key is absent).
 */
export function gridOf(space: Space): Params[] {
  checkSpace(space);
  let rows: Params[] = [{}];
  for (const [key, d] of Object.entries(space)) {
    const next: Params[] = [];
    for (const row of rows) {
      if (d.kind === 'when' && !d.condition(row)) next.push(row);
      else for (const v of gridValues(key, d.kind === 'when' ? d.dimension : d)) next.push({ ...row, [key]: v });
    }
    rows = next;
  }
  return rows;
}

function draw(d: Choice | Range, rng: HostRandom): ParamValue {
  if (d.kind === 'choice') return d.values[rng.int(d.values.length)]!;
  if (d.integer) return d.low + rng.int(d.high - d.low + 1);
  const u = rng.uniform();
  return d.log ? Math.exp(Math.log(d.low) + u * (Math.log(d.high) - Math.log(d.low))) : d.low + u * (d.high - d.low);
}

/** `count` independent draws from the space, seeded: the same seed gives the same options. */
export function sampleOf(space: Space, count: number, seed: number): Params[] {
  checkSpace(space);
  const rng = new HostRandom(seed);
  return Array.from({ length: count }, () => {
    const row: Params = {};
    for (const [key, d] of Object.entries(space)) {
      if (d.kind === 'when' && !d.condition(row)) continue;
      row[key] = draw(d.kind === 'when' ? d.dimension : d, rng);
    }
    return row;
  });
}
