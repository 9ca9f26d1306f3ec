// cli-progress (and through it Node's readline) is loaded only when a
// progress line is shown, so importing core in a browser, or with the line
// off, loads no Node-only module.

/** Shows a progress line on long fits; cli-progress handles the terminal. */
export interface Progress {
  update(step: number, fields: { loss?: number; epoch: number }): void;
  stop(): void;
}

/** On when stderr is a TTY and CI is not set, unless forced either way. */
export function progressEnabled(option: boolean | 'auto'): boolean {
  if (option !== 'auto') return option;
  // `process` is undeclared in browsers: test with typeof, not optional chaining
  if (typeof process === 'undefined') return false;
  return Boolean(process.stderr?.isTTY) && !process.env?.CI;
}

/** A progress line over `total` steps, or a no-op when disabled. */
export async function createProgress(enabled: boolean, total: number): Promise<Progress> {
  if (!enabled) return { update() {}, stop() {} };
  if (typeof process === 'undefined' || !process.stderr) {
    throw new Error("Trainer: option 'progress' = true needs Node's stderr (a terminal line); in a browser use false or 'auto'");
  }
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    { format: 'epoch {epoch} |{bar}| step {value}/{total} | loss {loss}', stream: process.stderr, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { loss: '—', epoch: 1 });
  return {
    update(step, fields) {
      bar.update(step, { epoch: fields.epoch, ...(fields.loss === undefined ? {} : { loss: fields.loss.toFixed(4) }) });
    },
    stop() {
      bar.stop();
    },
  };
}
