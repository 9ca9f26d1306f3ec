import type { BuiltModel } from '../nn/model.js';
import type { OutputShape } from '../nn/types.js';

const shapeText = (s: OutputShape): string =>
  Array.isArray(s) ? `[${s.join(', ')}]` : Object.entries(s).map(([k, v]) => `${k}: [${v.join(', ')}]`).join('; ');

const count = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * A Keras-style table of a built model: one row per module (nested ones
 * indented) with its output shape and the params it declares itself
 * (total and trainable), the totals, and the sites plugins can reach.
 */
export function modelSummary(model: BuiltModel): string {
  const rows = model.modules.map((m) => {
    const params = model.paramsOf(m.name);
    return [`${'  '.repeat(m.depth)}${m.name} (${m.kind})`, shapeText(m.outputShape), String(params.reduce((s, p) => s + count(p.shape), 0)), String(params.filter((p) => p.trainable).reduce((s, p) => s + count(p.shape), 0))];
  });
  const header = ['module (kind)', 'output shape', 'params', 'trainable'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const total = model.params.reduce((s, p) => s + count(p.shape), 0);
  const trainable = model.params.filter((p) => p.trainable).reduce((s, p) => s + count(p.shape), 0);
  return [
    `input [${model.inputShape.join(', ')}]`,
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
    `params: ${total} (trainable ${trainable}, non-trainable ${total - trainable})`,
    `sites: ${model.sites.map((s) => `${s.name} (${s.kind})`).join(', ')}`,
  ].join('\n');
}
