import * as tf from '@tensorflow/tfjs-core';
import { learningCurvesSvg, schemas, validateOptions, z, type Dataset } from '@tikhonov/core';
import { attackSchema, formatEpsilon, type Attack } from './attack.js';
import { classIds, predictedClass } from './objective.js';
import { attackModelOf, runAttack, singleTargets, type AttackSource } from './run-attack.js';

/** Options of {@link robustness}. */
export interface RobustnessOptions {
  /** The attacks to evaluate; each runs at every ε. */
  attacks: Attack[];
  /** The ε grid (0 is the clean accuracy and is always included). */
  epsilons: number[];
  /** Seeds the attacks' random starts. Default 0. */
  seed?: number;
  batchSize?: number;
  /** Accuracy drops smaller than this are noise for the sanity checks. Default 0.005 (half a point). */
  tolerance?: number;
}

/** Accuracy under one attack at one ε. */
export interface RobustnessRow {
  attack: string;
  kind: Attack['kind'];
  steps: number;
  epsilon: number;
  accuracy: number;
  error: number;
}

/** What {@link robustness} measured, with the gradient-masking warnings its sanity checks raised. */
export interface RobustnessReport {
  clean: number;
  examples: number;
  rows: RobustnessRow[];
  /** Empty when every check passed: error grows with ε and with PGD steps, PGD is at least as strong as FGSM. */
  warnings: string[];
}

const schema = z
  .object({
    attacks: z.array(attackSchema, { message: 'must be an array of attacks' }).min(1, { message: 'must hold at least one attack' }),
    epsilons: z.array(schemas.nonNegative, { message: 'must be an array of numbers ≥ 0' }).min(1, { message: 'must hold at least one ε' }),
    seed: schemas.seed.optional(),
    batchSize: schemas.positiveInt.optional(),
    tolerance: schemas.nonNegative.optional(),
  })
  .strict();

/** Fraction of rows of x the model classifies as `ids` (one host read). */
function accuracy(source: AttackSource, loss: Attack['loss'], x: tf.Tensor, ids: tf.Tensor1D): number {
  const model = attackModelOf(source);
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(predictedClass(loss, model(x)), ids), 'float32')).dataSync()[0]!);
}

/**
 * Accuracy and error under each attack at each ε, untargeted against the true
 * labels, and sanity checks that flag gradient masking (Carlini et al. 2019's
 * list, the cheap part): the error must not fall as ε grows or as PGD takes
 * more steps, and PGD must be at least as strong as FGSM at the same ε and norm.
 * A warning means the evaluation is not to be trusted, not that the model is robust.
 */
export function robustness(source: AttackSource, data: Dataset, options: RobustnessOptions): RobustnessReport {
  const o = validateOptions('robustness', schema, options) as RobustnessOptions;
  const tolerance = o.tolerance ?? 0.005;
  const labels = singleTargets(data.y, 'robustness');
  const ids = tf.tidy(() => classIds(labels));
  const epsilons = [...new Set(o.epsilons)].sort((a, b) => a - b);
  const rows: RobustnessRow[] = [];
  const clean = accuracy(source, o.attacks[0]!.loss, data.x, ids);
  try {
    for (const attack of o.attacks) {
      const results = runAttack(source, data.x, { attack, labels, epsilons, seed: o.seed, batchSize: o.batchSize });
      for (const r of results) {
        const acc = r.epsilon === 0 ? clean : accuracy(source, attack.loss, r.x, ids);
        r.x.dispose();
        rows.push({ attack: attack.name, kind: attack.kind, steps: attack.steps, epsilon: r.epsilon, accuracy: acc, error: 1 - acc });
      }
    }
  } finally {
    ids.dispose();
  }
  return { clean, examples: data.size, rows, warnings: sanityWarnings(rows, tolerance) };
}

/** The gradient-masking checks over a report's rows. */
export function sanityWarnings(rows: readonly RobustnessRow[], tolerance: number): string[] {
  const warnings: string[] = [];
  const byAttack = new Map<string, RobustnessRow[]>();
  for (const r of rows) byAttack.set(r.attack, [...(byAttack.get(r.attack) ?? []), r]);
  for (const [attack, list] of byAttack) {
    for (let i = 1; i < list.length; i++) {
      const [a, b] = [list[i - 1]!, list[i]!];
      if (b.error < a.error - tolerance) warnings.push(`${attack}: error falls from ${pct(a.error)} at ε=${formatEpsilon(a.epsilon)} to ${pct(b.error)} at ε=${formatEpsilon(b.epsilon)} — a sign of gradient masking`);
    }
  }
  const at = (kind: string, norm: string, eps: number) => rows.filter((r) => r.kind === kind && r.attack.includes(norm) && r.epsilon === eps);
  for (const eps of new Set(rows.map((r) => r.epsilon))) {
    for (const norm of ['L∞', 'L2']) {
      const pgds = at('pgd', norm, eps).sort((a, b) => a.steps - b.steps);
      for (const f of at('fgsm', norm, eps)) {
        for (const p of pgds) if (p.error < f.error - tolerance) warnings.push(`at ε=${formatEpsilon(eps)} ${p.attack} (error ${pct(p.error)}) is weaker than ${f.attack} (${pct(f.error)}) — a sign of gradient masking`);
      }
      for (let i = 1; i < pgds.length; i++) {
        const [a, b] = [pgds[i - 1]!, pgds[i]!];
        if (b.steps > a.steps && b.error < a.error - tolerance) warnings.push(`at ε=${formatEpsilon(eps)} ${b.attack} (error ${pct(b.error)}) is weaker than ${a.attack} with fewer steps (${pct(a.error)}) — a sign of gradient masking`);
      }
    }
  }
  return warnings;
}

const pct = (v: number) => `${(100 * v).toFixed(1)} %`;

/** The report as a fixed-width text table: one row per attack, one column per ε. */
export function robustnessTable(report: RobustnessReport): string {
  const epsilons = [...new Set(report.rows.map((r) => r.epsilon))];
  const attacks = [...new Set(report.rows.map((r) => r.attack))];
  const width = Math.max(8, ...attacks.map((a) => a.length));
  const head = `${'accuracy'.padEnd(width)} ${epsilons.map((e) => `ε=${formatEpsilon(e)}`.padStart(9)).join(' ')}`;
  const lines = attacks.map((a) => `${a.padEnd(width)} ${epsilons.map((e) => (report.rows.find((r) => r.attack === a && r.epsilon === e)?.accuracy ?? NaN).toFixed(3).padStart(9)).join(' ')}`);
  return [`clean accuracy ${report.clean.toFixed(3)} on ${report.examples} examples`, head, ...lines, ...report.warnings.map((w) => `warning: ${w}`)].join('\n');
}

/** Accuracy against ε as an SVG line chart: one line per (model, attack); reports are labelled by model. */
export function robustnessSvg(reports: ReadonlyArray<{ label: string; report: RobustnessReport }>, options: { title?: string } = {}): string {
  const series = reports.flatMap(({ label, report }) => {
    const attacks = [...new Set(report.rows.map((r) => r.attack))];
    return attacks.map((attack, i) => ({
      label: reports.length > 1 ? `${label}, ${attack}` : attack,
      dashed: i > 0,
      points: report.rows.filter((r) => r.attack === attack).map((r) => [r.epsilon, r.accuracy] as const),
    }));
  });
  return learningCurvesSvg(series, { title: options.title ?? 'accuracy under attack', xLabel: 'ε', yLabel: 'accuracy' });
}
