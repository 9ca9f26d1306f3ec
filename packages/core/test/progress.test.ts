import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress } from '../src/progress.js';

/** A stream that passes for a terminal, collecting what is written. */
function fakeTerminal() {
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 160, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  const chunks: string[] = [];
  stream.on('data', (d: Buffer) => chunks.push(d.toString()));
  return { stream, text: () => chunks.join('') };
}

describe('the progress line', () => {
  it('shows the last logged loss, the last validation loss and the ETA, with a dash until each is known', async () => {
    const { stream, text } = fakeTerminal();
    const progress = await createProgress(true, 10, stream);
    progress.update(5, { epoch: 1, loss: 0.123456, validation: 0.5 });
    progress.stop();
    expect(text()).toContain('epoch 1 |');
    expect(text()).toContain('step 0/10 | loss — | val.loss — | ETA');
    expect(text()).toMatch(/step 5\/10 \| loss 0\.1235 \| val\.loss 0\.5000 \| ETA \d+s/);
  });
});
