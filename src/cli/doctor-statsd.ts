/** `labhub doctor`: where statsd metrics go. */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Settings } from '../core/settings.js';
import type { CheckResult } from './doctor-checks.js';

/** statsd: where metrics go, and whether that name resolves. */
export async function statsdChecks(s: Settings): Promise<CheckResult[]> {
  const host = s.statsd.host;
  if (!host) return [];
  if (isIP(host))
    return [
      {
        name: 'statsd',
        status: 'ok',
        detail: `metrics go to ${host}:${s.statsd.port} (UDP) as ${s.statsd.prefix}.*`,
      },
    ];
  try {
    const a = await lookup(host);
    return [
      {
        name: 'statsd',
        status: 'ok',
        detail: `metrics go to ${host} (${a.address}):${s.statsd.port} (UDP) as ${s.statsd.prefix}.*`,
      },
    ];
  } catch {
    return [
      {
        name: 'statsd',
        status: 'warn',
        detail: `JupyterHub.statsd_host = ${host} does not resolve: metrics would be dropped`,
        fix: 'Use the IP address of the statsd server, or fix DNS / /etc/hosts.',
      },
    ];
  }
}
