import type { HostRandom } from '@tikhonov/core';

/** A standard normal draw (Box–Muller on the host stream). */
export function normalDraw(rng: HostRandom): number {
  const u = 1 - rng.uniform();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.uniform());
}

/** A Gamma(shape, 1) draw: Marsaglia & Tsang (2000), with the U^(1/shape) boost below shape 1. */
export function gammaDraw(shape: number, rng: HostRandom): number {
  if (shape < 1) return gammaDraw(shape + 1, rng) * Math.pow(1 - rng.uniform(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normalDraw(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng.uniform();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** A Beta(a, b) draw as G_a / (G_a + G_b). */
export function betaDraw(a: number, b: number, rng: HostRandom): number {
  const x = gammaDraw(a, rng);
  const y = gammaDraw(b, rng);
  return x / (x + y);
}
