/** Parses a numeric CSV (comma- or whitespace-separated) into rows. */
export function parseNumericRows(text: string, separator: RegExp = /[,\s]+/): number[][] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => line.split(separator).map(Number));
}
