/** Node-only parts of @tikhonov/ensembles: members on worker threads, saving and loading a whole ensemble. */
export { saveEnsemble, loadEnsemble, ENSEMBLE_FORMAT, type EnsembleManifest } from './ensemble-files.js';
export { workerThreads, type WorkerThreadsOptions } from './worker-threads.js';
