/**
 * Shared steps for the integration tests: spawn a server and wait for it, read the environment
 * the hub gave the fake single-user server, PKCE pairs, and small response checks.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { CookieClient } from '../helpers/cookie-client.js';
import { hubFetch, startTestHub, type TestHub } from '../helpers/test-hub.js';
import type { Hub } from '../../src/hub.js';
export { sleep, waitFor } from '../helpers/wait.js';
import { waitFor } from '../helpers/wait.js';

/** Log `user` in through the login form (a fresh cookie jar). */
export async function loggedIn(t: TestHub, user: string): Promise<CookieClient> {
  const c = new CookieClient(t.url);
  const r = await c.login(user);
  assert.equal(r.status, 302, `login of ${user} should redirect`);
  return c;
}

/** Start `user`'s default server through /hub/spawn (as a browser does) and wait until it is ready. */
export async function spawnAndWait(
  t: TestHub,
  c: CookieClient,
  user: string,
  ms = 20_000,
): Promise<void> {
  const r = await c.navigate('/hub/spawn');
  assert.equal(r.status, 302);
  const token = await t.token(user);
  const t0 = Date.now();
  await waitFor(
    `${user}'s server to be ready`,
    async () => {
      const m = await (await hubFetch(`${t.api}/users/${user}`, { token })).json();
      if (!m.servers?.[''] && Date.now() - t0 > 2000)
        throw new Error(`${user}'s server is not starting (it failed?): ${JSON.stringify(m)}`);
      return m.servers?.['']?.ready === true;
    },
    ms,
  );
}

/** The environment the hub passed to the fake single-user server (it echoes it on any request). */
export async function serverEnv(t: TestHub, user: string): Promise<Record<string, string>> {
  const r = await fetch(`${t.url}/user/${user}/api/echo`);
  assert.equal(r.status, 200, `${user}'s fake server should answer through the proxy`);
  return (await r.json()).env;
}

/** An RFC 7636 verifier and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url'); // 43 characters
  return {
    verifier,
    challenge: createHash('sha256').update(verifier, 'ascii').digest('base64url'),
  };
}

/** Split a Location header into path and query (relative locations stay relative). */
export function location(res: Response): { path: string; query: URLSearchParams; raw: string } {
  const raw = res.headers.get('location');
  assert.ok(raw, `expected a Location header (status ${res.status})`);
  const u = new URL(raw, 'http://relative.invalid');
  return {
    path: raw.startsWith('/') ? u.pathname : `${u.origin}${u.pathname}`,
    query: u.searchParams,
    raw,
  };
}

/** A page response: HTML, no stack trace, no redirect. */
export async function assertHtmlPage(
  res: Response,
  status: number,
  where: string,
): Promise<string> {
  // (Not assertHubInvariants: the OAuth consent page is HTML under /hub/api/, as in JupyterHub.)
  assert.match(
    res.headers.get('x-jupyterhub-version') ?? '',
    /^\d+\.\d+\.\d+/,
    `${where}: X-JupyterHub-Version`,
  );
  assert.equal(
    res.headers.get('x-content-type-options'),
    'nosniff',
    `${where}: X-Content-Type-Options`,
  );
  const body = await res.text();
  assert.equal(res.status, status, `${where}: status ${res.status}, body ${body.slice(0, 300)}`);
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/, `${where}: content type`);
  assert.equal(res.headers.get('location'), null, `${where}: must not redirect`);
  assertNoStack(body, where);
  return body;
}

