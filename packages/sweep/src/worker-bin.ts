#!/usr/bin/env node
// tikhonov-worker: a queue worker for @tikhonov/sweep's bullmq runner.
import { parseArgs } from 'node:util';
import { startWorker } from './queue-worker.js';

const usage = `usage: tikhonov-worker --redis redis://host:port [--queue tikhonov-sweep] [--module ./trial.js]
                       [--threads n] [--lock-duration ms] [--stalled-interval ms] [--max-stalled n]
                       [--checkpoint-seconds s|off]`;

function int(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`tikhonov-worker: --${flag} ${text} must be a non-negative integer\n${usage}`);
    process.exit(2);
  }
  return n;
}

/** `--checkpoint-seconds`: seconds ≥ 0 between a trial's checkpoints, or `off`. */
function seconds(text: string | undefined): number | false | undefined {
  if (text === undefined) return undefined;
  if (text === 'off') return false;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0) {
    console.error(`tikhonov-worker: --checkpoint-seconds ${text} must be a number of seconds ≥ 0 or off\n${usage}`);
    process.exit(2);
  }
  return n;
}

let args;
try {
  args = parseArgs({
    options: {
      redis: { type: 'string' },
      queue: { type: 'string' },
      module: { type: 'string' },
      threads: { type: 'string' },
      'lock-duration': { type: 'string' },
      'stalled-interval': { type: 'string' },
      'max-stalled': { type: 'string' },
      'checkpoint-seconds': { type: 'string' },
      help: { type: 'boolean' },
    },
  }).values;
} catch (error) {
  console.error(`tikhonov-worker: ${(error as Error).message}\n${usage}`);
  process.exit(2);
}
if (args.help) {
  console.log(usage);
  process.exit(0);
}
if (!args.redis) {
  console.error(`tikhonov-worker: --redis is required (the URL of the sweep's Redis server)\n${usage}`);
  process.exit(2);
}
const worker = await startWorker({
  connection: args.redis,
  ...(args.queue ? { queue: args.queue } : {}),
  ...(args.module ? { module: args.module } : {}),
  ...(args.threads !== undefined ? { threads: int('threads', args.threads) } : {}),
  ...(args['lock-duration'] !== undefined ? { lockDuration: int('lock-duration', args['lock-duration']) } : {}),
  ...(args['stalled-interval'] !== undefined ? { stalledInterval: int('stalled-interval', args['stalled-interval']) } : {}),
  ...(args['max-stalled'] !== undefined ? { maxStalledCount: int('max-stalled', args['max-stalled']) } : {}),
  ...(args['checkpoint-seconds'] !== undefined ? { checkpointSeconds: seconds(args['checkpoint-seconds']) } : {}),
});
console.log(`tikhonov-worker ${process.pid}: waiting for trials on ${args.redis} queue ${args.queue ?? 'tikhonov-sweep'}`);
const stop = async () => {
  await worker.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
