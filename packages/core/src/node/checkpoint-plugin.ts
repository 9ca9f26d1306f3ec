import { Order, type Plugin } from '../plugin.js';
import { definePlugin } from '../define-plugin.js';
import { schemas, z } from '../options.js';
import { writeCheckpoint } from './checkpoint-files.js';

/** Options of {@link checkpoint}. */
export interface CheckpointOptions {
  /** Directory to write (replaced atomically each time). */
  dir: string;
  /** Save after every this many epochs. Default 1. */
  everyEpochs?: number;
  /** Plugin name; default `checkpoint`. */
  name?: string;
}

/** Saves a checkpoint at the end of every n-th epoch and at the end of the fit; runs last. */
export const checkpoint: (options: CheckpointOptions) => Plugin = definePlugin({
  name: 'checkpoint',
  options: {
    dir: z.string({ message: 'must be a directory path' }).min(1, { message: 'must be a directory path' }),
    everyEpochs: schemas.positiveInt.optional(),
  },
  setup: ({ dir, everyEpochs = 1 }: CheckpointOptions) => ({
    order: Order.checkpoint,
    async afterEpoch(ctx) {
      if (ctx.epoch % everyEpochs === 0) await writeCheckpoint(await ctx.exportCheckpoint(), dir);
    },
    async afterFit(ctx) {
      await writeCheckpoint(await ctx.exportCheckpoint(), dir);
    },
  }),
});
