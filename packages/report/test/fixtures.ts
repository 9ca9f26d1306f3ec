// Two short real runs on the UCI digits, shared by the report's tests: a plain MLP and one with an L¹ penalty,
// activity sparsity (which reports its zero fraction) and early stopping (which notes i*).
import { dataset, nn, Trainer, type History, type Plugin } from '@tikhonov/core';
import { loadDigits } from '@tikhonov/datasets';
import { earlyStopping } from '@tikhonov/early-stopping';
import { activityL1, l1 } from '@tikhonov/norm-penalties';
import { weightsOf, type ReportRun } from '../src/index.js';

export interface FixtureRun extends ReportRun {
  history: History;
}

let cached: Promise<FixtureRun[]> | undefined;

/** The two runs (trained once per test file). */
export function digitsRuns(): Promise<FixtureRun[]> {
  cached ??= (async () => {
    const [train, validation] = dataset.split(loadDigits().data, [0.2, 0.15], 0);
    const runs: Array<[string, () => Plugin[]]> = [
      ['plain', () => []],
      ['l1 + activityL1 + early stopping', () => [l1({ alpha: 1e-3 }), activityL1({ alpha: 1e-3 }), earlyStopping({ patience: 4 })]],
    ];
    const out: FixtureRun[] = [];
    for (const [name, plugins] of runs) {
      const trainer = new Trainer({
        model: nn.sequential([nn.dense(32, { activation: 'relu' }), nn.dense(10)]),
        loss: 'softmaxCrossEntropy',
        optimizer: { name: 'momentum', learningRate: 0.1 },
        plugins: plugins(),
        seed: 0,
        progress: false,
        logEvery: 5,
      });
      const history = await trainer.fit(train!, { epochs: 40, batchSize: 32, validation: { data: validation! } });
      const test = await trainer.evaluate(validation!);
      out.push({ name, history, metrics: { 'val accuracy at the end': test.accuracy! }, weights: await weightsOf(trainer.params.all) });
      trainer.dispose();
    }
    return out;
  })();
  return cached;
}
