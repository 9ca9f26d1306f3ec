import { loadAddon } from '@tikhonov/backend-native';
const addon = loadAddon();
const med = (f: () => void) => { for (let i = 0; i < 5; i++) f(); const t: number[] = []; for (let i = 0; i < 41; i++) { const s = performance.now(); f(); t.push(performance.now() - s); } t.sort((a, b) => a - b); return t[20]!; };
const shapes: Array<[string, number, number, number, boolean, boolean]> = [
  ['fwd 64x1600·1600x128', 64, 128, 1600, false, false],
  ['dx 64x128·(1600x128)T', 64, 1600, 128, false, true],
  ['dW (64x1600)T·64x128', 1600, 128, 64, true, false],
  ['mlp fwd 128x784·784x256', 128, 256, 784, false, false],
  ['mlp dW (128x784)T·128x256', 784, 256, 128, true, false],
  ['mlp dx 128x256·(784x256)T', 128, 784, 256, false, true],
];
for (const threads of [1, 2]) {
  addon.setThreads(threads);
  for (const [name, m, n, k, ta, tb] of shapes) {
    const a = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i)), b = Float32Array.from({ length: k * n }, (_, i) => Math.cos(i)), c = new Float32Array(m * n);
    const ms = med(() => addon.gemmBatched(a, b, c, 1, m, n, k, ta, tb, 0, 0));
    console.log(threads, name.padEnd(28), ms.toFixed(3), 'ms', (2 * m * n * k / ms / 1e6).toFixed(1), 'GFLOP/s');
  }
}
