/**
 * Charts drawn on the server as inline SVG (no chart library, no script): a line chart over
 * time and horizontal bars. Each chart is an image with a title and a description for screen
 * readers; the page puts a table with the same numbers next to it. Colours come from the page's
 * CSS (classes), so the dark theme applies.
 */
import { html, joinHtml, type SafeHtml } from './html.js';

const W = 720;

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

const fmt = (v: number) => (Math.round(v * 100) / 100).toString();

export interface LineSeries {
  name: string;
  /** CSS class of the line (chart-a, chart-b). */
  cls: string;
  values: number[];
}

/**
 * A line chart: `x` labels (one per point; every `labelEvery`-th is drawn), series of the same
 * length. `id` is unique on the page (for aria-labelledby).
 */
export function lineChart(o: {
  id: string;
  title: string;
  desc: string;
  x: string[];
  series: LineSeries[];
  labelEvery: number;
}): SafeHtml {
  const H = 240;
  const [left, right, top, bottom] = [48, 12, 12, 36];
  const n = Math.max(1, o.x.length);
  const max = niceMax(Math.max(0, ...o.series.flatMap((s) => s.values)));
  const px = (i: number) => left + (n === 1 ? 0 : (i * (W - left - right)) / (n - 1));
  const py = (v: number) => top + (H - top - bottom) * (1 - v / max);
  const grid = [0, 0.5, 1].map(
    (f) =>
      html`<line class="chart-grid" x1="${left}" x2="${W - right}" y1="${py(max * f)}" y2="${py(max * f)}"/><text class="chart-label" x="${left - 6}" y="${py(max * f) + 4}" text-anchor="end">${fmt(max * f)}</text>`,
  );
  const labels: SafeHtml[] = [];
  for (let i = 0; i < o.x.length; i += Math.max(1, o.labelEvery))
    labels.push(
      html`<text class="chart-label" x="${px(i)}" y="${H - bottom + 18}" text-anchor="middle">${o.x[i]}</text>`,
    );
  const lines = o.series.map(
    (s) =>
      html`<polyline class="chart-line ${s.cls}" fill="none" points="${s.values.map((v, i) => `${px(i).toFixed(1)},${py(v).toFixed(1)}`).join(' ')}"/>`,
  );
  return html`<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${o.id}-title ${o.id}-desc" preserveAspectRatio="xMidYMid meet"><title id="${o.id}-title">${o.title}</title><desc id="${o.id}-desc">${o.desc}</desc>${grid}${labels}${lines}</svg>
<ul class="chart-legend">${o.series.map((s) => html`<li><span class="chart-swatch ${s.cls}" aria-hidden="true"></span>${s.name}</li>`)}</ul>`;
}

/** Horizontal bars, one per row (label, value); values shown at the bar's end. */
export function barChart(o: {
  id: string;
  title: string;
  desc: string;
  rows: Array<{ label: string; value: number; lang?: string }>;
  cls?: string;
}): SafeHtml {
  const row = 26;
  const H = Math.max(1, o.rows.length) * row + 8;
  const left = 180;
  const max = niceMax(Math.max(0, ...o.rows.map((r) => r.value)));
  const bars = o.rows.map((r, i) => {
    const w = ((W - left - 70) * r.value) / max;
    const y = 4 + i * row;
    return html`<text class="chart-label" x="${left - 8}" y="${y + 17}" text-anchor="end"${r.lang ? html` lang="${r.lang}"` : ''}>${r.label.length > 24 ? `${r.label.slice(0, 23)}…` : r.label}</text><rect class="chart-bar ${o.cls ?? 'chart-a'}" x="${left}" y="${y + 4}" width="${Math.max(1, w).toFixed(1)}" height="${row - 8}"/><text class="chart-label" x="${left + w + 6}" y="${y + 17}">${fmt(r.value)}</text>`;
  });
  return html`<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${o.id}-title ${o.id}-desc"><title id="${o.id}-title">${o.title}</title><desc id="${o.id}-desc">${o.desc}</desc>${joinHtml(bars)}</svg>`;
}
