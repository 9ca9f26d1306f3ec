// The entry of one local worker thread: hosts the trial module and runs the
// trials the driver posts, one at a time, replying with each result or error.
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { ModuleHost } from './runner.js';
import { workerTag } from './run-trial.js';
import type { Trial } from './trial.js';

/** What the local runner tells each thread when it starts it. */
export interface ThreadWorkerData {
  threads: number;
}

/** The reply to one posted trial. */
export type ThreadReply = { id: string; result: unknown } | { id: string; error: { name: string; message: string } };

const host = new ModuleHost((workerData as ThreadWorkerData).threads, workerTag(`thread-${threadId}`));
parentPort!.on('message', async (trial: Trial) => {
  try {
    parentPort!.postMessage({ id: trial.id, result: await host.run(trial) } satisfies ThreadReply);
  } catch (error) {
    const e = error as Error;
    parentPort!.postMessage({ id: trial.id, error: { name: e?.name ?? 'Error', message: e?.message ?? String(error) } } satisfies ThreadReply);
  }
});
