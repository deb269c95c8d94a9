/**
 * Start a real labhub (in this process) on free loopback ports, with its own proxy process,
 * database and directory. Every response is checked for the hub's global invariants.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hub } from '../../src/hub.js';
import { loadConfig } from '../../src/config/index.js';
import { silentLogger, createLogger, type Logger } from '../../src/log.js';
import { freeHubPorts, hubPlaces, mergeConfig, type ConfigObject } from './hub-config.js';
import type { Clock } from '../../src/core/usage/clock.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** A stand-in single-user server (answers any path with JSON); fast to start. */
export const FAKE_SERVER = join(ROOT, 'test/spawner/fixtures/http-server.mjs');

export type { ConfigObject };

export interface TestHub {
  hub: Hub;
  /** Public URL through the proxy, e.g. http://127.0.0.1:PORT */
  url: string;
  /** The hub's own URL (internal port). */
  hubUrl: string;
  /** http://127.0.0.1:PORT/hub/api (through the proxy). */
  api: string;
  proxyApiUrl: string;
  proxyToken: string;
  dir: string;
  config: ConfigObject;
  /** Create an API token for a user (created if missing) with the given scopes (default inherit). */
  token(user: string, opts?: { admin?: boolean; scopes?: string[] }): Promise<string>;
  /** Stop the hub; also the proxy and servers unless keep is set. */
  stop(opts?: { keepDir?: boolean; keepProcesses?: boolean }): Promise<void>;
  /**
   * Restart the hub on the same ports and database (proxy and servers keep running);
   * `whileDown` runs between the stop and the start.
   */
  restart(whileDown?: () => Promise<void>): Promise<void>;
}

/**
 * Defaults: dummy authenticator with password 'pw' and allow_all, the fake single-user server
 * (node fixture) as Spawner.cmd, run as the hub's own user.
 */
export async function startTestHub(
  opts: {
    config?: ConfigObject;
    realSingleuser?: boolean;
    log?: boolean;
    logger?: Logger;
    /** The usage accounting's clock (kept across restarts). */
    clock?: Clock;
    /** A config file whose authenticator settings are used as written (no dummy defaults). */
    file?: string;
  } = {},
): Promise<TestHub> {
  const dir = mkdtempSync(join(tmpdir(), 'labhub-test-'));
  // Ports come from the OS a moment before the hub binds them; another process may take one in
  // between, so a start that finds a port in use is retried with fresh ports.
  const log =
    opts.logger ??
    (opts.log || process.env.LABHUB_TEST_LOG ? createLogger({ level: 'debug' }) : silentLogger());
  let port = 0,
    hubPort = 0,
    apiPort = 0;
  let config: ConfigObject = {};
  let make: () => Hub = () => {
    throw new Error('unreachable');
  };
  let hub: Hub;
  for (let attempt = 1; ; attempt++) {
    const ports = await freeHubPorts();
    ({ port, hubPort, apiPort } = ports);
    const base = mergeConfig(hubPlaces(dir, ports), {
      JupyterHub: { authenticator_class: 'dummy' },
      DummyAuthenticator: { password: 'pw' },
      Authenticator: { allow_all: true },
      Spawner: opts.realSingleuser
        ? { default_url: '/lab', http_timeout: 60, start_timeout: 120 }
        : { cmd: [process.execPath, FAKE_SERVER], http_timeout: 10 },
      LocalProcessSpawner: { run_as_user: 'self' },
    });
    if (opts.file) {
      delete base.JupyterHub!.authenticator_class;
      delete base.DummyAuthenticator;
      delete base.Authenticator;
    }
    const cfg = (config = mergeConfig(base, opts.config ?? {}));
    port = Number(cfg.JupyterHub!.port); // a test may choose the public port (e.g. a registered callback URL)
    make = () =>
      new Hub({
        loaded: loadConfig({ cwd: dir, overrides: cfg, file: opts.file }),
        log,
        cwd: dir,
        clock: opts.clock,
      });
    hub = make();
    try {
      await hub.start();
      break;
    } catch (e) {
      if (attempt < 4 && (e as { code?: string })?.code === 'LABHUB_ERR_PORT_IN_USE') continue;
      throw e;
    }
  }
  const t: TestHub = {
    hub,
    url: `http://127.0.0.1:${port}`,
    hubUrl: `http://127.0.0.1:${hubPort}`,
    api: `http://127.0.0.1:${port}/hub/api`,
    proxyApiUrl: `http://127.0.0.1:${apiPort}`,
    proxyToken: (await hub.ctx.store.kv.get('proxy_auth_token')) ?? '',
    dir,
    config,
    async token(user, o = {}) {
      const store = t.hub.ctx.store;
      const u = await store.users.ensure(user, { admin: o.admin });
      if (o.admin && !u.admin) await store.users.setAdmin(u.id, true);
      const { token } = await store.tokens.create({
        userId: u.id,
        scopes: o.scopes ?? ['inherit'],
        note: 'test',
      });
      return token;
    },
    async stop(o = {}) {
      await t.hub.stop({ servers: !o.keepProcesses, proxy: !o.keepProcesses });
      // After restart() the hub adopted the proxy (it did not start it), so stop() leaves it
      // running by design; a test must not leave it behind.
      if (!o.keepProcesses) killProxyFromPidFile(join(dir, 'proxy.pid'));
      if (!o.keepDir) rmSync(dir, { recursive: true, force: true });
    },
    async restart(whileDown) {
      await t.hub.stop();
      await whileDown?.();
      hub = make();
      t.hub = hub;
      await hub.start();
    },
  };
  return t;
}

/** Stop the labhub-proxy named in a pid file (only if that pid really is a labhub-proxy). */
function killProxyFromPidFile(pidFile: string): void {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 1) return;
  try {
    if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('labhub-proxy')) return;
    process.kill(pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
}

/** Assert the headers every hub response carries. */
export function assertHubInvariants(res: Response, where = ''): void {
  const v = res.headers.get('x-jupyterhub-version');
  if (!v || !/^\d+\.\d+\.\d+/.test(v))
    throw new Error(`${where}: missing/invalid X-JupyterHub-Version (${v})`);
  if (res.headers.get('x-content-type-options') !== 'nosniff')
    throw new Error(`${where}: missing X-Content-Type-Options`);
  const ct = res.headers.get('content-type') ?? '';
  // The OAuth consent page lives under /hub/api/ but is a page (HTML) on purpose.
  if (
    res.url.includes('/hub/api/') &&
    !res.url.includes('/hub/api/oauth2/authorize') &&
    res.status !== 204 &&
    res.status < 300 &&
    !ct.startsWith('application/json') &&
    !ct.startsWith('text/plain') &&
    !ct.startsWith('text/csv') &&
    !ct.startsWith('text/event-stream')
  ) {
    throw new Error(`${where}: API response with content type ${ct}`);
  }
}

/** fetch + invariants; never follows redirects (tests look at them). */
export async function hubFetch(
  url: string,
  init: RequestInit & { token?: string } = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('Authorization', `token ${init.token}`);
  const res = await fetch(url, { ...init, headers, redirect: 'manual' });
  assertHubInvariants(res, `${init.method ?? 'GET'} ${url}`);
  return res;
}
