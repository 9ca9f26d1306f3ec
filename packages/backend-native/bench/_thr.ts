import { loadAddon } from '@tikhonov/backend-native';
const addon = loadAddon();
const med = (f: () => void) => { for (let i = 0; i < 5; i++) f(); const t: number[] = []; for (let i = 0; i < 101; i++) { const s = performance.now(); f(); t.push(performance.now() - s); } t.sort((a, b) => a - b); return t[50]!; };
for (const n of [131072, 524288, 1384448]) {
  const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i)), o = new Float32Array(n);
  const r: string[] = [];
  for (const threads of [1, 2]) { addon.setThreads(threads); r.push(`${threads}T ${(med(() => addon.unary(0, x, o, 0)) * 1000).toFixed(0)} µs`); }
  console.log(n, r.join('  '));
}
