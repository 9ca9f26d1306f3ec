import type { NormalRun } from './runs.js';

/** Where a plugin's note says training was best (early stopping's i*). */
export interface StoppingPoint {
  run: string;
  /** The note's key: the plugin's name. */
  plugin: string;
  step: number;
  monitor: string;
  value: number | undefined;
}

/**
 * The marked points of the runs: every note shaped like early stopping's
 * report (`{ monitor: string, bestStep: number, bestValue?: number }`), so a
 * plugin of the user's that leaves the same shape is marked too, without this
 * package knowing it.
 */
export function stoppingPoints(runs: readonly NormalRun[]): StoppingPoint[] {
  const points: StoppingPoint[] = [];
  for (const run of runs) {
    for (const [plugin, note] of Object.entries(run.history.notes)) {
      if (typeof note !== 'object' || note === null) continue;
      const { bestStep, monitor, bestValue } = note as Record<string, unknown>;
      if (typeof bestStep !== 'number' || !Number.isFinite(bestStep) || typeof monitor !== 'string') continue;
      points.push({ run: run.name, plugin, step: bestStep, monitor, value: typeof bestValue === 'number' ? bestValue : undefined });
    }
  }
  return points;
}
