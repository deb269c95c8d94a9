// One hub under test for bench/hub/run.mjs: JupyterHub 6.1.1 (from <repo>/.venv-bench) or labhub
// (dist/, started by bench/lib/labhub-start.mjs), both reading bench/hub/jupyterhub_config.py,
// each with its own farm of tiny servers (farm.mjs), ports, directory and HTTP client.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'undici';
import {
  alive,
  children,
  cleanup,
  cpuMs,
  extraPids,
  freePort,
  listenerPid,
  rssMB,
  sleep,
} from '../lib/proc.mjs';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const HERE = join(ROOT, 'bench/hub');
export const RUN = join(HERE, '.run');
export const VENV = join(ROOT, '.venv-bench');
const CONFIG = join(HERE, 'jupyterhub_config.py');
const CHP = join(ROOT, 'node_modules/.bin/configurable-http-proxy');
const TOKEN = 'bench-service-token-0123456789abcdef';

function startProc(cmd, args, { cwd, env, name }) {
  const c = spawn(cmd, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(c);
  let tail = '';
  const keep = (d) => {
    tail = (tail + d).slice(-6000);
  };
  c.stdout.on('data', keep);
  c.stderr.on('data', keep);
  c.on('exit', () => children.delete(c));
  c.tail = () => tail;
  c.label = name;
  return c;
}
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

/** One hub under test: its processes, ports, directory and HTTP client. */
export class HubUnderTest {
  /** `labhubProxy`: 'own' (labhub-proxy) or 'chp' (labhub driving configurable-http-proxy). */
  constructor(kind, labhubProxy = 'own') {
    this.kind = kind;
    this.labhubProxy = labhubProxy;
    this.dir = join(RUN, kind);
    this.results = {};
  }

  async init() {
    mkdirSync(this.dir, { recursive: true });
    this.proxyToken = `proxy-token-${this.kind}-${Math.random().toString(36).slice(2)}`;
    this.farm = startProc(process.execPath, [join(HERE, 'farm.mjs'), '0'], {
      cwd: this.dir,
      name: `${this.kind}-farm`,
    });
    this.farmPort = await new Promise((resolve, reject) => {
      this.farm.stdout.once('data', (d) => resolve(JSON.parse(String(d).split('\n')[0]).port));
      this.farm.once('exit', () => reject(new Error('farm exited')));
    });
    this.farmPool = new Pool(`http://127.0.0.1:${this.farmPort}`, { connections: 4 });
  }

  /** Start the hub process; resolves with {apiMs, routesMs} once /hub/api/ answers and every route is in the proxy. */
  async start(expectedRoutes = 0) {
    // Fresh ports at each start: the farm's tiny servers take ports from the OS all the time.
    [this.port, this.hubPort, this.apiPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    await this.pool?.close();
    this.pool = new Pool(`http://127.0.0.1:${this.hubPort}`, {
      connections: 256,
      pipelining: 1,
      headersTimeout: 600_000,
      bodyTimeout: 600_000,
    });
    const env = {
      BENCH_FARM_URL: `http://127.0.0.1:${this.farmPort}`,
      CONFIGPROXY_AUTH_TOKEN: this.proxyToken,
    };
    const t0 = performance.now();
    if (this.kind === 'jupyterhub') {
      this.proc = startProc(
        join(VENV, 'bin/jupyterhub'),
        [
          '-f',
          CONFIG,
          `--port=${this.port}`,
          `--JupyterHub.hub_port=${this.hubPort}`,
          `--ConfigurableHTTPProxy.api_url=http://127.0.0.1:${this.apiPort}`,
          `--ConfigurableHTTPProxy.command=${CHP}`,
        ],
        {
          cwd: this.dir,
          env: { ...env, PYTHONPATH: HERE, PATH: `${join(VENV, 'bin')}:${process.env.PATH}` },
          name: 'jupyterhub',
        },
      );
    } else {
      const args = [
        join(ROOT, 'bench/lib/labhub-start.mjs'),
        '--config',
        CONFIG,
        '--port',
        String(this.port),
        '--hub-port',
        String(this.hubPort),
        '--proxy-api-url',
        `http://127.0.0.1:${this.apiPort}`,
      ];
      if (this.labhubProxy === 'chp') args.push('--proxy-command', CHP);
      // BENCH_LABHUB_NODE_ARGS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`: profile each labhub run.
      const nodeArgs = (process.env.BENCH_LABHUB_NODE_ARGS ?? '').split(' ').filter(Boolean);
      this.proc = startProc(process.execPath, [...nodeArgs, ...args], {
        cwd: this.dir,
        env: { ...env, LABHUB_PLUGIN_PATH: HERE },
        name: 'labhub',
      });
    }
    const deadline = Date.now() + 900_000;
    let apiMs = NaN;
    let apiCpuMs = NaN;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null)
        throw new Error(`${this.kind} exited during start:\n${this.proc.tail()}`);
      try {
        const r = await this.pool.request({
          path: '/hub/api/',
          method: 'GET',
          headersTimeout: 2000,
        });
        const body = await r.body.text();
        if (r.statusCode === 200 && /"version"/.test(body) && !body.includes('"bench"')) {
          apiMs = performance.now() - t0;
          apiCpuMs = cpuMs(this.proc.pid);
          break;
        }
      } catch {}
      await sleep(20);
    }
    let routesMs = NaN;
    let routesCpuMs = NaN;
    while (Date.now() < deadline) {
      const n = await this.userRoutes().catch(() => -1);
      if (n >= expectedRoutes) {
        routesMs = performance.now() - t0;
        routesCpuMs = cpuMs(this.proc.pid);
        break;
      }
      await sleep(20);
    }
    // The proxy is a separate process started by the hub: remember its pid to end it ourselves.
    this.proxyPid = this.findProxyPid();
    if (this.proxyPid) extraPids.add(this.proxyPid);
    // CPU time the hub process used (user+system): robust to other load on a shared machine.
    return { apiMs, routesMs, apiCpuMs, routesCpuMs };
  }

  findProxyPid() {
    return listenerPid(this.apiPort);
  }

  async userRoutes() {
    const r = await fetch(`http://127.0.0.1:${this.apiPort}/api/routes`, {
      headers: { authorization: `token ${this.proxyToken}` },
      signal: AbortSignal.timeout(5000),
    });
    if (r.status !== 200) return -1;
    return Object.keys(await r.json()).filter((k) => k.startsWith('/user/')).length;
  }

  /** Stop the hub (SIGTERM; servers keep running) and end its proxy, so the next start is cold. */
  async stop() {
    const p = this.proc;
    if (p && p.exitCode === null) {
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      const t = setTimeout(() => p.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(t);
    }
    const pid = this.proxyPid ?? this.findProxyPid();
    if (pid && alive(pid)) {
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 100 && alive(pid); i++) await sleep(50);
    }
    extraPids.delete(pid);
    this.proxyPid = null;
  }

  async api(method, path, body, headers = {}) {
    const r = await this.pool.request({
      path: `/hub/api${path}`,
      method,
      headers: {
        authorization: `token ${TOKEN}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.body.text();
    return { status: r.statusCode, json: text ? JSON.parse(text) : null };
  }

  async farmCount() {
    const r = await this.farmPool.request({ path: '/count', method: 'GET' });
    return (await r.body.json()).running;
  }

  rss() {
    return this.proc ? rssMB(this.proc.pid) : NaN;
  }
  proxyRss() {
    return this.proxyPid ? rssMB(this.proxyPid) : NaN;
  }
}
