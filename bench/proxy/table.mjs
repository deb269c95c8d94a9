// The result table of bench/proxy/run.mjs: one column per target, then each proxy's ratio to the
// direct connection and to CHP.
import os from 'node:os';

/** Prints the markdown table; results[0] is the direct connection. */
export function printTable(results, { SECONDS, ROUNDS, ROUTES, HTTP_CONNS, WS_CONNS }) {
  const direct = results[0];
  const chp = results.find((r) => r.name === 'chp');
  const ours = results.filter((r) => r.name !== 'direct' && r.name !== 'chp');
  for (const r of results) r.ws.rps = r.ws.rate;
  const f = (v, d = 0) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');
  const ratio = (a, b) =>
    Number.isFinite(a) && Number.isFinite(b) && a > 0 && b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a';
  // [label, value of a result, digits, lower is better, compare with direct]
  const metrics = [
    ['small HTTP req/s', (r) => r.small.rps, 0, false, true],
    ['small HTTP p50 ms', (r) => r.small.p50, 2, true, true],
    ['small HTTP p99 ms', (r) => r.small.p99, 2, true, true],
    ['64 KiB HTTP req/s', (r) => r.big.rps, 0, false, true],
    ['64 KiB HTTP p99 ms', (r) => r.big.p99, 2, true, true],
    [`WS echo msg/s (${WS_CONNS} conns)`, (r) => r.ws.rate, 0, false, true],
    ['WS echo p50 ms', (r) => r.ws.p50, 2, true, true],
    ['WS echo p99 ms', (r) => r.ws.p99, 2, true, true],
    ['proxy CPU µs per small request', (r) => r.small.cpuPer, 0, true, false],
    ['proxy CPU µs per 64 KiB request', (r) => r.big.cpuPer, 0, true, false],
    ['proxy CPU µs per WS message', (r) => r.ws.cpuPer, 0, true, false],
  ];
  const rows = [];
  for (const [label, get, d, lower, vsDirect] of metrics) {
    const row = [label, vsDirect ? f(get(direct), d) : '-', f(get(chp), d)];
    for (const o of ours) row.push(f(get(o), d));
    // × direct: throughput as a fraction of direct's, latency as a multiple of direct's.
    for (const o of ours) row.push(vsDirect ? ratio(get(o), get(direct)) : '-');
    // vs CHP: >1x means better than CHP (more throughput, less latency or CPU).
    for (const o of ours) row.push(lower ? ratio(get(chp), get(o)) : ratio(get(o), get(chp)));
    rows.push(row);
  }
  const other = (label, get, cmp) => {
    const row = [label, '-', get(chp)];
    for (const o of ours) row.push(get(o));
    for (const _ of ours) row.push('');
    for (const o of ours) row.push(cmp ? cmp(o) : '');
    rows.push(row);
  };
  const api = (get) => (r) => (r.add ? get(r) : '-');
  const apiCmp = (get) => (o) => (o.add ? get(o) : '');
  other(
    `route add p50 / p99 ms (to ${ROUTES})`,
    api((r) => `${f(r.add.p50, 2)} / ${f(r.add.p99, 2)}`),
    apiCmp((o) => ratio(chp.add.p50, o.add.p50)),
  );
  other(
    'route delete p50 / p99 ms',
    api((r) => `${f(r.del.p50, 2)} / ${f(r.del.p99, 2)}`),
    apiCmp((o) => ratio(chp.del.p50, o.del.p50)),
  );
  other(
    `GET all ${ROUTES} routes p50 ms`,
    api((r) => f(r.getAll.p50, 2)),
    apiCmp((o) => ratio(chp.getAll.p50, o.getAll.p50)),
  );
  other(
    'RSS MB before / peak / after',
    (r) => `${f(r.before.rss)} / ${f(r.peak.rss)} / ${f(r.after.rss)}`,
  );
  other(
    'open fds before / peak / after',
    (r) => `${r.before.fds} / ${r.peak.fds} / ${r.after.fds}`,
  );
  const errs = (r) => `${r.small.errors + r.big.errors} / ${r.ws.errors}`;
  rows.push([
    'errors (non-2xx / ws)',
    errs(direct),
    errs(chp),
    ...ours.map(errs),
    ...ours.map(() => ''),
    ...ours.map(() => ''),
  ]);
  const names = {
    labhub: 'node',
    haproxy: 'haproxy',
    'relay-copy': 'relay copy',
    'relay-sockmap': 'relay sockmap',
  };
  const head = [
    'metric',
    'direct',
    'CHP 5.3',
    ...ours.map((o) => (o.name.startsWith('relay') ? names[o.name] : `labhub ${names[o.name]}`)),
    ...ours.map((o) => `${names[o.name]} × direct`),
    ...ours.map((o) => `${names[o.name]} vs CHP`),
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => '| ' + r.map((c, i) => String(c).padEnd(widths[i])).join(' | ') + ' |';
  const extra = [
    process.env.BENCH_LABHUB_ARGS && `node engine args: ${process.env.BENCH_LABHUB_ARGS}`,
    process.env.BENCH_HAPROXY_ARGS && `haproxy engine args: ${process.env.BENCH_HAPROXY_ARGS}`,
  ].filter(Boolean);
  console.log(
    `\nlabhub-proxy benchmark — ${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, ${SECONDS}s per phase, median of ${ROUNDS} interleaved rounds, load average at end ${os.loadavg()[0].toFixed(1)}, wrk -t1 (HTTP ${HTTP_CONNS} conns, 64 KiB 20 conns), loopback${extra.length ? ', ' + extra.join(', ') : ''}`,
  );
  console.log(line(head));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const r of rows) console.log(line(r));
  console.log(
    '(× direct: throughput as a fraction of a direct connection, latency as a multiple of it; vs CHP: >1x means better than CHP — more throughput, less latency or CPU)',
  );
  if (ours.some((o) => o.name.startsWith('relay')))
    console.log(
      '(relay copy / relay sockmap: reference TCP relays, no routing and no HTTP parsing (bench/proxy/relay/): a Go accept-dial-io.Copy relay (splice(2)), and an eBPF sockmap relay whose bytes never reach user space; the sockmap CPU row counts only its process, the kernel work runs in softirq and kworker threads)',
    );
}
