import * as vega from 'vega';
import type { ParamInfo } from '@tikhonov/core';
import type { NormalRun } from './runs.js';

/** "Nice" bins over an extent, at most `maxbins` (vega-statistics' bin: vega exports it at run time, its typings leave it out). */
const bin = (vega as unknown as { bin(options: { extent: [number, number]; maxbins: number }): { start: number; stop: number; step: number } }).bin;

/** One bar of a weight histogram. */
export interface HistogramRow {
  run: string;
  start: number;
  end: number;
  count: number;
}

/** Summary numbers of one param's weights in one run. */
export interface WeightStats {
  run: string;
  param: string;
  count: number;
  mean: number;
  std: number;
  maxAbs: number;
  /** Share of weights with |w| < 1e-3 (what L¹ drives to zero, seed §7.1.2). */
  nearZero: number;
  /** Values that were NaN or ±∞ (not binned). */
  nonFinite: number;
}

/**
 * Histograms of one param across runs, on one binning for all (vega's `bin`:
 * "nice" steps over the finite values' joint extent, at most `maxBins`), so
 * the runs' bars line up.
 */
export function weightHistogram(runs: readonly NormalRun[], param: string, maxBins: number): { rows: HistogramRow[]; stats: WeightStats[] } {
  let low = Infinity;
  let high = -Infinity;
  for (const run of runs) {
    const w = run.weights?.[param];
    if (!w) continue;
    for (let i = 0; i < w.length; i++) {
      const v = w[i]!;
      if (!Number.isFinite(v)) continue;
      if (v < low) low = v;
      if (v > high) high = v;
    }
  }
  if (!(low <= high)) return { rows: [], stats: runs.filter((r) => r.weights?.[param]).map((r) => statsOf(r.name, param, r.weights![param]!)) };
  // a constant param (all zeros: a bias at its start) still gets one visible bar
  const extent: [number, number] = low === high ? [low - 0.5, high + 0.5] : [low, high];
  const { start, step, stop } = bin({ extent, maxbins: maxBins });
  const n = Math.max(1, Math.round((stop - start) / step));
  const rows: HistogramRow[] = [];
  const stats: WeightStats[] = [];
  for (const run of runs) {
    const w = run.weights?.[param];
    if (!w) continue;
    const counts = new Array<number>(n).fill(0);
    for (let i = 0; i < w.length; i++) {
      const v = w[i]!;
      if (!Number.isFinite(v)) continue;
      // the top edge belongs to the last bar
      counts[Math.min(n - 1, Math.floor((v - start) / step))]!++;
    }
    counts.forEach((count, k) => rows.push({ run: run.name, start: start + k * step, end: start + (k + 1) * step, count }));
    stats.push(statsOf(run.name, param, w));
  }
  return { rows, stats };
}

function statsOf(run: string, param: string, w: ArrayLike<number>): WeightStats {
  let count = 0;
  let sum = 0;
  let maxAbs = 0;
  let nearZero = 0;
  let nonFinite = 0;
  for (let i = 0; i < w.length; i++) {
    const v = w[i]!;
    if (!Number.isFinite(v)) {
      nonFinite++;
      continue;
    }
    count++;
    sum += v;
    maxAbs = Math.max(maxAbs, Math.abs(v));
    if (Math.abs(v) < 1e-3) nearZero++;
  }
  const mean = count > 0 ? sum / count : Number.NaN;
  let squares = 0;
  for (let i = 0; i < w.length; i++) if (Number.isFinite(w[i]!)) squares += (w[i]! - mean) ** 2;
  return { run, param, count, mean, std: count > 0 ? Math.sqrt(squares / count) : Number.NaN, maxAbs, nearZero: count > 0 ? nearZero / count : Number.NaN, nonFinite };
}

/** The param names drawn: those of the first run that has weights, then any others, in order. */
export function weightParams(runs: readonly NormalRun[]): string[] {
  const names = new Set<string>();
  for (const run of runs) for (const name of Object.keys(run.weights ?? {})) names.add(name);
  return [...names];
}

/**
 * A trainer's weights for a report's `weights`: the values of its params of
 * role 'weight' (kernels; biases and state left out unless `roles` says so),
 * read from the backend now — call it after training, not inside a step.
 */
export async function weightsOf(params: readonly ParamInfo[], roles: ReadonlyArray<ParamInfo['role']> = ['weight']): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  for (const p of params) if (roles.includes(p.role)) out[p.name] = (await p.variable.data()) as Float32Array;
  return out;
}
