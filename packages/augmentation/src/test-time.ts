import * as tf from '@tensorflow/tfjs-core';
import { definePlugin, nn, z, type Plugin } from '@tikhonov/core';
import { hostStream, imagesOf, sizeOf } from './op.js';
import { entryOf } from './plugin.js';

/** Options of {@link testTimeAugmentation}. */
export interface TestTimeAugmentationOptions {
  /** The copies: each transform (from this package's factories) applied to every image, its `p` ignored. */
  transforms: Plugin[];
  /** How the copies' predictions combine: `'mean'` of the probabilities (default) or `'geometric'`, the renormalised geometric mean. */
  combine?: 'mean' | 'geometric';
  /** Include the unaugmented image as a copy. Default true. */
  includeOriginal?: boolean;
}

/**
 * Test-time augmentation: in inference (`predict`, `evaluate`, validation;
 * the v2 contract's `'infer'` and `'sample'` modes) the prediction is the
 * combination of the model's predictions on augmented copies of each image,
 * returned as logits: log of the mean probabilities, or the mean
 * log-probabilities (softmax renormalises them). Training is untouched:
 * augmentation reaches `predict` only through this plugin.
 */
export const testTimeAugmentation: (options: TestTimeAugmentationOptions & { name?: string }) => Plugin = definePlugin({
  name: 'testTimeAugmentation',
  options: {
    transforms: z.array(z.custom<Plugin>((v) => typeof v === 'object' && v !== null), { message: 'must be an array of transforms' }).min(1, { message: 'must hold at least one transform' }),
    combine: z.enum(['mean', 'geometric'], { message: "must be 'mean' or 'geometric'" }).optional(),
    includeOriginal: z.boolean().optional(),
  },
  setup: ({ transforms, combine = 'mean', includeOriginal = true }: TestTimeAugmentationOptions, name) => {
    const entries = transforms.map((t) => entryOf(t, name));
    return {
      wrapPredict(x, next, ctx) {
        const images = imagesOf(x, name);
        const rng = hostStream(ctx.random);
        const copies = [...(includeOriginal ? [images] : []), ...entries.map((e) => e.op.apply(images, e.op.draw(images.shape[0], rng, sizeOf(images)), sizeOf(images)))];
        const logProbs = copies.map((c) => tf.logSoftmax(nn.single(next(c), name)));
        if (combine === 'geometric') return tf.div(tf.addN(logProbs), logProbs.length);
        return tf.log(tf.div(tf.addN(logProbs.map((l) => tf.exp(l))), logProbs.length));
      },
    };
  },
});
