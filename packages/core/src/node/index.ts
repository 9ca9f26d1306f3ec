/** Node-only parts of @tikhonov/core: checkpoint files, the checkpoint plugin and the file loggers. */
export { saveCheckpoint, loadCheckpoint, writeCheckpoint, writeDirectory, assertReplaceable, recoverDirectory } from './checkpoint-files.js';
export { checkpoint, type CheckpointOptions } from './checkpoint-plugin.js';
export { csvLogger, jsonLinesLogger, type CsvLoggerOptions, type JsonLinesLoggerOptions } from './loggers.js';
