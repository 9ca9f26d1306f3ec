// Core's fused update kernels (FUSED_KERNELS: weight averages, optimizer
// steps, the max-norm projection) for wasm: one JavaScript pass over the wasm
// heap each, instead of the 5–12 wasm kernels (and their temporaries) of the
// composed forms. Every float32 operation of the composed form is repeated in
// its order with Math.fround, which rounds exactly as wasm's f32 arithmetic
// does (a double result of +, −, ×, ÷ or √ of float32 inputs rounds to the
// correctly rounded float32), so the results are the composed ones bit for bit.
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };
const f = Math.fround;

function checkShapes(kernel: string, value: tf.TensorInfo, others: Record<string, tf.TensorInfo>): void {
  for (const [name, t] of Object.entries(others)) {
    if (!tf.util.arraysEqual(t.shape, value.shape)) throw new RangeError(`${kernel}: ${name} has shape [${t.shape}] but value has [${value.shape}]`);
  }
}

/** Outputs of `value`'s shape; the heap views are taken after every allocation (growing the memory detaches older views). */
function outputs(backend: BackendWasm, like: tf.TensorInfo, count: number): tf.TensorInfo[] {
  return Array.from({ length: count }, () => backend.makeOutput([...like.shape], 'float32'));
}
const view = (backend: BackendWasm, t: tf.TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;

/** `FUSED_KERNELS.lerp`: a + weight·(b − a), in float32 as the composed sub, mul, add. */
export function lerpKernel(args: Args): tf.TensorInfo {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const weight = f((args.attrs as { weight: number }).weight);
  const backend = args.backend as BackendWasm;
  if (!tf.util.arraysEqual(a.shape, b.shape)) throw new RangeError(`TikhonovLerp: a has shape [${a.shape}] and b [${b.shape}]; they must be equal`);
  const [out] = outputs(backend, a, 1);
  const [pa, pb, po] = [view(backend, a), view(backend, b), view(backend, out!)];
  for (let i = 0; i < po.length; i++) po[i] = f(pa[i]! + f(f(pb[i]! - pa[i]!) * weight));
  return out!;
}

/** `FUSED_KERNELS.adam`: [value, m, v] after one update, each operation tfjs's AdamOptimizer's in its order. */
export function adamKernel(args: Args): tf.TensorInfo[] {
  const { value, gradient, m, v, accBeta1, accBeta2 } = args.inputs as Record<string, tf.TensorInfo>;
  const attrs = args.attrs as { beta1: number; beta2: number; epsilon: number; learningRate: number };
  const backend = args.backend as BackendWasm;
  checkShapes('TikhonovAdam', value!, { gradient: gradient!, m: m!, v: v! });
  // the scalars tfjs makes: numbers as float32, 1 − βᵗ a float32 subtraction from the stored βᵗ
  const beta1 = f(attrs.beta1), beta2 = f(attrs.beta2), oneMinusBeta1 = f(1 - attrs.beta1), oneMinusBeta2 = f(1 - attrs.beta2);
  const correction1 = f(1 - view(backend, accBeta1!)[0]!), correction2 = f(1 - view(backend, accBeta2!)[0]!);
  const epsilon = f(attrs.epsilon), step = f(-attrs.learningRate);
  const outs = outputs(backend, value!, 3);
  const [x, g, pm, pv] = [value!, gradient!, m!, v!].map((t) => view(backend, t)) as [Float32Array, Float32Array, Float32Array, Float32Array];
  const [ox, om, ov] = outs.map((t) => view(backend, t)) as [Float32Array, Float32Array, Float32Array];
  for (let i = 0; i < x.length; i++) {
    const gi = g[i]!;
    const nextM = f(f(pm[i]! * beta1) + f(gi * oneMinusBeta1));
    const nextV = f(f(pv[i]! * beta2) + f(f(gi * gi) * oneMinusBeta2));
    const ratio = f(f(nextM / correction1) / f(f(Math.sqrt(f(nextV / correction2))) + epsilon));
    om[i] = nextM;
    ov[i] = nextV;
    ox[i] = f(f(ratio * step) + x[i]!);
  }
  return outs;
}

/** `FUSED_KERNELS.momentum`: [value, accumulation] after one update, as tfjs's MomentumOptimizer (plain or Nesterov). */
export function momentumKernel(args: Args): tf.TensorInfo[] {
  const { value, gradient, accumulation } = args.inputs as Record<string, tf.TensorInfo>;
  const attrs = args.attrs as { momentum: number; learningRate: number; useNesterov: boolean };
  const backend = args.backend as BackendWasm;
  checkShapes('TikhonovMomentum', value!, { gradient: gradient!, accumulation: accumulation! });
  const momentum = f(attrs.momentum), c = f(-attrs.learningRate);
  const outs = outputs(backend, value!, 2);
  const [x, g, acc] = [value!, gradient!, accumulation!].map((t) => view(backend, t)) as [Float32Array, Float32Array, Float32Array];
  const [ox, oa] = outs.map((t) => view(backend, t)) as [Float32Array, Float32Array];
  for (let i = 0; i < x.length; i++) {
    const next = f(f(momentum * acc[i]!) + g[i]!);
    const look = attrs.useNesterov ? f(g[i]! + f(next * momentum)) : next;
    oa[i] = next;
    ox[i] = f(f(c * look) + x[i]!);
  }
  return outs;
}

/**
 * `FUSED_KERNELS.maxNorm`: value·min(1, c/‖w_j‖) per unit j (the last axis),
 * in two passes — the units' sums of squares in double (JavaScript's
 * numbers), then the scaled copy — as backend-native's kernel does. A unit
 * inside the ball gets factor 1 exactly and keeps its bits; a NaN stays NaN.
 */
export function maxNormKernel(args: Args): tf.TensorInfo {
  const { value } = args.inputs as { value: tf.TensorInfo };
  const c = f((args.attrs as { c: number }).c);
  const backend = args.backend as BackendWasm;
  const shape = value.shape;
  if (shape.length < 2) throw new RangeError(`TikhonovMaxNorm: value has shape [${shape}]; it needs rank ≥ 2`);
  const cols = shape[shape.length - 1]!;
  const [out] = outputs(backend, value, 1);
  const [w, o] = [view(backend, value), view(backend, out!)];
  const rows = cols === 0 ? 0 : w.length / cols;
  const sums = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0, k = i * cols; j < cols; j++, k++) sums[j]! += w[k]! * w[k]!;
  // min(NaN, 1) is NaN in Math.min, as std::min(c/NaN, 1) keeps NaN in the native kernel: the unit stays NaN
  const factor = Float32Array.from(sums, (s) => Math.min(f(c / f(Math.sqrt(s))), 1));
  for (let i = 0; i < rows; i++) for (let j = 0, k = i * cols; j < cols; j++, k++) o[k] = f(w[k]! * factor[j]!);
  return out!;
}
