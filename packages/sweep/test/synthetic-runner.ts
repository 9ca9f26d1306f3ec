// A runner on a synthetic objective, shared by the strategy and report tests: no training.
import type { Runner, Trial, TrialResult } from '@tikhonov/sweep';

/**
 * A runner on a synthetic objective with known values: value(config, rung)
 * from a table, no training. It records the trials in the order they start,
 * the most that ran at once, and what was complete when each started.
 */
export function syntheticRunner(value: (config: number, rung: number, params: Trial['params']) => number | null, options: { capacity?: number; delay?: (t: Trial) => number } = {}) {
  const started: Trial[] = [];
  const completed: TrialResult[] = [];
  const snapshots: TrialResult[][] = [];
  let running = 0;
  let most = 0;
  const runner: Runner = {
    capacity: options.capacity ?? 1,
    name: 'synthetic',
    async run(trial) {
      started.push(trial);
      snapshots.push([...completed]);
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, options.delay?.(trial) ?? 0));
      running--;
      const result: TrialResult = { id: trial.id, config: trial.config, rung: trial.rung, params: trial.params, seed: trial.seed, epochs: trial.epochs, value: value(trial.config, trial.rung, trial.params), bestEpoch: null, steps: 0, stoppedBy: 'synthetic', seconds: 0, worker: 'synthetic', resumedFrom: null };
      completed.push(result);
      return result;
    },
    close: async () => undefined,
  };
  return { runner, started, snapshots, get most() {
    return most;
  } };
}

