import * as tf from '@tensorflow/tfjs-core';
import { definePlugin, schemas, siteSelectorSchema, matchesSite, z, type ModelOutput, type Plugin, type PluginHooks, type Site, type SiteSelector } from '@tikhonov/core';
import { combine, type MeanKind, type OutputKind } from './inference.js';
import { dropUnits, type Scaling } from './masks.js';

/** How `predict`/`evaluate` approximate the ensemble of sub-networks. */
export type InferenceRule =
  | 'weight-scaling'
  | { monteCarlo: { samples: number; mean?: MeanKind } }
  | 'exact';

/** Options of {@link dropout}. */
export interface DropoutOptions {
  /** Probability of dropping an input unit. Default 0.2. */
  input?: number;
  /** Probability of dropping a hidden unit. Default 0.5. Output units are never dropped. */
  hidden?: number;
  /** Restrict to these sites (default: every input and hidden site). */
  sites?: SiteSelector;
  /** `'inverted'` (default): scale kept units by 1/(1−rate) in training; `'weight-scaling'`: scale by (1−rate) at inference. */
  scaling?: Scaling;
  /** Inference rule; default `'weight-scaling'` (one deterministic forward). */
  inference?: InferenceRule;
  /** What the model outputs, for averaging: `'logits'` (default) or `'values'` (regression). */
  outputs?: OutputKind;
  /** `'exact'` enumerates 2ⁿ masks; it refuses n above this. Default 16. */
  exactMaxUnits?: number;
  name?: string;
}

const inferenceSchema = z.union(
  [
    z.literal('weight-scaling'),
    z.literal('exact'),
    z.object({ monteCarlo: z.object({ samples: schemas.positiveInt, mean: z.enum(['arithmetic', 'geometric']).optional() }).strict() }).strict(),
  ],
  { message: "must be 'weight-scaling', 'exact' or { monteCarlo: { samples: positive integer, mean?: 'arithmetic' | 'geometric' } }" },
);

const optionShape = {
  input: schemas.rate.optional(),
  hidden: schemas.rate.optional(),
  sites: siteSelectorSchema.optional(),
  scaling: z.enum(['inverted', 'weight-scaling'], { message: "must be 'inverted' or 'weight-scaling'" }).optional(),
  inference: inferenceSchema.optional(),
  outputs: z.enum(['logits', 'values'], { message: "must be 'logits' or 'values'" }).optional(),
  exactMaxUnits: z.number().int().min(1).max(24, { message: 'must be an integer in [1, 24] (2^24 forward passes is the limit)' }).optional(),
};

/** What this plugin's own inference passes do (exact inference probes the sites, then runs every fixed mask). */
type InferencePass = { kind: 'standard' } | { kind: 'probe'; units: Map<string, number> } | { kind: 'fixed'; masks: Map<string, tf.Tensor> };

/**
 * Dropout (Srivastava et al. 2014; seed §7.11): each training step multiplies
 * every input and hidden unit by an independent Bernoulli(1 − rate) mask,
 * training the ensemble of all sub-networks with shared weights. Inference
 * approximates that ensemble by weight scaling (default), Monte Carlo
 * averaging, or — for small nets — the exact renormalised geometric mean over
 * all 2ⁿ masks. Declared for every mode: fresh masks in `'train'` and
 * `'sample'` (Monte Carlo inference asks its inner forward for `'sample'`,
 * so other sampling plugins, e.g. DropConnect, are sampled with it), the
 * inference rule in `'infer'`.
 */
export const dropout: (options?: DropoutOptions) => Plugin = definePlugin({ name: 'dropout', options: optionShape, setup: dropoutHooks });

