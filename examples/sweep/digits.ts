// Hyperparameter search on the UCI digits with @tikhonov/sweep, on this
// machine's cores: grid search over L²'s α × dropout's rate (max-norm only
// with dropout, deck 004's "tune the regularizers"), then successive halving
// over a log-range of α and a range of rates with early stopping as the rung
// budget (seed §7.7: training time is a hyperparameter too).
import { availableParallelism } from 'node:os';
import { choice, grid, local, logRange, range, search, successiveHalving, when, type SearchResult } from '@tikhonov/sweep';
import { writeReport } from '@tikhonov/report/node';
import { sweepReport } from '@tikhonov/sweep/report';
import { outPath, printTable, writeOut } from '../shared.js';

const module = new URL('./trials/digits.ts', import.meta.url);
const data = { name: 'digits', validation: 0.2, test: 0.2 } as const;
const objective = { metric: 'val.accuracy', mode: 'max' } as const;
const runner = local({ workers: Math.min(2, availableParallelism()) });
const show = (title: string, r: SearchResult) => {
  console.log(`\n${title}: ${r.table.length} trials, best ${JSON.stringify(r.best?.params)} with ${objective.metric} ${r.best?.value?.toFixed(4)}`);
  printTable(['config', 'rung', 'options', 'epochs', 'best epoch', objective.metric, 'seconds', 'worker'], r.table.map((t) => [String(t.config), String(t.rung), JSON.stringify(t.params, (_, v) => (typeof v === 'number' ? Number(v.toPrecision(3)) : v)), String(t.epochs), String(t.bestEpoch ?? '-'), t.value ?? Number.NaN, t.seconds.toFixed(2), t.worker]));
};

const gridResult = await search({
  space: { alpha: choice([0, 1e-4, 1e-3]), rate: choice([0, 0.3]), maxNorm: when((p) => p.rate !== 0, choice([3])) },
  module, data, objective, epochs: 40, fit: { batchSize: 64 }, strategy: grid(), seed: 1, runner,
});
show('grid search', gridResult);

const halving = await search({
  space: { alpha: logRange(1e-5, 1e-2), rate: range(0, 0.5) },
  module, data, objective, epochs: 36, fit: { batchSize: 64 }, strategy: successiveHalving({ eta: 3, minEpochs: 4 }), trials: 9, seed: 2, runner,
});
show('successive halving (η = 3, budgets 4-12-36 epochs)', halving);
await runner.close();
console.log(`\nresult tables: ${writeOut('sweep-digits.json', JSON.stringify({ grid: gridResult, halving }, null, 1))}`);
for (const [name, result] of [['grid', gridResult], ['halving', halving]] as const) {
  const path = outPath(`sweep-digits-${name}.html`);
  writeReport(path, await sweepReport(result, { title: `digits: ${name === 'grid' ? 'grid search' : 'successive halving'} over the regularizers` }));
  console.log(`report: ${path}`);
}
