// The floating-point work of a training step's products — matmuls and convolutions, forward and back — counted from
// the shapes of the kernels the step actually dispatches, so that #20's "the machine's limit" (the step's products at
// the host's FMA peak) follows the models and the fused kernels without a hand count to keep in step.
import * as tf from '@tensorflow/tfjs-core';

type Shape = readonly number[];
type Inputs = Record<string, { shape: Shape } | undefined>;
type Counter = (inputs: Inputs, attrs: Record<string, unknown>, outShape: Shape) => number;

const size = (shape: Shape) => shape.reduce((a, b) => a * b, 1);

/** 2·(output values)·k for a product whose contracted length is k. */
const matMul: Counter = (inputs, attrs, out) => {
  const a = inputs.a!.shape;
  const k = attrs.transposeA ? a[a.length - 2]! : a[a.length - 1]!;
  return 2 * size(out) * k;
};
/** Every value of the output (or of dy, going back) is a kh·kw·cin-long dot product; filters are [kh, kw, cin, cout]. */
const perFilterTap = (filter: Shape) => filter[0]! * filter[1]! * filter[2]!;
const conv: Counter = (inputs, _, out) => 2 * size(out) * perFilterTap(inputs.filter!.shape);
const convBackInput: Counter = (inputs) => 2 * size(inputs.dy!.shape) * perFilterTap(inputs.filter!.shape);
const convBackFilter: Counter = (inputs, attrs) => 2 * size(inputs.dy!.shape) * perFilterTap(attrs.filterShape as Shape);

const COUNTERS: Record<string, Counter> = {
  BatchMatMul: matMul,
  _FusedMatMul: matMul,
  TikhonovDense: matMul,
  Conv2D: conv,
  FusedConv2D: conv,
  TikhonovConv2D: conv,
  Conv2DBackpropInput: convBackInput,
  Conv2DBackpropFilter: convBackFilter,
};

/**
 * The flops of the products `run` dispatches on `backend` (each product kernel wrapped while it runs, then restored).
 * Depthwise convolutions and other kernels are not counted: the bench models have none that do dense work.
 */
export async function productFlops(backend: string, run: () => Promise<unknown>): Promise<number> {
  let flops = 0;
  const originals = Object.keys(COUNTERS).flatMap((name) => {
    const config = tf.getKernel(name, backend);
    return config ? [config] : [];
  });
  for (const config of originals) {
    const count = COUNTERS[config.kernelName]!;
    tf.unregisterKernel(config.kernelName, backend);
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        const out = config.kernelFunc(args);
        const first = Array.isArray(out) ? out[0]! : out;
        flops += count(args.inputs as Inputs, args.attrs as Record<string, unknown>, first.shape);
        return out;
      },
    });
  }
  try {
    await run();
  } finally {
    for (const config of originals) {
      tf.unregisterKernel(config.kernelName, backend);
      tf.registerKernel(config);
    }
  }
  return flops;
}
