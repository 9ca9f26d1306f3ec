/** Node-only parts of @tikhonov/core: checkpoint files and the checkpoint plugin. */
export { saveCheckpoint, loadCheckpoint, writeCheckpoint, writeDirectory, assertReplaceable } from './checkpoint-files.js';
export { checkpoint, type CheckpointOptions } from './checkpoint-plugin.js';
