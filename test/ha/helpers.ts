/**
 * Hub replicas as real processes (bin/labhub.js → dist/: `npm run build` first) on one real
 * PostgreSQL, behind a labhub-proxy the test starts itself (as a supervisor would).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Store, parseDbUrl } from '../../src/db/index.js';
import { FAKE_SERVER, ROOT } from '../helpers/test-hub.js';
import { freePort } from '../helpers/ports.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';
import { startProxy, type RunningProxy } from '../proxy/helpers/proxy-process.js';

const CLI = join(ROOT, 'bin/labhub.js');

export interface HubProcess {
  name: string;
  child: ChildProcess;
  hubUrl: string;
  output: () => string;
}

export interface ClusterConfig {
  dir: string;
  dbUrl: string;
  proxyPort: number;
  proxyApiPort: number;
  proxyToken: string;
  /** API URLs of further proxies (Labhub.high_availability.proxy_api_urls). */
  extraProxyApiUrls: string[];
  heartbeat: number;
  timeout: number;
  /** Seconds the stand-in server waits before it starts (default 1). */
  startDelay?: number;
  /** Seconds a started server has to answer HTTP (Spawner.http_timeout; default 20). */
  httpTimeout?: number;
}

/** Start one hub replica; resolves when it says it is running. */
export async function startReplica(c: ClusterConfig, name: string): Promise<HubProcess> {
  const dir = join(c.dir, name);
  mkdirSync(dir, { recursive: true });
  const hubPort = await freePort();
  const cfg = {
    JupyterHub: {
      ip: '127.0.0.1',
      port: c.proxyPort,
      hub_port: hubPort,
      authenticator_class: 'dummy',
      db_url: c.dbUrl,
      // Every replica signs cookies with the same secret (docs/high-availability.md).
      cookie_secret_file: join(c.dir, 'cookie_secret'),
    },
    ConfigurableHTTPProxy: {
      api_url: `http://127.0.0.1:${c.proxyApiPort}`,
      auth_token: c.proxyToken,
      should_start: false,
      check_running_interval: 1,
    },
    Authenticator: { allow_all: true },
    DummyAuthenticator: { password: 'pw' },
    // The stand-in server, started a second late (so a spawn is seen in progress).
    Spawner: {
      cmd: [
        'sh',
        '-c',
        `sleep ${c.startDelay ?? 1}; exec "$0" "$@"`,
        process.execPath,
        FAKE_SERVER,
      ],
      http_timeout: c.httpTimeout ?? 20,
      poll_interval: 1,
    },
    LocalProcessSpawner: { run_as_user: 'self' },
    Labhub: {
      server_log_dir: join(dir, 'server-logs'),
      high_availability: {
        heartbeat_interval: c.heartbeat,
        replica_timeout: c.timeout,
        proxy_api_urls: c.extraProxyApiUrls,
      },
    },
  };
  writeFileSync(join(dir, 'labhub.yaml'), stringify(cfg));
  const child = spawn(process.execPath, [CLI], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CONFIGPROXY_AUTH_TOKEN: c.proxyToken },
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 60_000;
  while (!/ is running: /.test(out)) {
    if (child.exitCode !== null) throw new Error(`hub ${name} exited:\n${out}`);
    if (Date.now() > deadline) throw new Error(`hub ${name} did not start:\n${out}`);
    await sleep(100);
  }
  return { name, child, hubUrl: `http://127.0.0.1:${hubPort}`, output: () => out };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll `check` until it returns a value (not undefined) or `ms` pass (then throw `what`). */
export async function waitFor<T>(
  what: string,
  ms: number,
  check: () => Promise<T | undefined>,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** The pids of stand-in servers (test/spawner/fixtures/http-server.mjs) of `user`, from /proc. */
export function serverPids(user: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (!readFileSync(`/proc/${e}/cmdline`, 'utf8').includes('http-server.mjs')) continue;
      const env = readFileSync(`/proc/${e}/environ`, 'utf8').split('\0');
      if (env.includes(`JUPYTERHUB_USER=${user}`)) out.push(Number(e));
    } catch {
      /* gone or not ours */
    }
  }
  return out;
}

