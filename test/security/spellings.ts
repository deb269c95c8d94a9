/**
 * Hostile spellings of user and server names (security audit 2026-12, V1–V3) and helpers to
 * look at the proxy's route table. Every test in test/security/ uses the same lists.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { TestHub } from '../helpers/test-hub.js';

/**
 * User names that must never become a user with a route: `.`/`..` raw, after the login policy's
 * trim, percent-encoded, behind separators, as Unicode dots (NFKC) and with invisible characters.
 */
export const BAD_USER_NAMES = [
  '.',
  '..',
  ' .. ',
  '..\t',
  '%2e%2e',
  '%2E%2E',
  '.%2e',
  '%2e',
  'a/..',
  '../a',
  '..\\',
  'a\\..',
  'a%2f..',
  '\uff0e\uff0e', // FULLWIDTH FULL STOP ×2
  '\uff0e',
  '\u2024\u2024', // ONE DOT LEADER ×2
  '\u2025', // TWO DOT LEADER
  '\ufe52\ufe52', // SMALL FULL STOP ×2
  '.\u200b.', // zero-width space between dots
  '%61lice', // "alice" once percent-decoded
  'a\uff0fb', // FULLWIDTH SOLIDUS
];

/** Server names that must never become a named server with a route. */
export const BAD_SERVER_NAMES = [
  '.',
  '..',
  '%2e%2e',
  '.%2E',
  'a/..',
  '..\\',
  'a%2f..',
  '\uff0e\uff0e',
  '\u2025',
  '.\u200b.',
  ' x',
];

/** A name as one URL path segment: percent-encoded, dots too (fetch would resolve `.`/`..`). */
export function seg(name: string): string {
  return encodeURIComponent(name).replace(/\./g, '%2E');
}

export type RouteTable = Record<string, { target: string; user?: string; hub?: boolean }>;

/** The proxy's whole route table, straight from its REST API. */
export async function routeTable(t: TestHub): Promise<RouteTable> {
  const r = await fetch(`${t.proxyApiUrl}/api/routes`, {
    headers: { Authorization: `token ${t.proxyToken}` },
  });
  assert.equal(r.status, 200);
  return (await r.json()) as RouteTable;
}

/**
 * The invariant V1–V3 broke: `/` belongs to the hub, and every route that carries a user is
 * exactly `/user/<that user>` (or `/user/<user>/<server>`), as the proxy stores it (decoded).
 */
export async function assertRoutesSafe(t: TestHub, where: string): Promise<void> {
  const routes = await routeTable(t);
  const root = routes['/'];
  assert.ok(root, `${where}: the hub's route / is missing: ${JSON.stringify(routes)}`);
  assert.equal(root.user, undefined, `${where}: / belongs to user ${root.user}`);
  assert.equal(root.hub, true, `${where}: / is not the hub's route: ${JSON.stringify(root)}`);
  for (const [path, d] of Object.entries(routes)) {
    if (d.user === undefined) continue;
    const server = (d as { server_name?: string }).server_name ?? '';
    const own = `/user/${d.user}${server ? `/${server}` : ''}`;
    assert.equal(path, own, `${where}: user ${JSON.stringify(d.user)} is routed at ${path}`);
  }
}

/** GET /hub/login through the public port is the hub's own login page (not a user's process). */
export async function assertHubServesLogin(t: TestHub, where: string): Promise<void> {
  const r = await fetch(`${t.url}/hub/login`, { redirect: 'manual' });
  const body = await r.text();
  assert.equal(
    r.status,
    200,
    `${where}: GET /hub/login answered ${r.status}: ${body.slice(0, 200)}`,
  );
  assert.match(r.headers.get('content-type') ?? '', /^text\/html/, `${where}: not the hub's page`);
  assert.match(body, /name="_xsrf"/, `${where}: GET /hub/login is not the hub's login form`);
}

export interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => any;
}

/**
 * One HTTP request with `path` sent exactly as given. fetch() and http.request(url) both parse
 * the URL first, which resolves `..`, `%2E%2E` and friends before the request leaves.
 */
export function rawHttp(
  base: string,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: string } = {},
): Promise<RawReply> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { hostname: u.hostname, port: u.port, method, path, headers: opts.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: () => JSON.parse(text),
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A hub API call through the public port with a token, the path sent as is. */
export function apiCall(
  t: TestHub,
  method: string,
  path: string,
  opts: { token: string; body?: unknown },
): Promise<RawReply> {
  const headers: Record<string, string> = { Authorization: `token ${opts.token}` };
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  return rawHttp(t.url, method, `/hub/api${path}`, {
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
}
