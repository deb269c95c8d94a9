/**
 * Hub replicas as real processes (bin/labhub.js → dist/: `npm run build` first) on one real
 * PostgreSQL, behind a labhub-proxy the test starts itself (as a supervisor would).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { FAKE_SERVER, ROOT } from '../helpers/test-hub.js';
import { freePort } from '../helpers/ports.js';

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
