import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/**
 * A Vega-Lite chart as a static SVG string: compiled to Vega and drawn by
 * vega's headless SVG renderer (no DOM, no canvas: the same in Node and in a
 * page). The data must be inline: nothing is loaded.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
