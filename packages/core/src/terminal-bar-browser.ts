// '#terminal-bar' under the browser condition: no terminal, so no cli-progress (and no Node built-ins in a bundle).

/** No progress bar library here; `createProgress` says so if a progress line is asked for. */
export const cliProgress: typeof import('cli-progress') | undefined = undefined;
