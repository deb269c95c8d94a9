#!/usr/bin/env node
/**
 * Kubernetes benchmark: JupyterHub 6.1.1 + KubeSpawner 7.1.0 (.venv-kubespawner) vs labhub, on the
 * same real kube-apiserver + etcd (test/helpers/kube-cluster.ts) and the same test node agent
 * (test/helpers/kube-node-agent.ts), each pod a fast stand-in server (the agent's `standIn`
 * image: `sleep infinity` as the container, an HTTP server answering 200 on the pod IP). Both hubs
 * read bench/kubernetes/jupyterhub_config.py. See bench/kubernetes/README.md.
 *
 *   npm run build && node --import tsx bench/kubernetes/run.mjs --servers 100
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startKubeCluster } from '../../test/helpers/kube-cluster.ts';
import { startKubeNodeAgent } from '../../test/helpers/kube-node-agent.ts';
import {
  alive,
  children,
  cleanup,
  cpuMs,
  extraPids,
  freePort,
  listenerPid,
  log,
  rssMB,
  sleep,
} from '../lib/proc.mjs';

const HERE = import.meta.dirname;
const ROOT = join(HERE, '..', '..');
const RUN = join(HERE, '.run');
const CONFIG = join(HERE, 'jupyterhub_config.py');
const VENV = join(ROOT, '.venv-kubespawner');
const CHP = join(ROOT, 'node_modules/.bin/configurable-http-proxy');
const TOKEN = 'bench-service-token-0123456789abcdef';
const PAGINATED = 'application/jupyterhub-pagination+json';
const IMAGE = 'bench/stand-in:1';

const { values: opt } = parseArgs({
  options: {
    servers: { type: 'string', default: '100' },
    conc: { type: 'string', default: '50' },
    hubs: { type: 'string', default: 'jupyterhub,labhub' },
  },
});
const N = Number(opt.servers);
const CONC = Number(opt.conc);
const HUBS = opt.hubs.split(',');
const uname = (i) => `u${String(i).padStart(5, '0')}`;

let shutdown = async () => undefined; // ends the node agent and the cluster once they run
for (const [sig, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
])
  process.on(sig, () => {
    cleanup();
    void shutdown().finally(() => process.exit(code));
  });

/** API-server requests of `user` so far: the audit log has one line per request (stage RequestReceived). */
function apiRequests(auditLog, user) {
  let text = '';
  try {
    text = readFileSync(auditLog, 'utf8');
  } catch {
    return 0;
  }
  const needle = `"user":{"username":"${user}"`;
  let n = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) n++;
  return n;
}

class Hub {
  constructor(kind, kubeconfig, apiUser, auditLog) {
    this.kind = kind;
    this.dir = join(RUN, kind);
    this.namespace = `bench-${kind}`;
    this.kubeconfig = kubeconfig;
    this.apiUser = apiUser;
    this.auditLog = auditLog;
    this.proxyToken = `proxy-${kind}-${Math.random().toString(36).slice(2)}`;
    mkdirSync(this.dir, { recursive: true });
  }

  requests() {
    return apiRequests(this.auditLog, this.apiUser);
  }

