/**
 * What `labhub stop --all` stops when no hub does it: the user servers the database still
 * lists as active (through the spawner, with the hub's own stop lifecycle: route, process,
 * tokens, record) and the proxy a labhub hub started (through its pid file).
 */
import { Permissions } from '../core/rbac/permissions.js';
import type { Settings } from '../core/settings.js';
import { SpawnManager } from '../core/spawn/spawn-manager.js';
import type { Store } from '../db/index.js';
import { HubError } from '../errors.js';
import { createLogger } from '../log.js';
import { HubMetrics } from '../metrics/hub-metrics.js';
import { ChpClient } from '../proxy/chp-client.js';
import { defaultProxyCommand } from '../proxy/proxy-command.js';
import { looksLikeProxy, managedProxyPid, removePidFile, terminatePid } from '../proxy/pid-file.js';
import { resolveSpawner } from '../spawner/registry.js';
import { portOwner } from './port-owner.js';

/** The proxy API token: configured, from the environment, or the one the hub keeps in the database. */
export async function proxyToken(s: Settings, store: Store): Promise<string> {
  return (
    s.proxy.authToken ||
    process.env.CONFIGPROXY_AUTH_TOKEN ||
    (await store.kv.get('proxy_auth_token')) ||
    ''
  );
}

/** Stops every server the database lists as active; says how many. */
export async function stopLeftoverServers(
  s: Settings,
  store: Store,
  say: (m: string) => void,
): Promise<void> {
  const active = await store.servers.active();
  if (!active.length) {
    say('No user server is running.');
    return;
  }
  const log = createLogger({ level: 'warn' });
  const proxy = new ChpClient({
    apiUrl: s.proxy.apiUrl,
    authToken: await proxyToken(s, store),
    retryFor: 2000,
    requestTimeout: 3000,
  });
  const spawns = new SpawnManager({
    settings: s,
    store,
    log,
    permissions: new Permissions(store, log, {
      loadRoles: [],
      extraUserScopes: [],
      customScopes: {},
    }),
    proxy,
    metrics: new HubMetrics(),
    spawner: await resolveSpawner(s.spawnerClass),
  });
  const names = active.map((a) => (a.name ? `${a.userName}/${a.name}` : a.userName));
  say(`Stopping ${active.length} user server(s): ${names.join(', ')}…`);
  try {
    await spawns.stopAll();
  } finally {
    await proxy.close();
  }
  const left = await store.servers.active();
  if (left.length)
    throw new HubError(
      'LABHUB_ERR_STOP',
      500,
      `These servers did not stop: ${left.map((a) => `${a.userName}/${a.name} (${a.status})`).join(', ')}. Run labhub stop --all again; if they stay, kill their processes (see their pids with ps -u <user>).`,
    );
  say(`Stopped ${active.length} user server(s).`);
}

/**
 * Stops the proxy a labhub hub started: the pid in the pid file, or else the process that
 * answers on the proxy API port with our token. An external proxy is left running.
 */
export async function stopManagedProxy(
  s: Settings,
  store: Store,
  say: (m: string) => void,
): Promise<void> {
  const api = new URL(s.proxy.apiUrl);
  const apiPort = Number(api.port || 80);
  if (!s.proxy.shouldStart) {
    say(
      `The proxy at ${s.proxy.apiUrl} is external (ConfigurableHTTPProxy.should_start = false): labhub did not start it and leaves it running.`,
    );
    return;
  }
  const command = s.proxy.command ?? defaultProxyCommand();
  let pid = managedProxyPid(s.proxy.pidFile, command);
  let from = `pid file ${s.proxy.pidFile}`;
  if (pid === null) {
    // No (valid) pid file, e.g. run from another directory: the proxy answering with our token.
    const owner = portOwner(apiPort);
    if (owner && looksLikeProxy(owner.pid, command) && (await answersOurToken(s, store))) {
      pid = owner.pid;
      from = `listening on the proxy API port ${apiPort}`;
    } else if (owner) {
      say(
        `Port ${apiPort} (ConfigurableHTTPProxy.api_url) is held by pid ${owner.pid} (${owner.cmdline.slice(0, 120)}), which is not a proxy labhub started: left alone.`,
      );
      return;
    }
  }
  if (pid === null) {
    say('The proxy is not running.');
    return;
  }
  if (!(await terminatePid(pid)))
    throw new HubError(
      'LABHUB_ERR_STOP',
      500,
      `The proxy (pid ${pid}) did not exit after SIGTERM and SIGKILL. Check it with ps -p ${pid}.`,
    );
  removePidFile(s.proxy.pidFile, pid);
  say(`Stopped the proxy (pid ${pid}, ${from}).`);
}

async function answersOurToken(s: Settings, store: Store): Promise<boolean> {
  try {
    const r = await fetch(new URL('api/routes', s.proxy.apiUrl.replace(/\/?$/, '/')), {
      headers: { Authorization: `token ${await proxyToken(s, store)}` },
      signal: AbortSignal.timeout(3000),
    });
    await r.body?.cancel();
    return r.ok;
  } catch {
    return false;
  }
}