/** No JavaScript stack trace or source path leaks into a user-visible body. */
export function assertNoStack(body: string, where: string): void {
  assert.doesNotMatch(
    body,
    /\n\s+at .+\(.*:\d+:\d+\)|at async |node:internal|\/src\/[\w/-]+\.ts|\.js:\d+:\d+/,
    `${where}: body shows a stack trace or source path`,
  );
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * An HTTP request with exactly these headers. Node's fetch always sends `Sec-Fetch-Mode: cors`
 * (and will not let a caller change it), so tests of fetch-metadata rules use this instead.
 */
export function rawRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: opts.method ?? 'GET', headers: opts.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/**
 * A browser-like client for navigations: sends `Sec-Fetch-Mode: navigate` (which Node's fetch
 * cannot), keeps cookies by name and path and sends only those whose path matches, and honours
 * expiry. Real single-user servers treat cookie-authenticated non-navigation GETs as needing XSRF,
 * so following their OAuth dance needs this.
 */
export class BrowserClient {
  private readonly cookies = new Map<string, { name: string; value: string; path: string }>();
  constructor(readonly base: string) {}

  /** The value of a cookie (any path). */
  cookie(name: string): string | undefined {
    for (const c of this.cookies.values()) if (c.name === name) return c.value;
    return undefined;
  }

  /** The value of the cookie `name` a request to `path` would send (the longest matching path). */
  cookieFor(name: string, path: string): string | undefined {
    return this.matching(path).find((c) => c.name === name)?.value;
  }

  private matching(path: string): Array<{ name: string; value: string; path: string }> {
    // RFC 6265 path-match; longer paths first, like browsers.
    return [...this.cookies.values()]
      .filter(
        (c) => path === c.path || path.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`),
      )
      .sort((a, b) => b.path.length - a.path.length);
  }

  /** The Cookie header a request to `path` sends. */
  cookieHeader(path: string): string {
    return this.matching(path)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  private store(setCookie: string | string[] | undefined): void {
    for (const line of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const i = pair.indexOf('=');
      const name = pair.slice(0, i);
      const value = pair.slice(i + 1);
      let path = '/';
      let expired = false;
      for (const a of attrs) {
        const [k, ...v] = a.split('=');
        const key = k.toLowerCase();
        const val = v.join('=');
        if (key === 'path') path = val || '/';
        if (key === 'max-age' && Number(val) <= 0) expired = true;
        if (key === 'expires' && Date.parse(val) <= Date.now()) expired = true;
      }
      const id = `${name}\0${path}`;
      if (expired) this.cookies.delete(id);
      else this.cookies.set(id, { name, value, path });
    }
  }

  /** One request (no redirects followed). */
  async request(
    pathOrUrl: string,
    opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ): Promise<RawResponse> {
    const url = new URL(pathOrUrl, this.base);
    const headers: Record<string, string> = {
      'Sec-Fetch-Mode': 'navigate',
      'Sec-Fetch-Dest': 'document',
      'Sec-Fetch-Site': 'same-origin',
      Accept: 'text/html,application/xhtml+xml',
      'User-Agent': 'labhub-test-browser',
      ...opts.headers,
    };
    const cookie = this.cookieHeader(url.pathname);
    if (cookie) headers.Cookie = cookie;
    const res = await rawRequest(url.toString(), { ...opts, headers });
    this.store(res.headers['set-cookie']);
    return res;
  }

  /** Log in through the login form. */
  async login(username: string, password = 'pw'): Promise<RawResponse> {
    const page = await this.request('/hub/login');
    const xsrf = /name="_xsrf" value="([^"]+)"/.exec(page.body)?.[1];
    assert.ok(xsrf, 'the login form has _xsrf');
    return this.request('/hub/login', {
      method: 'POST',
      body: new URLSearchParams({ username, password, _xsrf: xsrf }).toString(),
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'Sec-Fetch-Mode': 'navigate',
      },
    });
  }
}

/** A pino logger that keeps every line in memory (to check what reaches the log). */
export function memoryLogger(): { log: Logger; lines: () => string[] } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return {
    log: pino({ level: 'debug', base: undefined }, sink),
    lines: () => chunks.join('').split('\n').filter(Boolean),
  };
}

/**
 * A hub like `startTestHub` (dummy auth 'pw', fake server) that logs into `log`, for tests that
 * check what reaches the log. Returns its public URL and a stop function.
 */
export async function startLoggedHub(
  log: Logger,
  extra: Record<string, Record<string, unknown>> = {},
): Promise<{ hub: Hub; url: string; stop: () => Promise<void> }> {
  const t = await startTestHub({ logger: log, config: extra });
  return { hub: t.hub, url: t.url, stop: () => t.stop() };
}
