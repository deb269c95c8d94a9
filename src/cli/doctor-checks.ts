import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { loadConfig } from '../config/index.js';
import { isHubError } from '../errors.js';
import { chooseAuthenticator } from '../auth/choice.js';
import { settingsFromConfig, isWildcardIp } from '../core/settings-from-config.js';
import { findOnPath } from '../spawner/proc.js';
import { flagOverrides, type StartFlags } from './common.js';
import { busyPortResult, detectLive, userEnvResult } from './doctor-live.js';
import { accountChecks, authenticatorChecks } from './doctor-system.js';
import { spawnerChecks } from './doctor-spawner.js';
import { tlsChecks } from './doctor-tls.js';
import { statsdChecks } from './doctor-statsd.js';
import { proxyEngineChecks } from './doctor-proxy.js';
import { fileChecks, secretFileChecks } from './doctor-files.js';

export interface CheckResult {
  name: string;
  status: 'ok' | 'warn' | 'error';
  detail: string;
  fix?: string;
}

/** Is the TCP port free to listen on? */
function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ host, port }, () => s.close(() => resolve(true)));
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Every check `labhub doctor` runs. Never throws: a failing check is a result. */
export async function runChecks(flags: StartFlags): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  let loaded;
  try {
    loaded = loadConfig({ file: flags.config, overrides: flagOverrides(flags) });
    out.push({
      name: 'config',
      status: loaded.warnings.length ? 'warn' : 'ok',
      detail: loaded.source ? `read ${loaded.source}` : 'no config file: embedded defaults',
    });
    for (const w of loaded.warnings) {
      const where = w.file ? `${w.file}:${w.line}` : '';
      out.push({
        name: `config ${w.key}`,
        status: 'warn',
        detail: `${where && !w.message.startsWith(where) ? `${where}: ` : ''}${w.message}`,
      });
    }
  } catch (e) {
    out.push({
      name: 'config',
      status: 'error',
      detail: isHubError(e) ? e.userMessage : String(e),
      fix: 'Fix the file as the message says, then run labhub doctor again.',
    });
    return out;
  }
  const authId = chooseAuthenticator(loaded.config).id;
  const s = settingsFromConfig(loaded.config, authId);
  out.push(...(await authenticatorChecks(loaded.config)));

  // Hostname: JupyterHub fails on wildcard binds when it does not resolve; labhub does not need it.
  const host = hostname();
  try {
    await lookup(host);
    out.push({ name: 'hostname', status: 'ok', detail: `${host} resolves` });
  } catch {
    out.push({
      name: 'hostname',
      status: 'warn',
      detail: `this machine's hostname '${host}' does not resolve. labhub does not need it (it checks itself over 127.0.0.1), but other tools may.`,
      fix: `Add "127.0.1.1 ${host}" to /etc/hosts.`,
    });
  }

  const pub = isWildcardIp(s.ip) ? '0.0.0.0' : s.ip;
  let api: URL | null = null;
  try {
    api = new URL(s.proxy.apiUrl);
  } catch {
    out.push({
      name: 'proxy API',
      status: 'error',
      detail: `ConfigurableHTTPProxy.api_url = ${s.proxy.apiUrl} is not a URL`,
      fix: 'Use a URL like http://127.0.0.1:8001.',
    });
  }
  const ports: Array<[string, string, number]> = [
    ['public port (JupyterHub.port)', pub, s.port],
    ['hub port (JupyterHub.hub_port)', isWildcardIp(s.hubIp) ? '0.0.0.0' : s.hubIp, s.hubPort],
  ];
  if (api && s.proxy.shouldStart)
    ports.push([
      'proxy API port (ConfigurableHTTPProxy.api_url)',
      api.hostname.replace(/^\[|\]$/g, ''),
      Number(api.port || 80),
    ]);
  // Run beside a live labhub: its own hub and proxy hold these ports, which is fine.
  const live = await detectLive(s);
  if (live.hubVersion !== null)
    out.push({
      name: 'running labhub',
      status: 'ok',
      detail: `a labhub hub for this configuration is running (JupyterHub API ${live.hubVersion})${live.proxyPid ? `, with its proxy (pid ${live.proxyPid})` : ''}`,
    });
  const redirectPort = s.httpRedirectPort;
  if (redirectPort)
    ports.push(['HTTP redirect port (Labhub.http_redirect_port)', '0.0.0.0', redirectPort]);
  const seen = new Map<number, string>();
  for (const [what, , p] of ports) {
    const other = seen.get(p);
    if (other)
      out.push({
        name: 'ports',
        status: 'error',
        detail: `${what} and ${other} are both ${p}`,
        fix: 'Give each its own port (defaults: port 8000, hub_port 8081, proxy API 8001).',
      });
    seen.set(p, what);
  }
  if (isWildcardIp(s.ip))
    out.push({
      name: 'public address',
      status: 'ok',
      detail: `JupyterHub.ip is a wildcard ('*', '' or 0.0.0.0): the proxy listens on all interfaces, and labhub checks itself over 127.0.0.1, so the hostname need not resolve`,
    });
  for (const [what, h, p] of ports) {
    const free = await portFree(h, p);
    if (p1024(p) && process.getuid?.() !== 0) continue; // reported below: needs root
    out.push(
      free
        ? { name: what, status: 'ok', detail: `${h}:${p} is free` }
        : busyPortResult(what, h, p, p === s.hubPort ? 'hub' : 'proxy', live, s),
    );
  }
  const low = ports.map(([, , p]) => p).filter(p1024);
  if (low.length && process.getuid?.() !== 0)
    out.push({
      name: 'privileged ports',
      status: 'error',
      detail: `ports below 1024 (${low.join(', ')}) need root`,
      fix: 'Run labhub as root, or use ports ≥ 1024.',
    });
  const explained = loaded.warnings.some((w) => w.code === 'LABHUB_WARN_CONFIG_HUB_PORT_PUBLIC');
  if (!explained && [80, 443, 8000].includes(s.hubPort) && s.port === 8000) {
    out.push({
      name: 'hub_port',
      status: 'warn',
      detail: `JupyterHub.hub_port = ${s.hubPort} only moves the hub's internal API; users still connect on port ${s.port} (JupyterHub.port).`,
      fix: `To serve users on ${s.hubPort}, set JupyterHub.port = ${s.hubPort} and leave hub_port at 8081.`,
    });
  }

  if (existsSync(s.proxy.pidFile)) {
    const pid = Number(readFileSync(s.proxy.pidFile, 'utf8').trim());
    if (pid > 0 && pidAlive(pid))
      out.push({
        name: 'proxy pid file',
        status: 'ok',
        detail: `${s.proxy.pidFile}: proxy pid ${pid} is running (${live.hubVersion !== null ? 'the running hub uses it' : 'the hub will adopt it'})`,
      });
    else
      out.push({
        name: 'proxy pid file',
        status: 'warn',
        detail: `${s.proxy.pidFile} names pid ${pid}, which is not running (stale)`,
        fix: `labhub removes it on start; or delete it: rm ${s.proxy.pidFile}`,
      });
  }

  out.push(...(await accountChecks(s, authId)), ...spawnerChecks(s));

  const cmd = s.spawner.cmd[0];
  const onPath = cmd.startsWith('/')
    ? existsSync(cmd)
      ? cmd
      : null
    : findOnPath(cmd, process.env.PATH);
  out.push(
    onPath
      ? { name: 'single-user command', status: 'ok', detail: `${cmd} → ${onPath}` }
      : cmd === 'jupyterhub-singleuser'
        ? userEnvResult(s)
        : {
            name: 'single-user command',
            status: 'error',
            detail: `${cmd} (Spawner.cmd) is not on PATH`,
            fix: 'Install it or set Spawner.cmd to its full path.',
          },
  );

  if (s.spawner.notebookDir) {
    const root = s.spawner.notebookDir.split('{')[0].replace(/\/[^/]*$/, '') || '/';
    let dir = root;
    while (!existsSync(dir)) dir = dirname(dir);
    try {
      accessSync(dir, constants.W_OK);
      out.push({
        name: 'notebook_dir',
        status: 'ok',
        detail: `${s.spawner.notebookDir}: labhub can create it under ${dir}`,
      });
    } catch {
      out.push({
        name: 'notebook_dir',
        status: 'error',
        detail: `${s.spawner.notebookDir}: ${dir} is not writable by labhub`,
        fix: `Create ${root} (owned so that labhub may create per-user folders), or run labhub as root.`,
      });
    }
  }
  out.push(
    ...tlsChecks(s),
    ...proxyEngineChecks(s),
    ...(await statsdChecks(s)),
    ...fileChecks(s),
    ...secretFileChecks(s, loaded),
  );
  return out;
}

function p1024(p: number): boolean {
  return p > 0 && p < 1024;
}

export function formatReport(results: CheckResult[]): string {
  const mark = { ok: 'ok  ', warn: 'WARN', error: 'FAIL' } as const;
  const lines = results.map(
    (r) => `[${mark[r.status]}] ${r.name}: ${r.detail}${r.fix ? `\n       fix: ${r.fix}` : ''}`,
  );
  const errors = results.filter((r) => r.status === 'error').length;
  const warns = results.filter((r) => r.status === 'warn').length;
  return `${lines.join('\n')}\n\n${errors} problem(s), ${warns} warning(s).\n`;
}
