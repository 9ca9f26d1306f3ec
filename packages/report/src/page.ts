
/** Marks a page as this package's, so `writeReport` may replace it (and nothing else). */
export const GENERATOR = 'tikhonov-report';

/** A number as the report's tables print it: integers whole, others to 4 significant digits; text as it is. */
export function formatNumber(v: number | string): string {
  if (typeof v === 'string') return v;
  return Number.isInteger(v) ? String(v) : Number.isFinite(v) ? v.toPrecision(4) : String(v);
}

/** Text made safe for HTML content and attribute values. */
export const escapeHtml = (text: string): string => text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

/** A table of numbers and text (numbers as {@link formatNumber} prints them), with a class for the page's tests and styles. */
export function htmlTable(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<number | string>>, className: string): string {
  return `<table class="${escapeHtml(className)}"><thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>\n${rows
    .map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(formatNumber(c))}</td>`).join('')}</tr>`)
    .join('\n')}\n</tbody></table>`;
}

/**
 * Numbers vega's clip-path ids from 1 in order of appearance. vega counts them
 * over the process's life, so the same data would give a different page on
 * each call; the ids are unique in the page either way.
 */
function pageLocalIds(html: string): string {
  const ids = new Map<string, number>();
  return html.replace(/\b(id="|url\(#)clip(\d+)\b/g, (_, lead: string, n: string) => {
    if (!ids.has(n)) ids.set(n, ids.size + 1);
    return `${lead}clip${ids.get(n)}`;
  });
}

/**
 * One self-contained page around `sections` (HTML, charts inline as SVG):
 * the title, the description as preformatted text, this package's generator
 * tag and styles; no scripts, no external files. Other packages' reports
 * (a sweep's) are built on it, so `writeReport` takes them too.
 */
export function htmlPage(options: { title: string; description?: string; sections: readonly string[]; width: number }): string {
  const { title, description, sections, width } = options;
  return pageLocalIds(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="generator" content="${GENERATOR}"><title>${escapeHtml(title)}</title>
<style>body{font-family:sans-serif;margin:1.5rem;max-width:${width * 2 + 80}px}table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}td:first-child,th:first-child{text-align:left}pre{background:#f6f6f6;padding:.5rem;overflow:auto}figure{margin:.5rem 0}.grid{display:flex;flex-wrap:wrap;gap:1rem}.caption{color:#555;font-size:.85rem;margin:0}</style>
</head><body>
<h1>${escapeHtml(title)}</h1>
${description ? `<pre>${escapeHtml(description)}</pre>` : ''}
${sections.join('\n')}
</body></html>
`);
}
