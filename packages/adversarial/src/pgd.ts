import * as tf from '@tensorflow/tfjs-core';
import { OptionError, schemas, validateOptions, z } from '@tikhonov/core';
import type { RandomStream } from '@tikhonov/core';
import { ascentDirection, project, unitRows, whereRows, type Norm } from './ball.js';
import { formatEpsilon, lossSchema, normSchema, normSymbol, objectiveGradient, rangeSchema, registerAttack, type Attack, type AttackProblem } from './attack.js';
import type { AttackLoss } from './objective.js';

/** Options of {@link pgd}. */
export interface PgdOptions {
  /** Radius of the ball the perturbation stays in (max-norm for L∞, Euclidean for L2). */
  epsilon: number;
  norm?: Norm;
  /** Gradient steps per restart. Default 10. */
  steps?: number;
  /** Step length α. Default 2.5·ε/steps (Madry et al. 2018); at another ε (`at`, several ε) it scales with ε. */
  stepSize?: number;
  /** Start at a uniform random point of the ball (default true) or at x. */
  randomStart?: boolean;
  /** Independent random starts; each example keeps its worst case. Default 1. */
  restarts?: number;
  /** Stop moving an example once it is misclassified (or at its target). Default false. */
  earlyExit?: boolean;
  loss?: AttackLoss;
  /** Data range to clip to, e.g. [0, 1]; default none. */
  range?: [number, number];
}

const schema = z
  .object({
    epsilon: schemas.nonNegative,
    norm: normSchema.optional(),
    steps: schemas.positiveInt.optional(),
    stepSize: schemas.positive.optional(),
    randomStart: z.boolean({ message: 'must be true or false' }).optional(),
    restarts: schemas.positiveInt.optional(),
    earlyExit: z.boolean({ message: 'must be true or false' }).optional(),
    loss: lossSchema.optional(),
    range: rangeSchema.optional(),
  })
  .strict();

/**
 * Projected gradient descent on the negative loss (Madry et al. 2018): from a
 * random point of the ε-ball, `steps` times x ← Π(x + α·dir(∇ₓJ)) where dir
 * is sign for L∞ and g/‖g‖₂ for L2 and Π projects onto the ball around the
 * clean input and clips to the data range. With restarts each example keeps
 * its worst case over the starts (a success first, then the higher loss).
 */
export function pgd(options: PgdOptions): Attack {
  const o = validateOptions('pgd', schema, options) as PgdOptions;
  const steps = o.steps ?? 10;
  if (o.earlyExit && (o.loss ?? 'crossEntropy') === 'mse') {
    throw new OptionError('pgd', 'earlyExit', true, "needs a classifier's loss to know when an example is misclassified; with loss 'mse' leave it false");
  }
  const settings = pgdSettings(o);
  const name = `PGD-${steps} ${normSymbol(settings.norm)}${settings.restarts > 1 ? ` ×${settings.restarts}` : ''}`;
  const attack: Attack = {
    kind: 'pgd',
    name,
    label: `${name} ε=${formatEpsilon(o.epsilon)}`,
    epsilon: o.epsilon,
    norm: settings.norm,
    steps,
    restarts: settings.restarts,
    loss: o.loss ?? 'crossEntropy',
    range: settings.range,
    perturb: (problem) => pgdAttack(settings, problem),
    at: (epsilon: number) => {
      // the step size is a fraction of ε, so the same attack at another ε takes proportional steps
      const stepSize = o.stepSize === undefined || o.epsilon === 0 ? undefined : (o.stepSize * epsilon) / o.epsilon;
      return pgd({ ...o, epsilon, stepSize });
    },
  };
  return registerAttack(attack);
}

