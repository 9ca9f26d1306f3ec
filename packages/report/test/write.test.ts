import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { History } from '@tikhonov/core';
import { describe, expect, it } from 'vitest';
import { report } from '../src/index.js';
import { writeReport } from '../src/node.js';

const page = async (loss: number) => {
  const h = new History();
  h.logs.push({ step: 1, loss }, { step: 2, loss: loss / 2 });
  return report(h);
};

describe('writeReport', () => {
  it('writes a page, replaces its own earlier page, and leaves no temporary file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tikhonov-report-'));
    const path = join(dir, 'report.html');
    writeReport(path, await page(1));
    const second = await page(3);
    writeReport(path, second);
    expect(readFileSync(path, 'utf8')).toBe(second);
    expect(readdirSync(dir)).toEqual(['report.html']);
  });

  it('refuses to replace a file it did not write, and leaves it byte for byte', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tikhonov-report-'));
    const path = join(dir, 'notes.html');
    const mine = '<html><body>my own notes</body></html>';
    writeFileSync(path, mine);
    expect(() => writeReport(path, '')).toThrow(/not a page made by report\(\)/);
    await expect(page(1).then((html) => writeReport(path, html))).rejects.toThrow(/'.*notes\.html' exists and is not a Tikhonov report; it is left unchanged/);
    expect(readFileSync(path, 'utf8')).toBe(mine);
    expect(readdirSync(dir)).toEqual(['notes.html']);
  });
});
