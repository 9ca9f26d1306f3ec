import { describe, expect, it } from 'vitest';
import { HostRandom } from '@tikhonov/core';
import { asha, choice, grid, random, range, rungBudgets, search, successiveHalving, type Trial } from '@tikhonov/sweep';
import { syntheticRunner } from './synthetic-runner.js';

const module = new URL('./fixtures/digits-trial.ts', import.meta.url);
const data = { name: 'digits' } as const;

const space = { x: range(0, 1), kind: choice(['a', 'b']) };

describe('strategies', () => {
  it('grid and random run every configuration once, for the full budget, in start order', async () => {
    const g = syntheticRunner((c) => c);
    const r = await search({ space: { a: choice([1, 2, 3]), b: choice([true, false]) }, module, data, epochs: 5, strategy: grid(), runner: g.runner });
    expect(r.table.map((t) => [t.params.a, t.params.b, t.epochs])).toEqual([[1, true, 5], [1, false, 5], [2, true, 5], [2, false, 5], [3, true, 5], [3, false, 5]]);
    expect(r.best?.config).toBe(0);
    const s = syntheticRunner((c) => -c, { capacity: 3 });
    const rr = await search({ space, module, data, epochs: 5, strategy: random(), trials: 10, seed: 4, runner: s.runner });
    expect(rr.table.map((t) => t.config)).toEqual([...Array(10).keys()]);
    expect(rr.best?.config).toBe(9);
    expect(s.most).toBe(3);
    // each configuration's trainer seed differs, and the same search seed gives the same trials
    expect(new Set(rr.table.map((t) => t.seed)).size).toBe(10);
    const again = await search({ space, module, data, epochs: 5, strategy: random(), trials: 10, seed: 4, runner: syntheticRunner((c) => -c).runner });
    expect(again.table.map((t) => t.id)).toEqual(rr.table.map((t) => t.id));
  });

  it('random search does not waste evaluations on non-influential hyperparameters (deck 004, Bergstra & Bengio 2012): 27 trials try 27 values of the one that matters, a 3×3×3 grid 3', async () => {
    // only a matters: loss = (a − a*)²; b and c are ignored
    const target = 0.37;
    const loss = (p: Trial['params']) => (Number(p.a) - target) ** 2;
    const levels = choice([1 / 6, 1 / 2, 5 / 6]); // the grid's cell centres on [0, 1]
    const g = await search({ space: { a: levels, b: levels, c: levels }, module, data, epochs: 1, strategy: grid(), runner: syntheticRunner((_, __, p) => loss(p)).runner, objective: { metric: 'val.loss', mode: 'min' } });
    const r = await search({ space: { a: range(0, 1), b: range(0, 1), c: range(0, 1) }, module, data, epochs: 1, strategy: random(), trials: 27, seed: 5, runner: syntheticRunner((_, __, p) => loss(p)).runner, objective: { metric: 'val.loss', mode: 'min' } });
    const tried = (table: typeof g.table) => table.map((t) => Number(t.params.a));
    expect(g.table).toHaveLength(27); // the grid's cost: 3 levels to the power of 3 hyperparameters
    expect(new Set(tried(g.table)).size).toBe(3);
    expect(new Set(tried(r.table)).size).toBe(27);
    // each search's best is the tried a nearest to a*, found by hand
    const nearest = (as: number[], t: number) => Math.min(...as.map((a) => (a - t) ** 2));
    expect(g.best!.value).toBe(nearest(tried(g.table), target));
    expect(r.best!.value).toBe(nearest(tried(r.table), target));
    // over 200 optima a* spread on [0, 1], the best loss random search finds is far below the grid's
    const targets = Array.from({ length: 200 }, (_, i) => (i + 0.5) / 200);
    const mean = (as: number[]) => targets.reduce((s, t) => s + nearest(as, t), 0) / targets.length;
    // the grid's by the closed form: |a − a*| uniform on [0, 1/6] gives E = (1/6)²/3
    expect(mean(tried(g.table))).toBeCloseTo((1 / 6) ** 2 / 3, 4);
    expect(mean(tried(r.table))).toBeLessThan(mean(tried(g.table)) / 3);
  });

  it('rung budgets grow η× from minEpochs and end at the search’s epochs', () => {
    expect(rungBudgets(1, 3, 9)).toEqual([1, 3, 9]);
    expect(rungBudgets(2, 2, 20)).toEqual([2, 4, 8, 16, 20]);
    expect(rungBudgets(5, 3, 5)).toEqual([5]);
  });

  it('successive halving promotes exactly the top ⌊n/η⌋ of each rung (known ranks, 20 configurations, η = 3)', async () => {
    // each rung ranks the configurations by its own seeded permutation, so a rung's survivors are not simply the previous rung's
    const perms = [0, 1, 2].map((k) => new HostRandom(100 + k).permutation(20));
    const fake = syntheticRunner((c, rung) => perms[rung]![c]!, { capacity: 4 });
    const result = await search({ space, module, data, epochs: 9, strategy: successiveHalving({ eta: 3, minEpochs: 1 }), trials: 20, runner: fake.runner });
    const atRung = (k: number) => result.table.filter((t) => t.rung === k);
    expect(atRung(0).map((t) => t.epochs)).toEqual(Array(20).fill(1));
    // expected survivors, from the permutations directly: the ⌊20/3⌋ = 6 lowest of rung 0, then the ⌊6/3⌋ = 2 lowest of rung 1 among those
    const lowest = (configs: number[], k: number, n: number) => [...configs].sort((a, b) => perms[k]![a]! - perms[k]![b]!).slice(0, n).sort((a, b) => a - b);
    const survivors1 = lowest([...Array(20).keys()], 0, 6);
    const survivors2 = lowest(survivors1, 1, 2);
    expect(atRung(1).map((t) => t.config).sort((a, b) => a - b)).toEqual(survivors1);
    expect(atRung(1).every((t) => t.epochs === 3)).toBe(true);
    expect(atRung(2).map((t) => t.config).sort((a, b) => a - b)).toEqual(survivors2);
    expect(atRung(2).every((t) => t.epochs === 9)).toBe(true);
    expect(result.best?.config).toBe(lowest(survivors2, 2, 1)[0]);
    // a promoted configuration keeps its options and trainer seed
    for (const t of atRung(2)) expect([t.params, t.seed]).toEqual([atRung(0)[t.config]!.params, atRung(0)[t.config]!.seed]);
  });

  it('ASHA follows the hand trace of Li et al.’s rule on one worker (η = 2, budgets 1-2-4)', async () => {
    // rung values (minimised): rung 0 c0..c3 = 4, 3, 1, 2; rung 1 = 3.5, 2.5, 0.5, 1.5; rung 2 = 0.3 for all
    const v = [[4, 3, 1, 2], [3.5, 2.5, 0.5, 1.5], [0.3, 0.3, 0.3, 0.3]];
    const fake = syntheticRunner((c, rung) => v[rung]![c]!);
    const result = await search({ space, module, data, epochs: 4, strategy: asha({ eta: 2, minEpochs: 1 }), trials: 4, runner: fake.runner });
    // by hand: c0 starts (rung 0 has 1 result, ⌊1/2⌋ = 0 promotable); c1 (top 1 of 2 is c1 → promote);
    // c1@1 done, rung 1 has ⌊1/2⌋ = 0; rung 0's top 1 is c1, promoted → start c2; c2 (1) is now rung 0's top → c2@1;
    // rung 1 top 1 of 2 = c2 (0.5) → c2@2; nothing promotable → c3; rung 0 top 2 of 4 = {c2, c3} → c3@1;
    // rung 1 top 1 of 3 = c2, promoted; rung 0 top 2 promoted; no configurations left → done.
    expect(fake.started.map((t) => [t.config, t.rung, t.epochs])).toEqual([[0, 0, 1], [1, 0, 1], [1, 1, 2], [2, 0, 1], [2, 1, 2], [2, 2, 4], [3, 0, 1], [3, 1, 2]]);
    expect([result.best?.config, result.best?.rung]).toEqual([2, 2]);
  });

  it('ASHA with 3 workers and uneven trial times: every promotion was in the top ⌊n/η⌋ of its rung when made, never more than 3 run at once', async () => {
    const rng = new HostRandom(9);
    const values = Array.from({ length: 3 }, () => Array.from({ length: 40 }, () => rng.uniform()));
    const delays = Array.from({ length: 40 }, () => 1 + rng.int(8));
    const fake = syntheticRunner((c, rung) => values[rung]![c]!, { capacity: 3, delay: (t) => delays[t.config]! * (t.rung + 1) });
    const result = await search({ space, module, data, epochs: 9, strategy: asha({ eta: 3, minEpochs: 1 }), trials: 40, runner: fake.runner });
    expect(fake.most).toBe(3);
    const seen = new Set<string>();
    for (const [i, t] of fake.started.entries()) {
      const key = `${t.config}@${t.rung}`;
      expect(seen.has(key)).toBe(false);
      seen.add(key);
      if (t.rung === 0) continue;
      const below = fake.snapshots[i]!.filter((r) => r.rung === t.rung - 1);
      const top = [...below].sort((a, b) => a.value! - b.value!).slice(0, Math.floor(below.length / 3)).map((r) => r.config);
      expect(top).toContain(t.config);
    }
    expect(result.table.filter((t) => t.rung === 0).length).toBe(40);
    expect(result.table.filter((t) => t.rung === 1).length).toBeGreaterThanOrEqual(Math.floor(40 / 3) - 2);
  });

  it('strategies refuse budgets they cannot use', async () => {
    const { runner } = syntheticRunner(() => 0);
    await expect(search({ space, module, data, epochs: 3, strategy: grid(), trials: 4, runner })).rejects.toThrow(/trials.*left out for grid/);
    await expect(search({ space, module, data, epochs: 3, strategy: random(), runner })).rejects.toThrow(/trials.*must be given for random/);
    await expect(search({ space, module, data, epochs: 3, strategy: asha({ eta: 1 }), trials: 4, runner })).rejects.toThrow(/eta.*integer ≥ 2/);
    await expect(search({ space, module, data, epochs: 3, strategy: successiveHalving({ minEpochs: 5 }), trials: 4, runner })).rejects.toThrow(/minEpochs.*\[1, epochs = 3\]/);
  });
});
