// A bagging member's bootstrap rows travel in its trial as base64 of little-endian int32s (src/trial.ts).
import { describe, expect, it } from 'vitest';
import { decodeRows, encodeRows } from '../src/trial.js';

describe("a member trial's sample rows", () => {
  it('come back as the same rows, repeats and a view at an odd offset included, in 4 bytes a row', () => {
    const rows = Int32Array.from([0, 7, 7, 54_999, 3, 2 ** 31 - 1]);
    const encoded = encodeRows(rows);
    // 6 rows × 4 bytes = 24 bytes: 32 base64 characters (a JSON list of the same rows is longer, and grows with the digits)
    expect(encoded).toHaveLength(32);
    expect(Array.from(decodeRows(encoded))).toEqual(Array.from(rows));
    // little-endian bytes: row 7 is 07 00 00 00
    expect(Array.from(Buffer.from(encoded, 'base64').subarray(4, 8))).toEqual([7, 0, 0, 0]);
    const view = new Int32Array(rows.buffer, 4, 3);
    expect(Array.from(decodeRows(encodeRows(view)))).toEqual([7, 7, 54_999]);
    expect(Array.from(decodeRows(encodeRows(new Int32Array(0))))).toEqual([]);
  });

  it('refuses base64 that is not whole int32s, saying so', () => {
    expect(() => decodeRows(Buffer.from([1, 2, 3, 4, 5]).toString('base64'))).toThrow(/must be base64 of int32s \(a multiple of 4 bytes\); got 5 bytes/);
  });
});
