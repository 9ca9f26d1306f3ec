import * as tf from '@tensorflow/tfjs-core';
import { nn, OptionError, schemas, Trainer, validateOptions, z, type Dataset } from '@tikhonov/core';
import { calibration, type Calibration } from './calibration.js';
import { combine, COMBINE_RULES, uncertainty, type CombineRule, type Uncertainty } from './combine.js';

/** A member: a Trainer (its inference, through its wrapPredict plugins) or a function x ⇒ logits (or outputs). */
export type Member = Trainer | ((x: tf.Tensor) => tf.Tensor);

/** Options of an {@link Ensemble}. */
export interface EnsembleOptions {
  /** How predictions combine (default `'mean'` of probabilities). */
  combine?: CombineRule;
  /** Member weights (boosting's α); equal by default. */
  weights?: number[];
}

/** Metrics of an ensemble and of each member on the same data. */
export interface EnsembleReport {
  ensemble: Calibration;
  members: Calibration[];
  /** The members' mean error, and the ensemble's error below it. */
  meanMemberError: number;
}

const optionsSchema = z
  .object({
    combine: z.enum(COMBINE_RULES, { message: `must be one of ${COMBINE_RULES.join(', ')}` }).optional(),
    weights: z.array(schemas.nonNegative, { message: 'must be an array of numbers ≥ 0' }).optional(),
  })
  .strict();

/**
 * k members whose predictions are combined (seed §7.10, model averaging):
 * `predict` gives the combined probabilities (or mean output), `uncertainty`
 * the mean, member variance, predictive entropy and mutual information,
 * `evaluate` each member's and the ensemble's calibration metrics side by side.
 */
export class Ensemble {
  readonly members: readonly Member[];
  readonly rule: CombineRule;
  readonly weights: readonly number[] | undefined;

  constructor(members: Member[], options: EnsembleOptions = {}) {
    if (!Array.isArray(members) || members.length === 0) throw new OptionError('Ensemble', 'members', members, 'must be a non-empty array of Trainers or functions x => logits');
    for (const [i, m] of members.entries()) {
      if (!(m instanceof Trainer) && typeof m !== 'function') throw new OptionError('Ensemble', `members[${i}]`, m, 'must be a Trainer or a function x => logits');
    }
    this.members = members;
    const o = validateOptions('Ensemble', optionsSchema, options) as EnsembleOptions;
    if (o.weights && (o.weights.length !== members.length || !o.weights.some((w) => w > 0))) {
      throw new OptionError('Ensemble', 'weights', o.weights, `must hold one weight ≥ 0 per member (${members.length}), not all 0`);
    }
    this.rule = o.combine ?? 'mean';
    this.weights = o.weights;
  }

  /** Each member's output for x (the caller disposes them). */
  memberOutputs(x: tf.Tensor): tf.Tensor[] {
    return this.members.map((m) => (m instanceof Trainer ? nn.single(m.predict(x), 'Ensemble member') : tf.tidy(() => m(x))));
  }

  /** The combined prediction (probabilities, vote fractions or mean output). */
  predict(x: tf.Tensor): tf.Tensor {
    const outputs = this.memberOutputs(x);
    const out = combine(outputs, this.rule, this.weights);
    tf.dispose(outputs);
    return out;
  }

  /** Mean, member variance, predictive entropy and mutual information of the members' probabilities. */
  uncertainty(x: tf.Tensor): Uncertainty {
    const outputs = this.memberOutputs(x);
    const u = uncertainty(outputs);
    tf.dispose(outputs);
    return u;
  }

  /** The mean and (population) variance over the members of their raw outputs [n, …]: a regression ensemble's spread. */
  moments(x: tf.Tensor): { mean: tf.Tensor; variance: tf.Tensor } {
    const outputs = this.memberOutputs(x);
    const result = tf.tidy(() => {
      const { mean, variance } = tf.moments(tf.stack(outputs), 0);
      return { mean, variance };
    });
    tf.dispose(outputs);
    return result;
  }

  /** Calibration metrics of every member and of the ensemble on labelled data (classification). */
  evaluate(data: Dataset, options: { bins?: number } = {}): EnsembleReport {
    const bins = validateOptions('Ensemble.evaluate', z.object({ bins: schemas.positiveInt.optional() }).strict(), options).bins ?? 10;
    if (this.rule === 'regression') throw new OptionError('Ensemble.evaluate', 'combine', this.rule, 'evaluate reports classification metrics; use predict for a regression ensemble');
    const labels = data.y as tf.Tensor;
    const outputs = this.memberOutputs(data.x);
    const members = outputs.map((o) => {
      const p = tf.softmax(o);
      const c = calibration(p, labels, bins);
      p.dispose();
      return c;
    });
    const combined = combine(outputs, this.rule, this.weights);
    const ensemble = calibration(combined, labels, bins);
    tf.dispose([...outputs, combined]);
    return { ensemble, members, meanMemberError: members.reduce((s, m) => s + (1 - m.accuracy), 0) / members.length };
  }

  /** Disposes the Trainer members. */
  dispose(): void {
    for (const m of this.members) if (m instanceof Trainer) m.dispose();
  }
}
