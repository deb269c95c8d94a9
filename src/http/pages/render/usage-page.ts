/**
 * `GET /hub/admin/usage`: the usage dashboard, rendered on the server. Each chart is inline SVG
 * (svg-charts.ts) followed by a table with the same numbers; no script.
 */
import type { UsageDashboard } from '../../../core/usage/reports.js';
import type { MessageKey } from '../../i18n/index.js';
import type { PageContext } from './context.js';
import { html, type SafeHtml } from './html.js';
import { renderPage, translator, type RenderedPage } from './layout.js';
import { hubUrl } from './context.js';
import { barChart, lineChart } from './svg-charts.js';

const KNOWN_REASONS = ['timeout', 'spawn-failed', 'cancelled', 'hub-restart', 'user-env', 'error'];
const mib = (b: number) => (b / 1048576).toFixed(1);
const hourLabel = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;

export function renderUsage(
  ctx: PageContext,
  d: UsageDashboard & { fromDay: string; toDay: string },
): RenderedPage {
  const tr = translator(ctx);
  const reason = (r: string): { label: string; lang?: string } =>
    KNOWN_REASONS.includes(r)
      ? { label: tr(`usage.reason.${r}` as MessageKey) }
      : { label: r, lang: 'en' };
  const details = (caption: string, head: string[], rows: SafeHtml[]) =>
    html`<details class="chart-table"><summary>${tr('usage.showTable')}</summary><div class="table-wrap"><table class="table">
<caption class="visually-hidden">${caption}</caption>
<thead><tr>${head.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead><tbody>${rows}</tbody></table></div></details>`;

  // 1. servers and active users per hour (hours without servers are zeros)
  const hours: string[] = [];
  const byHour = new Map(d.hours.map((h) => [h.hour, h]));
  for (let t = Date.parse(d.from); t < Date.parse(d.to); t += 3_600_000)
    hours.push(new Date(t).toISOString());
  const series = hours.map((h) => byHour.get(h));
  const running = series.map((s) => s?.runningServers ?? 0);
  const maxRunning = Math.max(0, ...running);
  const servers = d.hours.length
    ? html`${lineChart({
        id: 'chart-servers',
        title: tr('usage.serversTitle'),
        desc: tr('usage.serversDesc', {
          count: hours.length,
          max: Math.round(maxRunning * 100) / 100,
        }),
        x: hours.map((h) => (h.endsWith('T00:00:00.000Z') ? h.slice(5, 10) : '')),
        labelEvery: 1,
        series: [
          { name: tr('usage.running'), cls: 'chart-a', values: running },
          {
            name: tr('usage.active'),
            cls: 'chart-b',
            values: series.map((s) => s?.activeUsers ?? 0),
          },
        ],
      })}
${details(
  tr('usage.serversTitle'),
  [tr('usage.hour'), tr('usage.running'), tr('usage.withServers'), tr('usage.active')],
  d.hours.map(
    (h) =>
      html`<tr><td>${hourLabel(h.hour)}</td><td>${(Math.round(h.runningServers * 100) / 100).toString()}</td><td>${h.usersWithServers}</td><td>${h.activeUsers}</td></tr>`,
  ),
)}`
    : html`<p class="muted">${tr('usage.noData')}</p>`;

  // 2. spawns: counts, percentiles, failures by reason
  const s = d.spawns;
  const sec = (v: number | null) =>
    v === null ? '–' : tr('usage.seconds', { value: Math.round(v * 10) / 10 });
  const failures = s.failures.length
    ? html`${barChart({
        id: 'chart-failures',
        title: tr('usage.failuresTitle'),
        desc: tr('usage.failuresDesc', { count: s.failures.length }),
        cls: 'chart-b',
        rows: s.failures.map((f) => ({ ...reason(f.reason), value: f.count })),
      })}
${details(
  tr('usage.failuresTitle'),
  [tr('usage.reason'), tr('usage.count')],
  s.failures.map((f) => {
    const r = reason(f.reason);
    return html`<tr><td${r.lang ? html` lang="${r.lang}"` : ''}>${r.label}</td><td>${f.count}</td></tr>`;
  }),
)}`
    : html`<p class="muted">${tr('usage.noFailures')}</p>`;

  // 3. resource use by group
  const groups = d.groups.length
    ? html`${barChart({
        id: 'chart-groups',
        title: tr('usage.groupsTitle'),
        desc: tr('usage.groupsDesc', { count: d.groups.length }),
        rows: d.groups.map((g) => ({ label: g.key, value: g.server_hours })),
      })}
${details(
  tr('usage.groupsTitle'),
  [
    tr('usage.group'),
    tr('usage.users'),
    tr('usage.serverHours'),
    tr('usage.activeHours'),
    tr('usage.idleHours'),
    tr('usage.cpuHours'),
    tr('usage.memPeak'),
    tr('usage.memAvg'),
  ],
  d.groups.map(
    (g) =>
      html`<tr><td>${g.key}</td><td>${g.users}</td><td>${g.server_hours}</td><td>${g.active_hours}</td><td>${g.idle_hours}</td><td>${g.cpu_hours}</td><td>${mib(g.memory_peak_bytes)}</td><td>${mib(g.memory_average_bytes)}</td></tr>`,
  ),
)}`
    : html`<p class="muted">${tr('usage.noGroups')}</p>`;

  const api = (by: string) =>
    `${ctx.hubPrefix}api/labhub/usage?by=${by}&format=csv&limit=100000&from=${encodeURIComponent(d.from)}&to=${encodeURIComponent(d.to)}`;
  const body = html`<h1>${tr('usage.title')}</h1>
<p class="hint">${tr('usage.intro')}</p>
<form class="inline-form" method="get" action="${hubUrl(ctx, 'admin/usage')}">
  <div class="field"><label for="usage-from">${tr('usage.from')}</label><input id="usage-from" name="from" type="date" value="${d.fromDay}" required></div>
  <div class="field"><label for="usage-to">${tr('usage.to')}</label><input id="usage-to" name="to" type="date" value="${d.toDay}" required></div>
  <button type="submit" class="button button-primary">${tr('usage.show')}</button>
</form>
<p id="usage-range">${tr('usage.range', { from: hourLabel(d.from), to: hourLabel(d.to) })}</p>
<section class="card stack" aria-labelledby="servers-h"><h2 id="servers-h">${tr('usage.serversTitle')}</h2>${servers}</section>
<section class="card stack" aria-labelledby="spawns-h"><h2 id="spawns-h">${tr('usage.spawnsTitle')}</h2>
<dl class="usage-figures">
  <div><dt>${tr('usage.requested')}</dt><dd id="spawns-requested">${s.requested}</dd></div>
  <div><dt>${tr('usage.started')}</dt><dd id="spawns-started">${s.started}</dd></div>
  <div><dt>${tr('usage.percentiles')} (${tr('usage.p50')})</dt><dd>${sec(s.p50)}</dd></div>
  <div><dt>${tr('usage.percentiles')} (${tr('usage.p90')})</dt><dd>${sec(s.p90)}</dd></div>
  <div><dt>${tr('usage.percentiles')} (${tr('usage.p99')})</dt><dd>${sec(s.p99)}</dd></div>
</dl>
<h3>${tr('usage.failuresTitle')}</h3>${failures}</section>
<section class="card stack" aria-labelledby="groups-h"><h2 id="groups-h">${tr('usage.groupsTitle')}</h2>${groups}</section>
<p>${tr('usage.download')} <a href="${api('user')}">${tr('usage.byUser')}</a> · <a href="${api('group')}">${tr('usage.byGroup')}</a> · <a href="${api('profile')}">${tr('usage.byProfile')}</a></p>`;
  return renderPage(ctx, {
    title: 'usage.title',
    body,
    template: 'admin-usage',
    current: 'admin',
    wide: true,
  });
}
