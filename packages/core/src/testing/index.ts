/** Test helpers for plugin and backend authors. */
export { checkPlugin, type CheckPluginOptions, type CheckPluginReport } from './check-plugin.js';
export { numericGradient } from './numeric-gradient.js';
