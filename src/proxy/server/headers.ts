/**
 * Request headers sent to the target: the client's headers minus hop-by-hop ones, plus
 * X-Forwarded-For/-Port/-Proto/-Host (appended to what earlier proxies set, as CHP does) and
 * --custom-header values. For WebSocket upgrades, Connection/Upgrade are kept.
 */
import type { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';
import type { ProxyServerOptions } from './options.js';

const HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'http2-settings',
]);
const XF = new Set([
  'x-forwarded-for',
  'x-forwarded-port',
  'x-forwarded-proto',
  'x-forwarded-host',
]);

function isEncrypted(req: IncomingMessage): boolean {
  return req.socket instanceof TLSSocket && req.socket.encrypted === true;
}

function portOf(req: IncomingMessage, encrypted: boolean): string {
  const host = req.headers.host;
  if (host) {
    const m = /:(\d+)$/.exec(host);
    if (m) return m[1]!;
  }
  return encrypted ? '443' : '80';
}

function append(prev: string | string[] | undefined, v: string): string {
  const p = Array.isArray(prev) ? prev.join(',') : prev;
  return p ? `${p},${v}` : v;
}

/**
 * Build the outgoing header list as flat [name, value, ...] pairs (undici and raw writes accept it).
 * `hostOverride` replaces Host (--change-origin).
 */
export function forwardHeaders(
  opts: ProxyServerOptions,
  req: IncomingMessage,
  upgrade: boolean,
  hostOverride?: string,
): string[] {
  const raw = req.rawHeaders;
  const out: string[] = [];
  const xfwd = opts.xForward !== false;
  const custom = opts.customHeaders;
  // Headers named in Connection are hop-by-hop too (rare; only parsed when present).
  const conn = req.headers.connection;
  let named: Set<string> | undefined;
  if (conn && conn.indexOf(',') !== -1) {
    named = new Set(
      conn
        .toLowerCase()
        .split(',')
        .map((s) => s.trim()),
    );
    named.delete('upgrade');
    named.delete('keep-alive');
    named.delete('close');
  }
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (HOP.has(lower)) {
      if (!(upgrade && (lower === 'connection' || lower === 'upgrade'))) continue;
    }
    if (named?.has(lower)) continue;
    if (xfwd && XF.has(lower)) continue;
    if (custom && Object.prototype.hasOwnProperty.call(custom, lower)) continue;
    if (hostOverride !== undefined && lower === 'host') continue;
    out.push(name, raw[i + 1]!);
  }
  if (hostOverride !== undefined) out.push('host', hostOverride);
  if (xfwd) {
    const enc = isEncrypted(req);
    const h = req.headers;
    out.push(
      'x-forwarded-for',
      append(h['x-forwarded-for'], req.socket.remoteAddress ?? ''),
      'x-forwarded-port',
      append(h['x-forwarded-port'], portOf(req, enc)),
      'x-forwarded-proto',
      append(h['x-forwarded-proto'], upgrade ? (enc ? 'wss' : 'ws') : enc ? 'https' : 'http'),
      'x-forwarded-host',
      (h['x-forwarded-host'] as string | undefined) || h.host || '',
    );
  }
  if (custom) for (const k in custom) out.push(k, custom[k]!);
  return out;
}
