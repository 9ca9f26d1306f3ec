/** One row of the history: numbers keyed by metric name (`loss`, `val.loss`, `l2.penalty`, ...). */
export type HistoryRecord = Record<string, number>;

/**
 * What a fit recorded, as plain JSON: a row per epoch, per log point and per
 * validation pass, why it stopped, and notes plugins leave (early stopping's i*).
 */
export class History {
  /** One row per completed epoch: epoch, step, mean training loss and the epoch's validation metrics. */
  readonly epochs: HistoryRecord[] = [];
  /** One row per log point: step, mean training loss since the last log point, plugin reports. */
  readonly logs: HistoryRecord[] = [];
  /** One row per validation pass: step, epoch and its metrics. */
  readonly evaluations: HistoryRecord[] = [];
  /** Why the last fit ended: `completed`, `maxSteps`, or a plugin's stop request. */
  stop: { by: string; reason: string; step: number } | undefined;
  /** Free-form JSON notes keyed by plugin name. */
  readonly notes: Record<string, unknown> = {};

  /** Stores a JSON-serialisable note for a plugin. */
  note(plugin: string, value: unknown): void {
    this.notes[plugin] = value;
  }

  /** Values of one metric over epochs (NaN where absent). */
  series(metric: string): number[] {
    return this.epochs.map((r) => r[metric] ?? Number.NaN);
  }

  /** A plain-object copy for JSON.stringify. */
  toJSON(): object {
    return { epochs: this.epochs, logs: this.logs, evaluations: this.evaluations, stop: this.stop, notes: this.notes };
  }

  /** Rebuilds a history from its JSON form (checkpoints). */
  static fromJSON(json: unknown): History {
    const h = new History();
    const j = (json ?? {}) as Record<string, unknown>;
    h.epochs.push(...((j.epochs as HistoryRecord[]) ?? []));
    h.logs.push(...((j.logs as HistoryRecord[]) ?? []));
    h.evaluations.push(...((j.evaluations as HistoryRecord[]) ?? []));
    h.stop = j.stop as History['stop'];
    Object.assign(h.notes, (j.notes as Record<string, unknown>) ?? {});
    return h;
  }
}
