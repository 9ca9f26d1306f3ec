// Tensor randomness (dropout masks, noise) for the native backend: the addon
// runs core's own generators (xoshiro128**, Ziggurat) in C++, so a seeded run
// draws the same numbers as on any other backend, several times faster than
// core's JavaScript loop (the bench prints both).
import { zigguratTables, type RandomFill } from '@tikhonov/core';
import type { NativeAddon } from './addon.js';

/** Core's {@link RandomFill} through the addon. */
export function nativeRandomFill(addon: NativeAddon): RandomFill {
  const { kn, wn, fn, R } = zigguratTables;
  addon.setZiggurat(kn, wn, fn, R);
  return {
    uniform: (out, seed, min, max) => addon.randomFill(0, out, seed, min, max),
    normal: (out, seed, mean, stddev) => addon.randomFill(1, out, seed, mean, stddev),
    bernoulli: (out, seed, keep) => addon.randomFill(2, out, seed, keep, 0),
  };
}
