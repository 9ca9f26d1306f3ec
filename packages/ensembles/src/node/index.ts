/** Node-only parts of @tikhonov/ensembles: saving and loading a whole ensemble. */
export { saveEnsemble, loadEnsemble, ENSEMBLE_FORMAT, type EnsembleManifest } from './ensemble-files.js';
