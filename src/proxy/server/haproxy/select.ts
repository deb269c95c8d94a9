/**
 * --engine node|haproxy|auto: which data plane serves the public port. `auto` takes HAProxy
 * when it is installed and can do everything the flags ask for, else the Node plane; the
 * caller logs which one runs and why.
 */
import net from 'node:net';
import type { ProxyServerOptions } from '../options.js';
import { haproxyUnsupported } from './config.js';
import { findHaproxy, haproxyVersion } from './process.js';

export const ENGINES = ['node', 'haproxy', 'auto'] as const;
export type EngineChoice = (typeof ENGINES)[number];

export type EngineSelection =
  { engine: 'node'; reason: string } | { engine: 'haproxy'; bin: string; version: string };

export function selectEngine(
  choice: EngineChoice,
  o: ProxyServerOptions,
  extra: { sslProtocol?: string },
): EngineSelection {
  if (choice === 'node') return { engine: 'node', reason: '--engine node' };
  const bin = findHaproxy();
  if (!bin)
    return {
      engine: 'node',
      reason:
        'haproxy is not installed (apt-get install haproxy, or set LABHUB_HAPROXY to its path)',
    };
  const v = haproxyVersion(bin);
  if ('error' in v) return { engine: 'node', reason: v.error };
  const why = haproxyUnsupported(o, {
    ...extra,
    sslPassphrase: !!o.ssl && !!process.env.CONFIGPROXY_SSL_KEY_PASSPHRASE,
  });
  if (why) return { engine: 'node', reason: why };
  return { engine: 'haproxy', bin, version: v.version };
}

/** A free TCP port on `host` (HAProxy cannot report the port it bound for port 0). */
export function freePort(host: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}
