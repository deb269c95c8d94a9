/**
 * HAProxy as labhub-proxy's data plane: what it can take over from the Node plane, the
 * configuration labhub-proxy generates once per HAProxy start, and the map entry of each route.
 *
 * Routing happens in HAProxy through one prefix map (`map_beg`, a longest-match tree) whose keys
 * are route paths with a trailing '/', looked up with the decoded request path plus '/' (so
 * "/user/alice" matches "/user/alice/lab" but not "/user/alicex"); under --host-routing the key
 * starts with "/<host>". A map value is `rid|ip|port|targetPath|targetHost|strip`: a route whose
 * target HAProxy can reach directly (http to an IP literal) goes out through a transparent
 * server (`set-dst`); the hub route spread over hub replicas is `rid||||||H` and goes to the
 * backend `hubs` (hub-backend.ts); any other route, and any request no route matches, goes to
 * the Node plane behind HAProxy, which keeps the full CHP behaviour (unix/https/hostname
 * targets, error pages).
 */
import fs from 'node:fs';
import net from 'node:net';
import type { RouteEntry } from '../routes.js';
import type { ProxyServerOptions } from '../options.js';
import { countSegments } from '../paths.js';
import { HUB_BACKEND } from './hub-backend.js';

/**
 * Header with the request's URL as the client sent it, set by HAProxy on requests whose path it
 * rewrote: the Node plane routes a retried request by it (and drops it).
 */
export const ORIGINAL_URL_HEADER = 'x-labhub-original-url';

/** Stick-table entries (route activity) expire after this long; last activity is derived from it. */
export const ACTIVITY_EXPIRE_MS = 24 * 3600 * 1000;
/** Most leading segments --no-include-prefix can strip in HAProxy (deeper routes go to Node). */
export const MAX_STRIP = 12;

/** Why HAProxy cannot run with these options (the Node plane must), or undefined. */
export function haproxyUnsupported(
  o: ProxyServerOptions,
  extra: { sslProtocol?: string; sslPassphrase: boolean },
): string | undefined {
  if (o.autoRewrite) return '--auto-rewrite (Location rewriting) is only done by the Node engine';
  if (o.protocolRewrite) return '--protocol-rewrite is only done by the Node engine';
  if (extra.sslPassphrase)
    return 'an encrypted --ssl-key (CONFIGPROXY_SSL_KEY_PASSPHRASE) is only read by the Node engine';
  if (o.ssl?.requestCert && !o.ssl.ca)
    return '--ssl-request-cert without --ssl-ca is only done by the Node engine';
  if (extra.sslProtocol && sslVersion(extra.sslProtocol) === null)
    return `--ssl-protocol ${extra.sslProtocol} is only understood by the Node engine`;
  return undefined;
}

/** HAProxy's ssl-min/max-ver for a Node secureProtocol name; '' = no limit; null = unknown. */
function sslVersion(p: string): string | null {
  const m = /^TLSv1_([0-3])$/.exec(p);
  if (m) return `TLSv1.${m[1]}`;
  if (p === 'TLS' || p === 'SSLv23') return '';
  return null;
}

export interface HaproxyFiles {
  /** Runtime API socket. */
  admin: string;
  /** The route map (empty at start; filled over the runtime API). */
  map: string;
  /** Unix socket of the Node plane behind HAProxy. */
  node: string;
  /** Certificate + key in one PEM (TLS termination), when --ssl-* is given. */
  pem?: string;
  /** CA file for client certificates. */
  ca?: string;
  dhparam?: string;
}

export interface PublicBind {
  host?: string;
  port: number;
  path?: string;
}