function pgdAttack(s: PgdSettings, problem: AttackProblem): tf.Tensor {
  if (s.restarts === 1) return pgdRestart(s, problem, problem.random);
  // every restart's tensors live until this tidy ends: restarts are few
  return tf.tidy(() => {
    let best = pgdRestart(s, problem, problem.random);
    let bestScore = scoreOf(problem, best);
    for (let r = 1; r < s.restarts; r++) {
      const candidate = pgdRestart(s, problem, problem.random);
      const score = scoreOf(problem, candidate);
      const better = betterThan(score, bestScore);
      best = whereRows(better, candidate, best);
      bestScore = {
        value: tf.where(better, score.value, bestScore.value),
        success: score.success && bestScore.success ? tf.where(better, score.success, bestScore.success) : undefined,
      };
    }
    return best;
  });
}

/** Per example, how bad an adversarial input is for the model. */
interface Score {
  value: tf.Tensor1D;
  success: tf.Tensor1D | undefined;
}

function scoreOf(problem: AttackProblem, x: tf.Tensor): Score {
  const prediction = problem.model(x);
  return { value: problem.objective(prediction), success: problem.success?.(prediction) };
}

/** Per example: is a worse for the model than b (a success where b failed, else a higher objective)? */
function betterThan(a: Score, b: Score): tf.Tensor1D {
  const higher = tf.greater(a.value, b.value) as tf.Tensor1D;
  if (!a.success || !b.success) return higher;
  const newSuccess = tf.logicalAnd(a.success, tf.logicalNot(b.success));
  return tf.logicalOr(newSuccess, tf.logicalAnd(tf.equal(a.success, b.success), higher)) as tf.Tensor1D;
}

/**
 * One PGD run from one start, drawing its start from `random` (restarts call
 * it in turn on the same stream, which is how a test reproduces them).
 */
export function pgdRestart(s: PgdSettings, problem: AttackProblem, random: RandomStream): tf.Tensor {
  const { x } = problem;
  return tf.tidy(() => {
    let adv = s.randomStart ? project(tf.add(x, randomInBall(x.shape, s.epsilon, s.norm, random)), x, s.epsilon, s.norm, s.range) : (problem.start ?? x);
    for (let t = 0; t < s.steps; t++) {
      const from = adv;
      adv = tf.tidy(() => {
        const g = objectiveGradient(problem, from);
        const stepped = project(tf.add(from, tf.mul(s.stepSize, ascentDirection(g, s.norm))), x, s.epsilon, s.norm, s.range);
        if (!s.earlyExit || !problem.success) return stepped;
        // an example already misclassified (or at its target) stays where it is
        return whereRows(problem.success(problem.model(from)), from, stepped);
      });
      if (from !== x && from !== problem.start) from.dispose();
    }
    return adv === x || adv === problem.start ? tf.clone(adv) : adv;
  });
}

/** A uniform draw from the ε-ball: U(−ε, ε) per feature for L∞; direction × ε·u^(1/d) for L2. */
function randomInBall(shape: number[], epsilon: number, norm: Norm, random: RandomStream): tf.Tensor {
  if (norm === 'linf') return random.uniform(shape, -epsilon, epsilon);
  const n = shape[0]!;
  const d = shape.slice(1).reduce((a, b) => a * b, 1);
  const radius = tf.mul(epsilon, tf.pow(random.uniform([n], 0, 1), 1 / d));
  return tf.mul(unitRows(random.normal(shape)), tf.reshape(radius, [n, ...shape.slice(1).map(() => 1)]));
}

/** The resolved settings of one PGD attack. */
export interface PgdSettings {
  readonly epsilon: number;
  readonly norm: Norm;
  readonly steps: number;
  readonly stepSize: number;
  readonly randomStart: boolean;
  readonly restarts: number;
  readonly earlyExit: boolean;
  readonly range: readonly [number, number] | undefined;
}

/** Defaults filled in (validated options in); also what tests use to rebuild a run's restarts. */
export function pgdSettings(options: PgdOptions): PgdSettings {
  const steps = options.steps ?? 10;
  return {
    epsilon: options.epsilon,
    norm: options.norm ?? 'linf',
    steps,
    stepSize: options.stepSize ?? (2.5 * options.epsilon) / steps,
    randomStart: options.randomStart ?? true,
    restarts: options.restarts ?? 1,
    earlyExit: options.earlyExit ?? false,
    range: options.range,
  };
}
