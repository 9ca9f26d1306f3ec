// The terminal progress bar library, for Node (see package.json "imports": '#terminal-bar').
import cliProgress from 'cli-progress';

/** cli-progress itself. */
export { cliProgress };
