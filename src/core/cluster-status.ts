/**
 * What `labhub status` shows (docs/high-availability.md): the hub replicas with their heartbeat
 * age and the leader, and each proxy's route count and lag against the database (routes of
 * running servers it lacks, routes of servers that are not active).
 */
import type { ReplicaRecord, Store } from '../db/index.js';
import type { Proxy } from '../proxy/types.js';
import { serverPrefixFor } from '../spawner/spawn-env.js';

export interface ReplicaStatus extends ReplicaRecord {
  heartbeatAgeMs: number;
  leader: boolean;
}

export interface ProxyStatus {
  apiUrl: string;
  /** User and hub routes in the proxy; null when it did not answer. */
  routes: number | null;
  error?: string;
  /** Running servers whose route is missing or points elsewhere. */
  missing: number;
  /** Server routes of servers that are not active. */
  stray: number;
}

export interface ClusterStatus {
  replicas: ReplicaStatus[];
  lease: { replicaId: string; expiresInMs: number } | null;
  servers: { running: number; spawning: number; stopping: number };
  proxies: ProxyStatus[];
}

export async function clusterStatus(
  store: Store,
  proxies: Array<{ apiUrl: string; proxy: Proxy }>,
  baseUrl: string,
): Promise<ClusterStatus> {
  const now = await store.replicas.nowMs();
  const lease = await store.replicas.lease();
  const held = lease && lease.replicaId && lease.expiresMs > now ? lease : null;
  const replicas = (await store.replicas.list()).map((r) => ({
    ...r,
    heartbeatAgeMs: now - r.heartbeatMs,
    leader: held?.replicaId === r.id,
  }));
  const active = await store.servers.active();
  const count = (s: string) => active.filter((a) => a.status === s).length;
  const prefixes = new Map(active.map((a) => [serverPrefixFor(baseUrl, a.userName, a.name), a]));
  const out: ProxyStatus[] = [];
  for (const p of proxies) {
    try {
      const routes = await p.proxy.getAllRoutes();
      let missing = 0;
      for (const [spec, a] of prefixes)
        if (a.status === 'running' && a.target && routes.get(spec)?.target !== a.target) missing++;
      let stray = 0;
      for (const [spec, r] of routes)
        if (typeof r.data.user === 'string' && r.data.hub !== true && !prefixes.has(spec)) stray++;
      out.push({ apiUrl: p.apiUrl, routes: routes.size, missing, stray });
    } catch (e) {
      out.push({
        apiUrl: p.apiUrl,
        routes: null,
        error: (e as Error).message,
        missing: 0,
        stray: 0,
      });
    }
  }
  return {
    replicas,
    lease: held ? { replicaId: held.replicaId, expiresInMs: held.expiresMs - now } : null,
    servers: {
      running: count('running'),
      spawning: count('spawning'),
      stopping: count('stopping'),
    },
    proxies: out,
  };
}
