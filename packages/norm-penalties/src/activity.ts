import * as tf from '@tensorflow/tfjs-core';
import { definePlugin, schemas, siteSelectorSchema, selectSitesOrThrow, z, type Plugin, type SiteSelector } from '@tikhonov/core';

/** Options shared by the representation penalties. */
export interface ActivityOptions {
  /** Weight of the penalty. */
  alpha: number;
  /** Which activations; default every hidden site. */
  sites?: SiteSelector;
  /** |h| at or below this counts as zero in the reported `zeroFraction`. Default 1e-3. */
  zeroTolerance?: number;
  name?: string;
}

const baseShape = {
  alpha: schemas.nonNegative,
  sites: siteSelectorSchema.optional(),
  zeroTolerance: schemas.nonNegative.optional(),
};

/**
 * Defines a representation penalty (seed §7.9): adds α·Σ term(h) over the
 * selected sites' activations of the step's main forward pass (read from
 * `ctx.activations`, so nested passes and list order do not change it),
 * where term is averaged over the batch. Reports the fraction of near-zero
 * activations as `<name>.zeroFraction`.
 */
function activityPenalty<O extends ActivityOptions>(owner: string, extra: z.ZodRawShape, term: (h: tf.Tensor, opts: O) => tf.Scalar): (options: O) => Plugin {
  return definePlugin({
    name: owner,
    options: { ...baseShape, ...extra },
    setup(opts: O, name) {
      const tolerance = opts.zeroTolerance ?? 1e-3;
      let chosen = new Set<string>();
      return {
        beforeFit(ctx) {
          chosen = new Set(selectSitesOrThrow(ctx.model.sites, opts.sites ?? { kinds: ['hidden'] }, name).map((s) => s.name));
        },
        penalty(ctx) {
          const recorded = ctx.activations.filter((a) => chosen.has(a.site.name)).map((a) => a.value);
          if (recorded.length === 0) return undefined;
          const terms = recorded.map((h) => term(h, opts));
          const zeros = recorded.map((h) => tf.sum(tf.cast(tf.lessEqual(tf.abs(h), tolerance), 'float32')));
          const size = recorded.reduce((s, h) => s + h.size, 0);
          ctx.report('zeroFraction', tf.div(tf.addN(zeros), size) as tf.Scalar);
          return tf.mul(opts.alpha, terms.length === 1 ? terms[0]! : tf.addN(terms)) as tf.Scalar;
        },
      };
    },
  }) as (options: O) => Plugin;
}

const perExample = (h: tf.Tensor, values: tf.Tensor) => tf.div(tf.sum(values), h.shape[0]!) as tf.Scalar;

/** α·Σ|h| per example, averaged over the batch: an L¹ penalty on representations, making them sparse. */
export const activityL1 = activityPenalty<ActivityOptions>('activityL1', {}, (h) => perExample(h, tf.abs(h)));

/** α/2·Σh² per example, averaged over the batch. */
export const activityL2 = activityPenalty<ActivityOptions>('activityL2', {}, (h) => tf.mul(0.5, perExample(h, tf.square(h))) as tf.Scalar);

/** Options of {@link klSparsity}. */
export interface KlSparsityOptions extends ActivityOptions {
  /** Target mean activation ρ of each unit, in (0, 1). */
  target: number;
}

/**
 * Sparse-autoencoder penalty: α·Σⱼ KL(ρ ‖ ρ̂ⱼ), ρ̂ⱼ the batch mean of unit j,
 * for units with values in (0, 1) (sigmoid). ρ̂ is clipped to [1e-6, 1−1e-6].
 */
export const klSparsity = activityPenalty<KlSparsityOptions>('klSparsity', { target: z.number().gt(0, { message: 'must be in (0, 1)' }).lt(1, { message: 'must be in (0, 1)' }) }, (h, opts) => {
  const rho = opts.target;
  const rhoHat = tf.clipByValue(tf.mean(tf.reshape(h, [h.shape[0]!, -1]), 0), 1e-6, 1 - 1e-6);
  const kl = tf.add(tf.mul(rho, tf.log(tf.div(rho, rhoHat))), tf.mul(1 - rho, tf.log(tf.div(1 - rho, tf.sub(1, rhoHat)))));
  return tf.sum(kl) as tf.Scalar;
});

/** Student-t prior penalty α·Σ log(1 + h²) per example (Olshausen & Field 1996), averaged over the batch. */
export const studentT = activityPenalty<ActivityOptions>('studentT', {}, (h) => perExample(h, tf.log1p(tf.square(h))));
