/**
 * A real labhub built in this process for route tests through fastify's `inject`: the hub's own
 * wiring (Hub.start) on a temporary SQLite database, with labhub-proxy's library (ProxyServer)
 * in this process as its proxy, so no proxy process and no HTTP round trip per request. Servers are
 * spawned only by tests that start one. Replies have the shape of test/api/helpers.ts `call`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Hub } from '../../src/hub.js';
import { loadConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log.js';
import { ProxyServer } from '../../src/proxy/server/proxy-server.js';
import { FAKE_SERVER, type ConfigObject } from './test-hub.js';
import { freePort } from './ports.js';

export interface InjectReply {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export interface InjectHub {
  hub: Hub;
  app: FastifyInstance;
  /** The in-process proxy's public URL, e.g. http://127.0.0.1:PORT (for cookie logins). */
  url: string;
  /** `/hub/api` */
  api: string;
  dir: string;
  /**
   * Call `${api}${path}` (or a path starting with /hub/, or an absolute URL such as a next.url)
   * with a token and JSON body.
   */
  call(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string },
  ): Promise<InjectReply>;
  /** An API token for a user (created if missing) with the given scopes (default inherit). */
  token(user: string, opts?: { admin?: boolean; scopes?: string[] }): Promise<string>;
  stop(): Promise<void>;
}

const quietProxyLog = {
  debugEnabled: false,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Starts the hub in this process (dummy authenticator, allow_all, fake single-user server). */
export async function startInjectHub(opts: { config?: ConfigObject } = {}): Promise<InjectHub> {
  const dir = mkdtempSync(join(tmpdir(), 'labhub-inject-'));
  const proxyToken = randomBytes(16).toString('hex');
  const proxy = new ProxyServer({ authToken: proxyToken, log: quietProxyLog });
  const bound = await proxy.listen({
    proxy: { port: 0, host: '127.0.0.1' },
    api: { port: 0, host: '127.0.0.1' },
  });
  const base: ConfigObject = {
    JupyterHub: {
      ip: '127.0.0.1',
      port: bound.proxy!.port,
      hub_port: await freePort(),
      authenticator_class: 'dummy',
      db_url: `sqlite:///${join(dir, 'hub.sqlite')}`,
      cookie_secret_file: join(dir, 'cookie_secret'),
    },
    ConfigurableHTTPProxy: {
      api_url: `http://127.0.0.1:${bound.api!.port}`,
      auth_token: proxyToken,
      should_start: false,
    },
    DummyAuthenticator: { password: 'pw' },
    Authenticator: { allow_all: true },
    Spawner: { cmd: [process.execPath, FAKE_SERVER], http_timeout: 10 },
    LocalProcessSpawner: { run_as_user: 'self' },
    Labhub: { server_log_dir: join(dir, 'server-logs') },
  };
  const cfg: ConfigObject = { ...base };
  for (const [cls, traits] of Object.entries(opts.config ?? {}))
    cfg[cls] = { ...(cfg[cls] ?? {}), ...traits };
  const hub = new Hub({
    loaded: loadConfig({ cwd: dir, overrides: cfg }),
    log: silentLogger(),
    cwd: dir,
  });
  try {
    await hub.start();
  } catch (e) {
    await proxy.close();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const api = `${hub.settings.hubPrefix}api`;
  const t: InjectHub = {
    hub,
    app: hub.app,
    url: `http://127.0.0.1:${bound.proxy!.port}`,
    api,
    dir,
    async call(method, path, o = {}) {
      const headers: Record<string, string> = { ...(o.headers ?? {}) };
      if (o.token) headers.authorization = `token ${o.token}`;
      let payload: string | undefined = o.raw;
      if (o.body !== undefined) {
        headers['content-type'] ??= 'application/json';
        payload = JSON.stringify(o.body);
      }
      // As through the proxy: the Host header is the public one (absolute next.url links).
      let url = path.startsWith('/hub/') ? path : `${api}${path}`;
      if (/^https?:/.test(path)) {
        const u = new URL(path);
        url = u.pathname + u.search;
        headers.host ??= u.host;
      }
      headers.host ??= new URL(t.url).host;
      const res = await hub.app.inject({ method: method as 'GET', url, headers, payload });
      const h = new Headers();
      for (const [k, v] of Object.entries(res.headers))
        if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : String(v));
      if (!/^\d+\.\d+\.\d+/.test(h.get('x-jupyterhub-version') ?? ''))
        throw new Error(`${method} ${path}: missing X-JupyterHub-Version`);
      if (h.get('x-content-type-options') !== 'nosniff')
        throw new Error(`${method} ${path}: missing X-Content-Type-Options`);
      const text = res.body;
      const body =
        text && (h.get('content-type') ?? '').includes('json') ? JSON.parse(text) : undefined;
      return { status: res.statusCode, headers: h, body, text };
    },
    async token(user, o = {}) {
      const store = hub.ctx.store;
      const u = await store.users.ensure(user, { admin: o.admin });
      if (o.admin && !u.admin) await store.users.setAdmin(u.id, true);
      const { token } = await store.tokens.create({
        userId: u.id,
        scopes: o.scopes ?? ['inherit'],
        note: 'test',
      });
      return token;
    },
    async stop() {
      await hub.stop({ servers: true, proxy: false });
      await proxy.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return t;
}
