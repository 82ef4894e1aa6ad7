/**
 * Renders a Vega-Lite spec to an SVG string in Node (Vega's headless `renderer: 'none'` view), so
 * the report holds finished drawings and needs no JavaScript, no network and no canvas library to
 * be read or printed. Vega and Vega-Lite are ESM only: they are loaded with `import()`, which the
 * CommonJS build keeps, so `require('@rtnlkit/compare')` works on every Node 20.
 */
import type { TopLevelSpec } from 'vega-lite';

type Vega = typeof import('vega');
type VegaLite = typeof import('vega-lite');

let libraries: Promise<[Vega, VegaLite]> | undefined;

function loadLibraries(): Promise<[Vega, VegaLite]> {
  libraries ??= Promise.all([import('vega'), import('vega-lite')]);
  return libraries;
}

/**
 * Inline SVG for an HTML page: the namespace declarations an HTML parser supplies itself are
 * dropped, so the page holds no URL at all.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vegaLite] = await loadLibraries();
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return svg.replace(
      /^<svg([^>]*)>/,
      (_, attributes: string) => `<svg${attributes.replace(/\s+xmlns(:xlink)?="[^"]*"/g, '')}>`,
    );
  } finally {
    view.finalize();
  }
}
