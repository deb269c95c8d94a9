/**
 * Shared pieces of the secrets-at-rest tests: a real hub started through the built CLI
 * (bin/labhub.js → dist/, run `npm run build` first) as root under umask 022, in a directory
 * other accounts may enter (0755, like /srv/labhub), and commands run as the unprivileged
 * account nobody (uid 65534) to see what another local user could read.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { freeHubPorts, hubPlaces, mergeConfig } from '../helpers/hub-config.js';
import { FAKE_SERVER, ROOT } from '../helpers/test-hub.js';
export { waitFor } from '../helpers/wait.js';

export const CLI = join(ROOT, 'bin/labhub.js');
export const isRootLinux = process.platform === 'linux' && process.getuid?.() === 0;
export const needsRoot = isRootLinux ? false : 'needs root on Linux (CI runs as root)';

/** Run `argv` as nobody (uid/gid 65534, no supplementary groups), in `cwd`. */
export function asNobody(argv: string[], cwd = '/'): { code: number | null; out: string } {
  const r = spawnSync(
    'setpriv',
    ['--reuid=65534', '--regid=65534', '--clear-groups', '--', ...argv],
    { cwd, encoding: 'utf8', timeout: 30_000 },
  );
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** A temp directory others may enter and list (0755), like /srv/labhub. */
export function openDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

/**
 * The config a test hub runs with: its own ports, files in `dir`, self-signed TLS. Written once;
 * a later start in the same `dir` keeps the ports, so it adopts the proxy left running.
 */
export async function writeHubConfig(
  dir: string,
): Promise<{ port: number; hubPort: number; apiPort: number }> {
  const file = join(dir, 'labhub.yaml');
  if (existsSync(file)) {
    const c = parse(readFileSync(file, 'utf8')) as {
      JupyterHub: { port: number; hub_port: number };
      ConfigurableHTTPProxy: { api_url: string };
    };
    const apiPort = Number(new URL(c.ConfigurableHTTPProxy.api_url).port);
    return { port: c.JupyterHub.port, hubPort: c.JupyterHub.hub_port, apiPort };
  }
  const ports = await freeHubPorts();
  const config = mergeConfig(hubPlaces(dir, ports), {
    JupyterHub: { authenticator_class: 'dummy' },
    ConfigurableHTTPProxy: { check_running_interval: 1 },
    DummyAuthenticator: { password: 'pw' },
    Authenticator: { allow_all: true },
    Labhub: { generate_self_signed_cert: true },
    Spawner: { cmd: [process.execPath, FAKE_SERVER], http_timeout: 10 },
    LocalProcessSpawner: { run_as_user: 'self' },
  });
  writeFileSync(file, stringify(config));
  return ports;
}

export interface CliHub {
  dir: string;
  hubUrl: string;
  /** The proxy's REST API (token auth). */
  proxyApiUrl: string;
  proc: ChildProcess;
  /** Everything the hub printed so far. */
  output(): string;
  /** SIGTERM the hub and wait; the proxy keeps running (see {@link killProxy}). */
  stop(): Promise<void>;
}

/** `labhub --config labhub.yaml` in `dir`, as root, umask 022, no proxy token or secret in env. */
export async function startCliHub(dir: string): Promise<CliHub> {
  const { hubPort, apiPort } = await writeHubConfig(dir);
  const env: NodeJS.ProcessEnv = { ...process.env, LABHUB_DEBUG: '' };
  delete env.CONFIGPROXY_AUTH_TOKEN;
  delete env.JPY_COOKIE_SECRET;
  delete env.LABHUB_LOG_FORMAT;
  const proc = spawn(
    'sh',
    ['-c', 'umask 022 && exec "$@"', 'sh', process.execPath, CLI, '--config', 'labhub.yaml'],
    { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  await new Promise<void>((resolve, reject) => {
    const poll = setInterval(() => {
      if (/ is running: users connect on /.test(out)) done(null);
    }, 50);
    const done = (e: Error | null) => {
      clearInterval(poll);
      if (e) reject(e);
      else resolve();
    };
    void exited.then(() => done(new Error(`the hub exited during start:\n${out}`)));
  });
  return {
    dir,
    hubUrl: `http://127.0.0.1:${hubPort}`,
    proxyApiUrl: `http://127.0.0.1:${apiPort}`,
    proc,
    output: () => out,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

/** Pid of the labhub-proxy named in `dir`/proxy.pid (checked against /proc), or null. */
export function proxyPid(dir: string): number | null {
  try {
    const pid = Number(readFileSync(join(dir, 'proxy.pid'), 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 1) return null;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('labhub-proxy') ? pid : null;
  } catch {
    return null;
  }
}

/** The API token in a proxy's environment (read as root). */
export function proxyTokenOf(pid: number): string | undefined {
  return /(?:^|\0)CONFIGPROXY_AUTH_TOKEN=([^\0]+)/.exec(
    readFileSync(`/proc/${pid}/environ`, 'utf8'),
  )?.[1];
}

/**
 * Stop the proxies this test's hubs started (each labhub-proxy whose command line names files in
 * the unique `dir`, by pid), then remove `dir`.
 */
export function cleanup(dir: string): void {
  for (const d of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${d}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!cmdline.includes('labhub-proxy') || !cmdline.includes(`${dir}/`)) continue;
    try {
      process.kill(Number(d), 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
  rmSync(dir, { recursive: true, force: true });
}
