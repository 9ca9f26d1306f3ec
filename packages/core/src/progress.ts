// cli-progress (and through it Node's readline) is loaded only when a
// progress line is shown, and only through the `#terminal-bar` import, which
// resolves to a stub under the browser condition: a bundler for the browser
// never sees cli-progress.

/** Shows a progress line on long fits; cli-progress handles the terminal. */
export interface Progress {
  /** `loss`: the last logged training loss; `validation`: the last validation loss. */
  update(step: number, fields: { loss?: number; validation?: number; epoch: number }): void;
  stop(): void;
}

/** On when stderr is a TTY and CI is not set, unless forced either way. */
export function progressEnabled(option: boolean | 'auto'): boolean {
  if (option !== 'auto') return option;
  // `process` is undeclared in browsers: test with typeof, not optional chaining
  if (typeof process === 'undefined') return false;
  return Boolean(process.stderr?.isTTY) && !process.env?.CI;
}

/** A progress line over `total` steps, or a no-op when disabled; `stream` (default stderr) is for tests. */
export async function createProgress(enabled: boolean, total: number, stream?: NodeJS.WritableStream): Promise<Progress> {
  if (!enabled) return { update() {}, stop() {} };
  if (!stream && (typeof process === 'undefined' || !process.stderr)) {
    throw new Error("Trainer: option 'progress' = true needs Node's stderr (a terminal line); in a browser use false or 'auto'");
  }
  const { cliProgress } = await import('#terminal-bar');
  if (!cliProgress) throw new Error("Trainer: option 'progress' = true needs a terminal; this build of @tikhonov/core is the browser one (use false or 'auto')");
  const bar = new cliProgress.SingleBar(
    { format: 'epoch {epoch} |{bar}| step {value}/{total} | loss {loss} | val.loss {validation} | ETA {eta_formatted}', stream: stream ?? process.stderr, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { loss: '—', validation: '—', epoch: 1 });
  const text = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(4));
  return {
    update(step, fields) {
      bar.update(step, { epoch: fields.epoch, loss: text(fields.loss), validation: text(fields.validation) });
    },
    stop() {
      bar.stop();
    },
  };
}
