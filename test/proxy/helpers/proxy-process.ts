/**
 * Runs a CHP-compatible proxy binary (the built labhub-proxy by default, or CHP from
 * node_modules) on ports chosen by the OS, and gives tests a small API client.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { after } from 'node:test';

// Every proxy a test file starts is killed when the file's tests end, even when a test failed
// before its own cleanup (a live child would keep the test process from exiting).
const started = new Set<ChildProcess>();
after(() => {
  for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const LABHUB_PROXY = [process.execPath, `${ROOT}bin/labhub-proxy.js`];
export const CHP = [
  process.execPath,
  `${ROOT}node_modules/configurable-http-proxy/bin/configurable-http-proxy`,
];

export interface RunningProxy {
  proc: ChildProcess;
  pid: number;
  port: number;
  apiPort: number;
  metricsPort?: number;
  url: string;
  apiUrl: string;
  token: string;
  output: () => string;
  api(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
  ): Promise<{ status: number; body: string; json: () => unknown }>;
  stop(): Promise<number | null>;
}

/** Start a proxy; resolves once its proxy and API ports are known from its log. */
export async function startProxy(
  args: string[] = [],
  opts: {
    token?: string;
    command?: string[];
    metrics?: boolean;
    nodeArgs?: string[];
    env?: Record<string, string>;
  } = {},
): Promise<RunningProxy> {
  const token = opts.token ?? 'test-token-' + Math.random().toString(36).slice(2);
  const command = opts.command ?? LABHUB_PROXY;
  const isChp = command === CHP;
  // CHP prints its configured (not bound) ports, so it gets fixed free ports; we use port 0.
  const base = ['--ip', '127.0.0.1', '--api-ip', '127.0.0.1'];
  let fixed: number[] = [];
  if (isChp) {
    fixed = await freePorts(3);
    base.push('--port', String(fixed[0]), '--api-port', String(fixed[1]));
    if (opts.metrics) base.push('--metrics-port', String(fixed[2]), '--metrics-ip', '127.0.0.1');
  } else {
    if (!args.includes('--port')) base.push('--port', '0');
    if (!args.includes('--api-port')) base.push('--api-port', '0');
    if (opts.metrics) base.push('--metrics-port', '0', '--metrics-ip', '127.0.0.1');
  }
  // LABHUB_TEST_PROXY_ENGINE=haproxy|auto: the same tests against another engine of labhub-proxy
  // (set by the *-haproxy.test.ts files before they load a suite).
  const engine = process.env.LABHUB_TEST_PROXY_ENGINE;
  if (engine && command === LABHUB_PROXY && !args.includes('--engine'))
    base.push('--engine', engine);
  const proc = spawn(
    command[0]!,
    [...(opts.nodeArgs ?? []), ...command.slice(1), ...base, ...args],
    {
      env: { ...process.env, CONFIGPROXY_AUTH_TOKEN: token, ...(opts.env ?? {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  started.add(proc);
  proc.once('exit', () => started.delete(proc));
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
  const portsP = new Promise<{ port: number; apiPort: number; metricsPort?: number }>(
    (resolve, reject) => {
      // Only a bound for a proxy that never starts: generous, since a loaded 2-core machine
      // can take many seconds to start Node (and --workers starts several).
      const t = setTimeout(
        () => reject(new Error(`proxy did not start within 60 s; output:\n${out}`)),
        60_000,
      );
      const check = () => {
        if (isChp) {
          if (/Proxy API at/.test(out)) {
            clearTimeout(t);
            // CHP logs before listening completes; give it a moment.
            setTimeout(
              () =>
                resolve({
                  port: fixed[0]!,
                  apiPort: fixed[1]!,
                  metricsPort: opts.metrics ? fixed[2] : undefined,
                }),
              300,
            );
          }
          return;
        }
        const p = /Proxying https?:\/\/[^\s]*:(\d+) /.exec(out);
        const a = /Proxy API at https?:\/\/[^\s]*:(\d+)\/api\/routes/.exec(out);
        const m = /Serve metrics at http:\/\/[^\s]*:(\d+)\/metrics/.exec(out);
        if (p && a && (!opts.metrics || m)) {
          clearTimeout(t);
          resolve({
            port: Number(p[1]),
            apiPort: Number(a[1]),
            metricsPort: m ? Number(m[1]) : undefined,
          });
        }
      };
      proc.stdout!.on('data', check);
      proc.stderr!.on('data', check);
      void exited.then((c) => {
        clearTimeout(t);
        reject(new Error(`proxy exited with ${c} before listening; output:\n${out}`));
      });
    },
  );
  let ports: { port: number; apiPort: number; metricsPort?: number };
  try {
    ports = await portsP;
  } catch (err) {
    // Never leave a half-started proxy behind.
    proc.kill('SIGKILL');
    throw err;
  }
  const apiUrl = `http://127.0.0.1:${ports.apiPort}`;
  return {
    proc,
    pid: proc.pid!,
    ...ports,
    token,
    apiUrl,
    url: `http://127.0.0.1:${ports.port}`,
    output: () => out,
    async api(method, path, body, tok = token) {
      const r = await request(`${apiUrl}/api/routes${path}`, {
        method: method as 'GET',
        headers: {
          authorization: `token ${tok}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body:
          body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await r.body.text();
      return { status: r.statusCode, body: text, json: () => JSON.parse(text) };
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill('SIGTERM');
      const killer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      const c = await exited;
      clearTimeout(killer);
      return c;
    },
  };
}

/** Free loopback ports (bound then released). */
export async function freePorts(n: number): Promise<number[]> {
  const net = await import('node:net');
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<import('node:net').Server>((r) => {
          const s = net.createServer();
          s.listen(0, '127.0.0.1', () => r(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as import('node:net').AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** Open file descriptors of a process (Linux /proc). */
export function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Read one metric value from a Prometheus text page. */
export async function metric(port: number, name: string): Promise<number> {
  const r = await request(`http://127.0.0.1:${port}/metrics`);
  const text = await r.body.text();
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text);
  if (!m) throw new Error(`metric ${name} not found`);
  return Number(m[1]);
}
