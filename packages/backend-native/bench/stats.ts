// The benches' summaries of repeated measurements.

/** Median of a list (the upper one of an even count). */
export const medianOf = (v: readonly number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1]!;

/** Min–max of a list, to two decimals. */
export const spanOf = (v: readonly number[]): string => `${Math.min(...v).toFixed(2)}–${Math.max(...v).toFixed(2)}`;