/** Which replica /hub/health says it is, and whether it leads (null: not answering). */
export async function health(
  h: HubProcess,
): Promise<{ status: number; id: string; leader: boolean } | null> {
  try {
    const r = await fetch(`${h.hubUrl}/hub/health`, { signal: AbortSignal.timeout(2000) });
    const [id, role] = (r.headers.get('x-labhub-replica') ?? '').split('; ');
    return { status: r.status, id: id ?? '', leader: role === 'leader' };
  } catch {
    return null;
  }
}

/** A cluster of the test/ha files: PostgreSQL, labhub-proxies, hub replicas, users, an admin token. */
export interface TestCluster {
  pg: TestPostgres;
  store: Store;
  config: ClusterConfig;
  /** Every replica started (the test adds its own); the first proxy is the hubs' api_url. */
  hubs: HubProcess[];
  proxies: RunningProxy[];
  /** The users (created unless `createUsers: false`, no server), `<prefix><random tag>-<i>`. */
  users: string[];
  /** `Authorization` of an admin token. */
  auth: Record<string, string>;
  /** Kill what is left (replicas, the users' servers, proxies), drop PostgreSQL and the files. */
  stop(): Promise<void>;
}

/**
 * Start one: a PostgreSQL database, one labhub-proxy per entry of `proxies` (its extra
 * arguments), then the replicas `replicas` one after the other (the first creates the shared
 * cookie secret and leads), `users` users and an admin token.
 */
export async function startCluster(o: {
  prefix: string;
  proxies: string[][];
  replicas: string[];
  users: number;
  /** false: the test creates the users itself (through the API). */
  createUsers?: boolean;
  heartbeat: number;
  timeout: number;
  startDelay?: number;
}): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), `labhub-${o.prefix}-`));
  const tag = Math.random().toString(36).slice(2, 7);
  const pg = await startTestPostgres();
  const proxyToken = `${o.prefix}-token-${tag}`;
  const proxies: RunningProxy[] = [];
  const hubs: HubProcess[] = [];
  const users = Array.from({ length: o.users }, (_, i) => `${o.prefix}${tag}-${i + 1}`);
  let store: Store | undefined;
  const stop = async () => {
    for (const h of hubs) if (h.child.exitCode === null) h.child.kill('SIGKILL');
    for (const u of users) for (const pid of serverPids(u)) process.kill(pid, 'SIGKILL');
    await store?.close();
    for (const p of proxies) await p.stop().catch(() => undefined);
    pg.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const dbUrl = await pg.createDatabase(`labhub_${o.prefix}`);
    for (const args of o.proxies) proxies.push(await startProxy(args, { token: proxyToken }));
    const config: ClusterConfig = {
      dir,
      dbUrl,
      proxyPort: proxies[0]!.port,
      proxyApiPort: proxies[0]!.apiPort,
      proxyToken,
      extraProxyApiUrls: proxies.slice(1).map((p) => p.apiUrl),
      heartbeat: o.heartbeat,
      timeout: o.timeout,
      ...(o.startDelay !== undefined ? { startDelay: o.startDelay } : {}),
    };
    for (const name of o.replicas) hubs.push(await startReplica(config, name));
    store = await Store.open(parseDbUrl(dbUrl));
    const admin = await store.users.ensure(`${o.prefix}${tag}-admin`, { admin: true });
    const { token } = await store.tokens.create({ userId: admin.id, scopes: ['inherit'] });
    if (o.createUsers !== false) for (const u of users) await store.users.ensure(u);
    return {
      pg,
      store,
      config,
      hubs,
      proxies,
      users,
      auth: { Authorization: `token ${token}` },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
