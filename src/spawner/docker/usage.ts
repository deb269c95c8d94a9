/**
 * A Docker server's resource use for the usage accounting: one-shot stats of its container
 * (`GET /containers/{id}/stats?stream=false&one-shot=true`, no second sample to wait for). CPU is
 * the cgroup's counter `cpu_stats.cpu_usage.total_usage` (nanoseconds → seconds); memory is what
 * `docker stats` shows: usage minus the inactive file cache (cgroup v2 `inactive_file`, v1
 * `total_inactive_file`).
 */
import type Docker from 'dockerode';
import type { ServerUsage } from '../types.js';

/** The figures of a stats answer, or null when the container is not running. */
export function usageFromStats(s: Docker.ContainerStats): ServerUsage | null {
  const cpuNs = s.cpu_stats?.cpu_usage?.total_usage;
  const mem = s.memory_stats?.usage;
  // A stopped container answers with empty figures and a zero read time.
  if (typeof cpuNs !== 'number' || typeof mem !== 'number' || s.read?.startsWith('0001-'))
    return null;
  const st = (s.memory_stats.stats ?? {}) as Record<string, number | undefined>;
  const inactive = st.inactive_file ?? st.total_inactive_file ?? 0;
  return {
    cpuSeconds: cpuNs / 1e9,
    memoryBytes: Math.max(0, mem - (inactive < mem ? inactive : 0)),
    source: 'container',
  };
}

/** The container's resource use now, or null when it is gone or stopped. */
export async function containerUsage(docker: Docker, id: string): Promise<ServerUsage | null> {
  if (!id) return null;
  try {
    const s = await docker.getContainer(id).stats({ stream: false, 'one-shot': true });
    return usageFromStats(s);
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return null;
    throw e;
  }
}
