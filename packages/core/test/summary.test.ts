import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { nn, Trainer, type Plugin } from '@tikhonov/core';

/** A minimal penalty plugin, to show in the hook table. */
const l2Like = (): Plugin => ({ name: 'l2Like', apiVersion: 2, penalty: (ctx) => tf.mul(0, tf.sum(ctx.params.all[0]!.variable)) as tf.Scalar });

describe('trainer.summary() (Keras model.summary)', () => {
  it('lists each module with its output shape and param counts worked out by hand, the totals and the plugins per hook', () => {
    const t = new Trainer({
      model: nn.sequential([nn.dense(32, { activation: 'relu' }), nn.batchNorm(), nn.sequential([nn.dense(16), nn.relu()]), nn.dense(10)]),
      loss: 'softmaxCrossEntropy',
      plugins: [l2Like()],
      progress: false,
    });
    expect(() => t.summary()).toThrow(/not built yet; call trainer\.build/);
    t.build([64]);
    t.freeze({ names: ['dense_3/bias'] });
    const text = t.summary();
    const row = (name: string) => text.split('\n').find((l) => l.trimStart().startsWith(`${name} (`))!.trim().split(/\s{2,}/);
    // dense 64→32: 64·32 + 32; batch norm over 32: γ, β trainable, moving mean/variance not; dense 32→16; dense 16→10 (bias frozen)
    expect(row('dense_1')).toEqual(['dense_1 (dense)', '[32]', '2080', '2080']);
    expect(row('batchNorm_1')).toEqual(['batchNorm_1 (batchNorm)', '[32]', '128', '64']);
    expect(row('dense_2')).toEqual(['dense_2 (dense)', '[16]', '528', '528']);
    expect(row('dense_3')).toEqual(['dense_3 (dense)', '[10]', '170', '160']);
    expect(row('sequential_1')).toEqual(['sequential_1 (sequential)', '[10]', '0', '0']);
    // nesting shows as indentation
    expect(text).toContain('\n    dense_2 (dense)');
    expect(text).toContain(`params: ${2080 + 128 + 528 + 170} (trainable ${2080 + 64 + 528 + 160}, non-trainable ${64 + 10})`);
    expect(text).toMatch(/^penalty\s+sum\s+l2Like/m);
    t.dispose();
  });
});
