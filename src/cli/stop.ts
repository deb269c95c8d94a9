/**
 * `labhub stop [--all]`: stop the hub; with --all also every user server and the proxy, in one
 * command, whether the hub runs or not.
 *
 * - Hub running (it answers at hub_ip:hub_port): a short-lived `shutdown` token of an admin asks
 *   it through its REST API (POST /hub/api/shutdown, JupyterHub's call), and we wait until its
 *   port closes. With --all the body says servers and proxy too.
 * - Then, with --all, whatever is left: user servers the database still lists as active are
 *   stopped through the spawner (the same lifecycle code as the hub's), and the proxy a labhub
 *   hub started is stopped through its pid file (ConfigurableHTTPProxy.pid_file). An external
 *   proxy (should_start false, or not started by labhub) is left alone and named.
 * - Finally the hub, public and proxy API ports are checked; anything still listening is named
 *   with its pid (LABHUB_ERR_STOP).
 */
import { chooseAuthenticator } from '../auth/choice.js';
import { loopbackFor, settingsFromConfig } from '../core/settings-from-config.js';
import type { Settings } from '../core/settings.js';
import { Store, parseDbUrl } from '../db/index.js';
import { HubError } from '../errors.js';
import { cliDbOptions, loadWithFlags, type StartFlags } from './common.js';
import { hubApi, hubVersionAt } from './hub-probe.js';
import { portOwner, tcpOpen } from './port-owner.js';
import { stopLeftoverServers, stopManagedProxy } from './stop-leftovers.js';

export interface StopFlags extends StartFlags {
  all?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until nothing accepts connections at host:port (true) or `ms` pass (false). */
async function portCloses(host: string, port: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!(await tcpOpen(host, port, 500))) return true;
    await sleep(200);
  }
  return !(await tcpOpen(host, port, 500));
}

/** Asks the running hub to shut down; resolves once its port is closed. */
async function shutdownHub(s: Settings, store: Store, all: boolean, say: (m: string) => void) {
  const { host, url } = hubApi(s);
  const admin = await store.users.anyAdmin();
  if (!admin)
    throw new HubError(
      'LABHUB_ERR_STOP',
      500,
      `The hub at ${url} is running, but its database has no admin user to authorize the shutdown. Make one (labhub --admin NAME, or Authenticator.admin_users), or stop the hub with Ctrl-C / kill, then run labhub stop --all again.`,
    );
  const { record, token } = await store.tokens.create({
    userId: admin.id,
    scopes: ['shutdown'],
    note: 'labhub stop',
    expiresInSeconds: 600,
  });
  const active = (await store.servers.active()).length;
  try {
    const r = await fetch(`${url}/shutdown`, {
      method: 'POST',
      headers: { Authorization: `token ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(all ? { servers: true, proxy: true } : {}),
      signal: AbortSignal.timeout(10_000),
    });
    if (r.status !== 202)
      throw new HubError(
        'LABHUB_ERR_STOP',
        500,
        `The hub at ${url} refused the shutdown request (HTTP ${r.status}: ${(await r.text()).slice(0, 200)}). Stop it with Ctrl-C or kill instead.`,
      );
    say(
      all && active
        ? `Asked the hub to shut down and stop ${active} user server(s) and the proxy…`
        : 'Asked the hub to shut down…',
    );
    // Each server gets its graceful stop (SIGINT, SIGTERM, SIGKILL: up to ~20 s).
    if (!(await portCloses(host, s.hubPort, 60_000 + active * 25_000)))
      throw new HubError(
        'LABHUB_ERR_STOP',
        500,
        `The hub accepted the shutdown but still listens on ${host}:${s.hubPort}${describeOwner(s.hubPort)}. Stop that process (kill), then run labhub stop --all again.`,
      );
    say(`The hub stopped (port ${s.hubPort} closed).`);
  } finally {
    await store.tokens.delete(record.id).catch(() => undefined);
  }
}

function describeOwner(port: number): string {
  const o = portOwner(port);
  return o ? ` (pid ${o.pid}: ${o.cmdline.slice(0, 120)})` : '';
}

/** Run `labhub stop`. Throws HubError LABHUB_ERR_STOP naming whatever could not be stopped. */
export async function runStop(flags: StopFlags): Promise<void> {
  const say = (m: string) => process.stdout.write(`${m}\n`);
  const loaded = loadWithFlags(flags);
  const s = settingsFromConfig(loaded.config, chooseAuthenticator(loaded.config).id);
  const all = flags.all === true;
  const store = await Store.open(parseDbUrl(s.dbUrl), cliDbOptions);
  try {
    if ((await hubVersionAt(hubApi(s).url)) !== null) await shutdownHub(s, store, all, say);
    else say(`The hub is not running (nothing answers at ${hubApi(s).url}).`);
    if (!all) return;
    await stopLeftoverServers(s, store, say);
    await stopManagedProxy(s, store, say);
  } finally {
    await store.close();
  }
  await checkPortsFree(s, say);
}

/** Every port labhub listens on must be free now; names the owner of any that is not. */
async function checkPortsFree(s: Settings, say: (m: string) => void): Promise<void> {
  const ports: Array<[string, string, number]> = [
    ['hub port (JupyterHub.hub_port)', loopbackFor(s.hubIp), s.hubPort],
  ];
  // An external proxy (should_start false) is not ours to stop: its ports stay in use.
  if (s.proxy.shouldStart) {
    ports.push(['public port (JupyterHub.port)', loopbackFor(s.ip), s.port]);
    const api = new URL(s.proxy.apiUrl);
    ports.push([
      'proxy API port (ConfigurableHTTPProxy.api_url)',
      api.hostname.replace(/^\[|\]$/g, ''),
      Number(api.port || 80),
    ]);
  }
  const busy: string[] = [];
  for (const [what, host, port] of ports) {
    if (!(await portCloses(host, port, 3000))) busy.push(`${what} ${port}${describeOwner(port)}`);
  }
  if (busy.length)
    throw new HubError(
      'LABHUB_ERR_STOP',
      500,
      `Still in use after stopping: ${busy.join('; ')}. If that is not labhub, it is another program: stop it yourself (see ss -ltnp).`,
    );
  say(`Everything is stopped: ports ${ports.map(([, , p]) => p).join(', ')} are free.`);
}
