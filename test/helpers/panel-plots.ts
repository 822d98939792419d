import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface PanelSeries {
  title: string;
  expr: string;
  /** One line per series: its legend and [unix seconds, value] points. */
  series: Array<{ legend: string; points: Array<[number, number]> }>;
}

const require = createRequire(import.meta.url);

/**
 * An HTML page that draws every panel's query result with uPlot (a small,
 * maintained plotting library), for a browser to screenshot: Grafana does not
 * install here (no Debian package, no registry package), so this is how a
 * person sees what the dashboards would show.
 */
export function panelsPage(heading: string, panels: PanelSeries[]): string {
  const dist = path.dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
  const js = readFileSync(path.join(dist, 'uPlot.iife.min.js'), 'utf8');
  const css = readFileSync(path.join(dist, 'uPlot.min.css'), 'utf8');
  const data = JSON.stringify(panels).replace(/</g, '\\u003c');
  return `<!doctype html><html><head><meta charset="utf-8"><style>${css}
body { font: 12px system-ui, sans-serif; margin: 12px; background: #fff; }
h1 { font-size: 16px; } .grid { display: grid; grid-template-columns: repeat(3, 430px); gap: 10px; }
.panel { border: 1px solid #d0d7de; border-radius: 4px; padding: 4px; } .panel h2 { font-size: 12px; margin: 2px 4px; }
.expr { font: 10px ui-monospace, monospace; color: #57606a; margin: 0 4px 4px; word-break: break-all; }
</style></head><body><h1>${heading.replace(/</g, '&lt;')}</h1><div class="grid" id="grid"></div>
<script>${js}</script><script>
const panels = ${data};
const colours = ['#1a7f37', '#cf222e', '#0969da', '#9a6700', '#8250df', '#bf3989', '#57606a'];
for (const p of panels) {
  const box = document.createElement('div'); box.className = 'panel';
  const h = document.createElement('h2'); h.textContent = p.title; box.append(h);
  const e = document.createElement('div'); e.className = 'expr'; e.textContent = p.expr; box.append(e);
  document.getElementById('grid').append(box);
  const xs = [...new Set(p.series.flatMap((s) => s.points.map((pt) => pt[0])))].sort((a, b) => a - b);
  const data = [xs, ...p.series.map((s) => { const m = new Map(s.points); return xs.map((x) => m.has(x) ? m.get(x) : null); })];
  new uPlot({ width: 420, height: 160, legend: { show: true }, series: [{}, ...p.series.map((s, i) => ({ label: s.legend.slice(0, 40), stroke: colours[i % colours.length], width: 1.5, spanGaps: true }))] }, data, box);
}
document.body.dataset.ready = '1';
</script></body></html>`;
}
