// The benches' summaries of repeated measurements.

/** Median of a list (the upper one of an even count). */
export const medianOf = (v: readonly number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1]!;

/** Min–max of a list, to two decimals. */
export const spanOf = (v: readonly number[]): string => `${Math.min(...v).toFixed(2)}–${Math.max(...v).toFixed(2)}`;

/** The lower and upper quartiles of a list (nearest rank), to three decimals. */
export const quartilesOf = (v: readonly number[]): string => {
  const s = [...v].sort((a, b) => a - b);
  const at = (q: number) => s[Math.round(q * (s.length - 1))]!.toFixed(3);
  return `${at(0.25)}–${at(0.75)}`;
};