/** The hooks of one dropout plugin; the masks' bookkeeping lives in this closure. */
function dropoutHooks(opts: DropoutOptions): PluginHooks {
  const rates = { input: opts.input ?? 0.2, hidden: opts.hidden ?? 0.5 };
  const scaling = opts.scaling ?? 'inverted';
  const inference = opts.inference ?? 'weight-scaling';
  const outputs = opts.outputs ?? 'logits';
  const exactMaxUnits = opts.exactMaxUnits ?? 16;
  let mode: InferencePass = { kind: 'standard' };

  const rateOf = (site: Site): number => {
    if (site.kind === 'output') return 0;
    if (opts.sites && !matchesSite(site, opts.sites)) return 0;
    return rates[site.kind];
  };

  const exactEnsemble = (x: tf.Tensor, next: (x: tf.Tensor) => ModelOutput): ModelOutput => {
    // Probe once to learn which sites are dropped and how many units each has.
    const units = new Map<string, number>();
    mode = { kind: 'probe', units };
    tf.dispose(next(x) as tf.TensorContainer);
    const sites = [...units.entries()];
    const n = sites.reduce((s, [, u]) => s + u, 0);
    if (n > exactMaxUnits) {
      throw new RangeError(`dropout: exact inference enumerates 2^n masks and this model has n = ${n} droppable units; the bound is exactMaxUnits = ${exactMaxUnits} (raise it up to 24, or use monteCarlo)`);
    }
    const rateBySite = new Map(sites.map(([s]) => [s, siteRates.get(s)!]));
    const samples: ModelOutput[] = [];
    const weights: number[] = [];
    for (let m = 0; m < 2 ** n; m++) {
      let bit = 0;
      let probability = 1;
      const masks = new Map<string, tf.Tensor>();
      for (const [site, count] of sites) {
        const rate = rateBySite.get(site)!;
        const values = new Float32Array(count);
        for (let j = 0; j < count; j++, bit++) {
          const keep = (m >> bit) & 1;
          values[j] = keep;
          probability *= keep ? 1 - rate : rate;
        }
        masks.set(site, tf.tensor1d(values));
      }
      mode = { kind: 'fixed', masks };
      samples.push(next(x));
      weights.push(probability);
      tf.dispose([...masks.values()]);
    }
    mode = { kind: 'standard' };
    // geometric mean weighted by each mask's probability (uniform when rate = 0.5)
    const result = combine(samples, weights, outputs, 'geometric');
    tf.dispose(samples as tf.TensorContainer);
    return result;
  };

  // Per-site rates seen in the last probe (the rate depends on the site kind).
  const siteRates = new Map<string, number>();

  return {
    modes: ['train', 'sample', 'infer'],
    transformActivation(site, h, ctx) {
      const rate = rateOf(site);
      if (rate === 0) return h;
      // training, or one sample of it (predict's `sample`, or this plugin's own Monte Carlo draws)
      if (ctx.mode !== 'infer') return dropUnits(h, rate, ctx.random, scaling);
      switch (mode.kind) {
        case 'probe':
          mode.units.set(site.name, h.size / h.shape[0]!);
          siteRates.set(site.name, rate);
          return scaling === 'weight-scaling' ? tf.mul(h, 1 - rate) : h;
        case 'fixed': {
          const mask = tf.reshape(mode.masks.get(site.name)!, h.shape.slice(1));
          return scaling === 'inverted' ? tf.mul(h, tf.div(mask, 1 - rate)) : tf.mul(h, mask);
        }
        default:
          return scaling === 'weight-scaling' ? tf.mul(h, 1 - rate) : h;
      }
    },
    wrapPredict(x, next, ctx) {
      if (ctx.mode === 'sample' || inference === 'weight-scaling') return next(x);
      if (inference === 'exact') return exactEnsemble(x, next);
      const { samples, mean = 'arithmetic' } = inference.monteCarlo;
      const draws = Array.from({ length: samples }, () => next(x, { mode: 'sample' }));
      const result = combine(draws, draws.map(() => 1 / samples), outputs, mean);
      tf.dispose(draws as tf.TensorContainer);
      return result;
    },
  };
}
