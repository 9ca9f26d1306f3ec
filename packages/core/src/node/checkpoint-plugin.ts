import { Order, type Plugin } from '../plugin.js';
import { schemas, validateOptions, z } from '../options.js';
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

const schema = z.object({
  dir: z.string({ message: 'must be a directory path' }).min(1, { message: 'must be a directory path' }),
  everyEpochs: schemas.positiveInt.optional(),
  name: z.string().min(1).optional(),
});

/** Saves a checkpoint at the end of every n-th epoch and at the end of the fit; runs last. */
export function checkpoint(options: CheckpointOptions): Plugin {
  const { dir, everyEpochs = 1, name = 'checkpoint' } = validateOptions('checkpoint', schema, options);
  return {
    name,
    apiVersion: 2,
    order: Order.checkpoint,
    async afterEpoch(ctx) {
      if (ctx.epoch % everyEpochs === 0) await writeCheckpoint(await ctx.exportCheckpoint(), dir);
    },
    async afterFit(ctx) {
      await writeCheckpoint(await ctx.exportCheckpoint(), dir);
    },
  };
}