/** One token of a HAProxy config line: quoted, with `\`, `"`, `%` escaped (log-format safe). */
function q(s: string): string {
  return '"' + s.replace(/[\\"]/g, (c) => '\\' + c).replace(/%/g, '%%') + '"';
}

function ipv6Available(): boolean {
  try {
    return fs.readFileSync('/proc/net/if_inet6', 'utf8').trim() !== '';
  } catch {
    return false;
  }
}

function bindAddr(b: PublicBind): string {
  if (b.path) return `unix@${b.path}`;
  const h = b.host;
  // All interfaces: IPv6 and IPv4 where the kernel has IPv6 (as Node's listen does), else IPv4.
  if (h === undefined || h === '' || h === '*')
    return ipv6Available() ? `ipv6@:::${b.port} v4v6` : `ipv4@0.0.0.0:${b.port}`;
  if (net.isIPv6(h)) return `ipv6@${h}:${b.port}`;
  if (net.isIPv4(h)) return `ipv4@${h}:${b.port}`;
  return `${h}:${b.port}`;
}

/** The whole HAProxy configuration for one start. */
export function haproxyConfig(
  o: ProxyServerOptions,
  f: HaproxyFiles,
  bind: PublicBind,
  extra: { threads?: number; sslProtocol?: string; sslCiphers?: string },
): string {
  const L: string[] = [];
  const ms = (n: number | undefined, dflt: string) => (n ? `${n}ms` : dflt);
  L.push(
    'global',
    `  stats socket ${f.admin} mode 600 level admin`,
    // labhub-proxy keeps one runtime-API connection open (default: closed after 10 s idle).
    '  stats timeout 2000000000ms',
    // A port another process holds is an error, as with Node (SO_REUSEPORT would share it).
    '  noreuseport',
    // Without --workers, HAProxy's own default: one thread per CPU it may run on.
    ...(extra.threads ? [`  nbthread ${extra.threads}`] : []),
    '  tune.ssl.default-dh-param 2048',
  );
  if (f.dhparam) L.push(`  ssl-dh-param-file ${f.dhparam}`);
  L.push(
    'defaults',
    '  mode http',
    '  timeout connect 10s',
    // No idle limit by default (CHP has none): HAProxy's largest timeout, ~24 days.
    `  timeout client ${ms(o.timeout, '2000000000ms')}`,
    `  timeout server ${ms(o.proxyTimeout, '2000000000ms')}`,
    '  timeout tunnel 2000000000ms',
    '  timeout client-fin 5s',
    '  timeout server-fin 5s',
    `  timeout http-keep-alive ${ms(o.keepAliveTimeout, '5000ms')}`,
    '  http-reuse always',
    // A client that leaves aborts its request to the target too (as in the Node engine).
    '  option abortonclose',
    '  option splice-auto',
    '',
    'backend activity',
    `  stick-table type integer size 2m expire ${ACTIVITY_EXPIRE_MS}ms store http_req_cnt`,
    '',
  );
  // --metrics-port: CHP's request counters, read by counters.ts (only then: each costs a lookup).
  if (o.enableMetrics)
    L.push(
      'backend counters',
      '  stick-table type string len 8 size 8 store http_req_cnt,conn_cur',
      '',
      'backend statuses',
      '  stick-table type integer size 1k store gpc0',
      '',
    );
  L.push('frontend labhub');
  let b = `  bind ${bindAddr(bind)}`;
  if (f.pem) {
    b += ` ssl crt ${f.pem}`;
    if (f.ca) b += ` ca-file ${f.ca}`;
    if (o.ssl?.requestCert)
      b += o.ssl.rejectUnauthorized
        ? ' verify required'
        : ' verify optional ca-ignore-err all crt-ignore-err all';
    const v = extra.sslProtocol ? sslVersion(extra.sslProtocol) : '';
    if (v) b += ` ssl-min-ver ${v} ssl-max-ver ${v}`;
    if (extra.sslCiphers) b += ` ciphers ${extra.sslCiphers}`;
  }
  if (bind.path) b += ' mode 666';
  L.push(b);
  L.push(
    `  http-request return status 200 content-type application/json string ${q('{"status":"OK"}')} if { url /_chp_healthz }`,
    `  http-request del-header ${ORIGINAL_URL_HEADER}`,
    '  http-request set-var(txn.orig) url',
    '  http-request set-var(txn.p) path,url_dec',
  );
  if (o.enableMetrics) {
    // What Node calls an upgrade request: Upgrade present and Connection naming it.
    const upgrade = 'req_upgrade req_conn_upgrade';
    L.push(
      '  acl req_upgrade req.fhdr(upgrade) -m found',
      '  acl req_conn_upgrade req.hdr(connection) -m sub -i upgrade',
      `  http-request track-sc1 str(ws) table counters if ${upgrade}`,
      `  http-request track-sc1 str(web) table counters unless ${upgrade}`,
      '  http-response track-sc2 status table statuses',
      '  http-response sc-inc-gpc0(2)',
    );
  }
  if (o.hostRouting) {
    L.push(
      '  http-request set-var(txn.h) req.fhdr(host),field(1,:)',
      '  http-request set-var(txn.k) str(/),concat(,txn.h,),concat(,txn.p,/)',
    );
  } else {
    L.push('  http-request set-var(txn.k) var(txn.p),concat(/)');
  }
  L.push(
    `  http-request set-var(txn.r) var(txn.k),map_beg(${f.map})`,
    '  acl routed var(txn.r) -m found',
    '  http-request set-var(txn.rid) var(txn.r),field(1,|) if routed',
    '  http-request track-sc0 var(txn.rid) table activity if routed',
    '  http-request set-var(txn.ip) var(txn.r),field(2,|) if routed',
    '  acl fast var(txn.ip),length gt 0',
    '  acl hubs var(txn.r),field(7,|) -m str H',
  );
  if (o.xForward !== false) {
    const upgrade = '{ req.fhdr(upgrade) -m found } { req.hdr(connection) -m sub -i upgrade }';
    L.push(
      '  acl xf_for req.fhdr(x-forwarded-for) -m found',
      '  acl xf_port req.fhdr(x-forwarded-port) -m found',
      '  acl xf_proto req.fhdr(x-forwarded-proto) -m found',
      '  acl host_port req.fhdr(host) -m reg :[0-9]+$',
      '  http-request set-var(txn.xport) req.fhdr(host),regsub(^.*:,) if host_port',
      `  http-request set-var(txn.xport) str(${f.pem ? 443 : 80}) if !host_port`,
      `  http-request set-var(txn.xproto) str(${f.pem ? 'https' : 'http'})`,
      `  http-request set-var(txn.xproto) str(${f.pem ? 'wss' : 'ws'}) if ${upgrade}`,
      '  http-request set-header X-Forwarded-For "%[req.fhdr(x-forwarded-for)],%[src]" if xf_for',
      '  http-request set-header X-Forwarded-For "%[src]" if !xf_for',
      '  http-request set-header X-Forwarded-Port "%[req.fhdr(x-forwarded-port)],%[var(txn.xport)]" if xf_port',
      '  http-request set-header X-Forwarded-Port "%[var(txn.xport)]" if !xf_port',
      '  http-request set-header X-Forwarded-Proto "%[req.fhdr(x-forwarded-proto)],%[var(txn.xproto)]" if xf_proto',
      '  http-request set-header X-Forwarded-Proto "%[var(txn.xproto)]" if !xf_proto',
      '  http-request set-header X-Forwarded-Host "%[req.fhdr(host)]" unless { req.fhdr(x-forwarded-host) -m found }',
    );
  }
  // From here on only requests HAProxy forwards itself are changed; Node does its own part.
  L.push(
    '  http-request set-var(txn.port) var(txn.r),field(3,|) if fast',
    '  http-request set-var(txn.tp) var(txn.r),field(4,|) if fast',
    '  http-request set-var(txn.ns) var(txn.r),field(6,|) if fast',
  );
  L.push('  acl has_tp var(txn.tp),length gt 0');
  L.push(
    // Should the target refuse, Node gets the request and needs its URL before the rewrite.
    `  http-request set-header ${ORIGINAL_URL_HEADER} %[var(txn.orig)] if fast has_tp || fast { var(txn.ns),length gt 0 }`,
  );
  if (o.includePrefix === false) {
    // The rest after the route's segments ("/user/alice/lab" minus 2 → "/lab"); a bare
    // "/user/alice" leaves nothing, so the target gets its own path alone (CHP's joinUrl).
    for (let n = 1; n <= MAX_STRIP; n++)
      L.push(
        `  http-request set-var(txn.f) path,field(${n + 2},/,0) if fast { var(txn.ns) -m str ${n} }`,
      );
    L.push(
      '  acl strip var(txn.ns),length gt 0',
      '  acl rest_nonempty var(txn.f),length gt 0',
      '  acl slash_end path -m end /',
      '  http-request set-var(txn.done) bool(true) if fast strip !rest_nonempty !slash_end has_tp',
      '  http-request set-path %[var(txn.tp)] if fast strip !rest_nonempty !slash_end has_tp',
      '  http-request set-path /%[var(txn.f)] if fast strip !{ var(txn.done) -m found }',
    );
  }
  L.push(
    '  http-request set-path %[var(txn.tp)]%[path] if fast has_tp !{ var(txn.done) -m found }',
  );
  if (o.changeOrigin) {
    L.push(
      '  http-request set-var(txn.th) var(txn.r),field(5,|) if fast',
      '  http-request set-header Host %[var(txn.th)] if fast',
    );
  }
  for (const [k, v] of Object.entries(o.customHeaders ?? {}))
    L.push(`  http-request set-header ${k} ${q(v)}`);
  L.push(
    '  http-request set-dst var(txn.ip) if fast',
    '  http-request set-dst-port var(txn.port) if fast',
    `  use_backend ${HUB_BACKEND} if hubs`,
    '  use_backend direct if fast',
    '  default_backend node',
    '',
    // The hub replicas (servers added at run time, hub-backend.ts); the Node plane when none is
    // up (it answers from the route as it would without HAProxy).
    `backend ${HUB_BACKEND}`,
    '  balance roundrobin',
    '  option httpchk',
    '  http-check send meth GET uri /hub/health',
    '  http-check expect status 200',
    '  retry-on conn-failure empty-response',
    '  retries 2',
    '  option redispatch 1',
    // A request with a body, or not idempotent, is sent again only if it never left HAProxy.
    '  http-request disable-l7-retry unless METH_GET || METH_HEAD || METH_OPTIONS',
    `  server node unix@${f.node} backup`,
    '',
    // A target that refuses the connection: the request goes once to the Node plane instead,
    // which tries it again and, if it still fails, answers CHP's way (error target/page, 503).
    'backend direct',
    '  balance first',
    '  retries 1',
    '  option redispatch 1',
    '  server target 0.0.0.0:0',
    `  server node unix@${f.node}`,
    '',
    'backend node',
    `  server node unix@${f.node}`,
    '',
  );
  return L.join('\n');
}

/** Runtime-API spelling of a map key or value: spaces, ';', '#' and '\' backslash-escaped. */
export function cliWord(s: string): string {
  return s.replace(/[\\ ;#\t]/g, (c) => '\\' + c);
}

/** The map key of a route: its path with one trailing '/'. */
export function mapKey(path: string): string {
  return path === '/' ? '/' : path + '/';
}

/** The map value of a route (see the file comment); `rid` identifies it in the activity table. */
export function mapValue(
  e: RouteEntry,
  rid: number,
  o: Pick<ProxyServerOptions, 'prependPath' | 'includePrefix' | 'hostRouting'>,
  hubs = false,
): string {
  if (hubs) return `${rid}||||||H`;
  const t = e.target;
  const host = t.hostname.startsWith('[') ? t.hostname.slice(1, -1) : t.hostname;
  const nodeOnly = `${rid}|||||`;
  if (t.protocol !== 'http:' || !net.isIP(host) || t.search) return nodeOnly;
  let tp = '';
  if (o.prependPath !== false && t.pathname !== '/') tp = t.pathname.replace(/\/+$/, '');
  if (/[|\s%\\"]/.test(tp)) return nodeOnly;
  let strip = '';
  if (o.includePrefix === false) {
    const n = countSegments(e.path) - (o.hostRouting && e.path !== '/' ? 1 : 0);
    if (n > MAX_STRIP) return nodeOnly;
    strip = n > 0 ? String(n) : '';
  }
  const port = t.port || '80';
  return `${rid}|${host}|${port}|${tp}|${t.host}|${strip}`;
}
