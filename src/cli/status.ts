/**
 * `labhub status`: the hub replicas (heartbeat age, leader), the leader lease, the active
 * servers, and each proxy's route count and lag (docs/high-availability.md). Reads the database
 * and the proxy API; works whether or not a hub is running.
 */
import { Store, parseDbUrl } from '../db/index.js';
import { chooseAuthenticator } from '../auth/choice.js';
import { settingsFromConfig } from '../core/settings-from-config.js';
import { clusterStatus, type ClusterStatus } from '../core/cluster-status.js';
import { ChpClient } from '../proxy/chp-client.js';
import { cliDbOptions, loadWithFlags, type StartFlags } from './common.js';
import { proxyToken } from './stop-leftovers.js';

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function formatStatus(s: ClusterStatus): string {
  const lines = [`Hub replicas: ${s.replicas.length}`];
  for (const r of s.replicas)
    lines.push(
      `  ${r.leader ? '*' : ' '} ${r.id}  ${r.hubUrl}  pid ${r.pid} on ${r.host}  labhub ${r.version}  heartbeat ${secs(r.heartbeatAgeMs)} ago${r.leader ? '  (leader)' : ''}`,
    );
  lines.push(
    s.lease
      ? `Leader lease: ${s.lease.replicaId}, ${secs(s.lease.expiresInMs)} left`
      : 'Leader lease: nobody holds it (no hub running, or one is taking over)',
  );
  lines.push(
    `Servers: ${s.servers.running} running, ${s.servers.spawning} starting, ${s.servers.stopping} stopping`,
  );
  lines.push(`Proxies: ${s.proxies.length}`);
  for (const p of s.proxies)
    lines.push(
      p.routes === null
        ? `    ${p.apiUrl}: not answering (${p.error})`
        : `    ${p.apiUrl}: ${p.routes} routes; lag: ${p.missing} missing, ${p.stray} stray`,
    );
  return lines.join('\n');
}

export async function runStatus(opts: StartFlags & { json?: boolean }): Promise<void> {
  const loaded = loadWithFlags(opts);
  const settings = settingsFromConfig(loaded.config, chooseAuthenticator(loaded.config).id);
  const store = await Store.open(parseDbUrl(settings.dbUrl), cliDbOptions);
  const authToken = await proxyToken(settings, store);
  const proxies = [settings.proxy.apiUrl, ...settings.highAvailability.proxyApiUrls].map(
    (apiUrl) => ({
      apiUrl,
      proxy: new ChpClient({ apiUrl, authToken, retryFor: 0, requestTimeout: 3000 }),
    }),
  );
  try {
    const s = await clusterStatus(store, proxies, settings.baseUrl);
    process.stdout.write(`${opts.json ? JSON.stringify(s, null, 2) : formatStatus(s)}\n`);
  } finally {
    for (const p of proxies) await p.proxy.close();
    await store.close();
  }
}
