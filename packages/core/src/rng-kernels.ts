/**
 * Fast seeded host generators for tensor randomness: xoshiro128** (Blackman &
 * Vigna) for 32-bit words, seeded through splitmix32, and the Ziggurat method
 * (Marsaglia & Tsang 2000, 128 layers) for standard normals. tfjs's own
 * random ops draw one seedrandom value per element in JavaScript, which made
 * Gaussian noise on every weight cost ≈ 30 ms per step for 270k parameters.
 */
export class Xoshiro128 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    // splitmix32 spreads one 32-bit seed over the 128-bit state
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1) with 24 bits (exactly representable in float32). */
  nextFloat(): number {
    return (this.nextUint32() >>> 8) * 5.9604644775390625e-8;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

// Ziggurat tables for the standard normal, 128 layers.
const R = 3.442619855899;
const V = 9.91256303526217e-3;
const kn = new Uint32Array(128);
const wn = new Float64Array(128);
const fn = new Float64Array(128);
{
  const m1 = 2147483648;
  let dn = R;
  let tn = dn;
  const q = V / Math.exp(-0.5 * dn * dn);
  kn[0] = Math.floor((dn / q) * m1);
  kn[1] = 0;
  wn[0] = q / m1;
  wn[127] = dn / m1;
  fn[0] = 1;
  fn[127] = Math.exp(-0.5 * dn * dn);
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(V / dn + Math.exp(-0.5 * dn * dn)));
    kn[i + 1] = Math.floor((dn / tn) * m1);
    tn = dn;
    fn[i] = Math.exp(-0.5 * dn * dn);
    wn[i] = dn / m1;
  }
}

/**
 * The Ziggurat's layer tables (read-only) and its tail start R, for a backend
 * that reproduces {@link standardNormal} natively: with these very numbers its
 * fast path (≈ 99 % of draws) is the same double arithmetic, hence the same
 * values.
 */
export const zigguratTables: { readonly kn: Uint32Array; readonly wn: Float64Array; readonly fn: Float64Array; readonly R: number } = { kn, wn, fn, R };

/**
 * One standard normal draw. The layer index and the signed 32-bit value come
 * from separate words, avoiding the correlation of the original RNOR.
 */
export function standardNormal(rng: Xoshiro128): number {
  for (;;) {
    const hz = rng.nextUint32() | 0;
    const iz = rng.nextUint32() & 127;
    if (Math.abs(hz) < kn[iz]!) return hz * wn[iz]!;
    if (iz === 0) {
      // the tail beyond R, by Marsaglia's exponential rejection
      let x: number;
      let y: number;
      do {
        x = -Math.log(1 - rng.nextFloat()) / R;
        y = -Math.log(1 - rng.nextFloat());
      } while (y + y < x * x);
      return hz > 0 ? R + x : -R - x;
    }
    const x = hz * wn[iz]!;
    if (fn[iz]! + rng.nextFloat() * (fn[iz - 1]! - fn[iz]!) < Math.exp(-0.5 * x * x)) return x;
  }
}