  /** Starts the hub; resolves once its API answers and `routes` user routes are in its proxy. */
  async start(routes) {
    [this.port, this.hubPort, this.apiPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const env = {
      ...process.env,
      KUBECONFIG: this.kubeconfig,
      CONFIGPROXY_AUTH_TOKEN: this.proxyToken,
    };
    const [cmd, args] =
      this.kind === 'jupyterhub'
        ? [
            join(VENV, 'bin/jupyterhub'),
            [
              '-f',
              CONFIG,
              `--port=${this.port}`,
              `--JupyterHub.hub_port=${this.hubPort}`,
              `--ConfigurableHTTPProxy.api_url=http://127.0.0.1:${this.apiPort}`,
              `--ConfigurableHTTPProxy.command=${CHP}`,
              `--KubeSpawner.namespace=${this.namespace}`,
            ],
          ]
        : [
            process.execPath,
            [
              join(ROOT, 'bench/lib/labhub-start.mjs'),
              '--config',
              CONFIG,
              '--port',
              String(this.port),
              '--hub-port',
              String(this.hubPort),
              '--proxy-api-url',
              `http://127.0.0.1:${this.apiPort}`,
              '--namespace',
              this.namespace,
            ],
          ];
    if (this.kind === 'jupyterhub') env.PATH = `${join(VENV, 'bin')}:${env.PATH}`;
    const t0 = performance.now();
    const r0 = this.requests();
    const proc = spawn(cmd, args, { cwd: this.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    children.add(proc);
    proc.on('exit', () => children.delete(proc));
    let tail = '';
    const keep = (d) => (tail = (tail + d).slice(-4000));
    proc.stdout.on('data', keep);
    proc.stderr.on('data', keep);
    this.tail = () => tail;
    const deadline = Date.now() + 900_000;
    let ready = 0;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`${this.kind} exited while starting:\n${tail}`);
      if (Date.now() > deadline) throw new Error(`${this.kind} did not start:\n${tail}`);
      const ok = await fetch(`http://127.0.0.1:${this.hubPort}/hub/api/`)
        .then((r) => r.status === 200)
        .catch(() => false);
      // The servers the hub still counts as running once up (JupyterHub may drop some at start).
      if (ok) {
        ready = routes ? await this.readyCount() : 0;
        if (ready >= 0 && (await this.userRoutes().catch(() => -1)) >= Math.min(routes, ready))
          break;
      }
      await sleep(50);
    }
    const pid = this.proxyPid();
    if (pid) extraPids.add(pid);
    return {
      ms: performance.now() - t0,
      cpuMs: cpuMs(proc.pid),
      requests: this.requests() - r0,
      lost: routes - ready,
    };
  }

  proxyPid() {
    return listenerPid(this.apiPort);
  }

  async userRoutes() {
    const r = await fetch(`http://127.0.0.1:${this.apiPort}/api/routes`, {
      headers: { authorization: `token ${this.proxyToken}` },
    });
    if (r.status !== 200) return -1;
    return Object.keys(await r.json()).filter((k) => k.startsWith('/user/')).length;
  }

  /** SIGTERM (servers keep running: cleanup_servers = False), then its proxy, for a cold start. */
  async stop() {
    const pid = this.proxyPid();
    const p = this.proc;
    if (p && p.exitCode === null) {
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      const t = setTimeout(() => p.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(t);
    }
    if (pid && alive(pid)) {
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 100 && alive(pid); i++) await sleep(50);
    }
    extraPids.delete(pid);
  }

  async api(method, path, body, accept) {
    const r = await fetch(`http://127.0.0.1:${this.hubPort}/hub/api${path}`, {
      method,
      headers: {
        authorization: `token ${TOKEN}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(accept ? { accept } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    return { status: r.status, json: text ? JSON.parse(text) : null };
  }

  async activeCount() {
    const r = await this.api('GET', '/users?state=active&limit=1', null, PAGINATED).catch(
      () => null,
    );
    return r?.json?._pagination?.total ?? -1;
  }

  async readyCount() {
    const r = await this.api('GET', '/users?state=ready&limit=1', null, PAGINATED).catch(
      () => null,
    );
    return r?.json?._pagination?.total ?? -1;
  }
}

async function benchHub(h, names) {
  const R = {};
  log(`${h.kind}: starting`);
  await h.start(0);
  for (let i = 0; i < names.length; i += 100) {
    const r = await h.api('POST', '/users', { usernames: names.slice(i, i + 100) });
    if (r.status !== 201) throw new Error(`${h.kind}: POST /users -> ${r.status}`);
  }
  log(`${h.kind}: ${names.length} users; spawning them all (${CONC} requests in flight)`);
  const c0 = cpuMs(h.proc.pid);
  const q0 = h.requests();
  const t0 = performance.now();
  let idx = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONC, names.length) }, async () => {
      while (idx < names.length) {
        const n = names[idx++];
        const r = await h.api('POST', `/users/${n}/server`);
        if (r.status >= 400)
          throw new Error(`${h.kind}: start ${n} -> ${r.status} ${JSON.stringify(r.json)}`);
      }
    }),
  );
  // Done when no server is pending any more: each is ready, or failed/stopped (counted).
  for (let last = -1; ;) {
    const ready = await h.readyCount();
    const active = await h.activeCount();
    if (ready >= 0 && active === ready) {
      R.failed = names.length - ready;
      break;
    }
    if (ready !== last) log(`${h.kind}: ${ready}/${names.length} ready, ${active - ready} pending`);
    last = ready;
    if (h.proc.exitCode !== null) throw new Error(`${h.kind} exited:\n${h.tail()}`);
    if (performance.now() - t0 > 1_800_000)
      throw new Error(`${h.kind}: spawns not ready in 30 min`);
    await sleep(250);
  }
  R.spawnMs = performance.now() - t0;
  R.cpuPerSpawn = (cpuMs(h.proc.pid) - c0) / names.length;
  R.requestsPerSpawn = (h.requests() - q0) / names.length;
  log(`${h.kind}: all ready in ${(R.spawnMs / 1000).toFixed(1)} s`);
  await sleep(3000);
  R.rssMB = rssMB(h.proc.pid);
  const q1 = h.requests();
  await sleep(10_000);
  R.idleRequestsPer10s = h.requests() - q1;
  const running = await h.readyCount();
  log(`${h.kind}: restart with ${running} running`);
  await h.stop();
  const restart = await h.start(running);
  R.restartMs = restart.ms;
  R.restartCpuMs = restart.cpuMs;
  R.restartRequests = restart.requests;
  R.restartLost = restart.lost;
  log(`${h.kind}: routes back in ${(R.restartMs / 1000).toFixed(1)} s`);
  await h.stop();
  return R;
}

function table(results) {
  const rows = [
    ['time until all ready (s)', (r) => r.spawnMs / 1000, 1],
    ['servers that failed or stopped while starting', (r) => r.failed, 0],
    ['hub CPU per spawn (ms)', (r) => r.cpuPerSpawn, 1],
    ['API-server requests per spawn', (r) => r.requestsPerSpawn, 1],
    [`hub memory at ${N} running (MB RSS)`, (r) => r.rssMB, 0],
    [`API-server requests in 10 s idle, ${N} running`, (r) => r.idleRequestsPer10s, 0],
    [`restart with ${N} running: until all routes back (s)`, (r) => r.restartMs / 1000, 1],
    ['restart: hub CPU until then (s)', (r) => r.restartCpuMs / 1000, 1],
    ['restart: API-server requests', (r) => r.restartRequests, 0],
    ['restart: servers the hub dropped', (r) => r.restartLost, 0],
  ];
  const jh = results.jupyterhub;
  const lh = results.labhub;
  const lines = [
    `| ${N} servers | JupyterHub 6.1.1 + KubeSpawner 7.1.0 | labhub | JupyterHub / labhub |`,
    '|---|---|---|---|',
  ];
  for (const [label, f, d] of rows) {
    const a = jh ? f(jh) : NaN;
    const b = lh ? f(lh) : NaN;
    const ratio = a / b;
    lines.push(
      `| ${label} | ${Number.isFinite(a) ? a.toFixed(d) : '–'} | ${Number.isFinite(b) ? b.toFixed(d) : '–'} | ${Number.isFinite(ratio) ? `${ratio.toFixed(1)}×` : '–'} |`,
    );
  }
  return lines.join('\n');
}

async function main() {
  rmSync(RUN, { recursive: true, force: true });
  mkdirSync(RUN, { recursive: true });
  const policy = join(RUN, 'audit-policy.yaml');
  const auditLog = join(RUN, 'audit.log');
  writeFileSync(
    policy,
    'apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [ResponseStarted, ResponseComplete, Panic]\nrules:\n  - level: Metadata\n',
  );
  const load0 = os.loadavg();
  const t0 = Date.now();
  const cluster = await startKubeCluster({
    users: HUBS.map((k) => ({ name: `bench-${k}`, groups: ['system:masters'] })),
    apiserverArgs: [
      `--audit-policy-file=${policy}`,
      `--audit-log-path=${auditLog}`,
      '--audit-log-maxsize=0',
      '--max-requests-inflight=2000',
      '--max-mutating-requests-inflight=1000',
    ],
  });
  const agent = await startKubeNodeAgent(cluster.kubeConfig(), {
    images: { [IMAGE]: { standIn: true } },
    ipRange: [10, 10 + 2 * N + 600],
  });
  shutdown = async () => {
    await agent.stop().catch(() => undefined);
    await cluster.stop().catch(() => undefined);
  };
  const results = {};
  try {
    for (const kind of HUBS) {
      await cluster.createNamespace(`bench-${kind}`);
      const h = new Hub(kind, cluster.users[`bench-${kind}`].kubeconfig, `bench-${kind}`, auditLog);
      const names = Array.from({ length: N }, (_, i) => uname(i));
      results[kind] = await benchHub(h, names);
    }
  } finally {
    await agent.stop();
    await cluster.stop();
  }
  const out = [
    `Kubernetes benchmark: ${new Date().toISOString()}, ${((Date.now() - t0) / 1000) | 0} s, ${N} servers, node ${process.version}, ${os.cpus().length} cores, load average at start ${load0.map((x) => x.toFixed(2)).join(' ')}, at end ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
    '',
    table(results),
  ].join('\n');
  console.log(out);
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, `bench/results/kubernetes-${N}.md`), out + '\n');
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
