// The entry of one member's worker thread: imports the user's module (which
// sets up a backend), fits one member and posts back its checkpoint.
import { parentPort, workerData } from 'node:worker_threads';
import { dataset, exportCheckpoint, type Trainer } from '@tikhonov/core';
import { datasetFromWire, fitFromWire, type WireDataset, type WireFit } from './wire.js';

/** What the runner sends to a member's thread. */
export interface MemberWorkerData {
  module: string;
  exportName: string;
  threads: number;
  index: number;
  seed: number;
  sample?: Int32Array;
  data: WireDataset;
  fit: WireFit;
}

const job = workerData as MemberWorkerData;
const mod = (await import(job.module)) as Record<string, unknown>;
if (typeof mod.setup === 'function') await (mod.setup as (o: { threads: number; index: number }) => unknown)({ threads: job.threads, index: job.index });
const make = mod[job.exportName];
if (typeof make !== 'function') throw new Error(`${job.module} has no export '${job.exportName}' (a function (seed, index) => Trainer); its exports are ${Object.keys(mod).join(', ') || 'none'}`);
const trainer = (make as (seed: number, index: number) => Trainer)(job.seed, job.index);
const data = datasetFromWire(job.data);
const part = job.sample ? dataset.subset(data, job.sample) : data;
await trainer.fit(part, fitFromWire(job.fit));
const checkpoint = await exportCheckpoint(trainer);
parentPort!.postMessage(checkpoint, [checkpoint.weights, checkpoint.optimizerWeights]);
