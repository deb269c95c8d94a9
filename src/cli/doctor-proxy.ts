/**
 * `labhub doctor`: which data plane the bundled labhub-proxy will run (Labhub.proxy_engine). With
 * `auto` (the default) a machine without HAProxy silently gets the slower Node engine: say so.
 */
import type { Settings } from '../core/settings.js';
import { findHaproxy, haproxyVersion } from '../proxy/server/haproxy/process.js';
import type { CheckResult } from './doctor-checks.js';

const NAME = 'proxy engine (Labhub.proxy_engine)';
const INSTALL = 'apt-get install haproxy (or scripts/install-system-deps.sh --runtime)';

export function proxyEngineChecks(s: Pick<Settings, 'proxyEngine' | 'proxy'>): CheckResult[] {
  // A custom ConfigurableHTTPProxy.command (CHP, say) gets no --engine.
  if (s.proxy.command) return [];
  if (s.proxyEngine === 'node')
    return [{ name: NAME, status: 'ok', detail: 'node: the built-in Node engine' }];
  const bin = findHaproxy();
  const v = bin ? haproxyVersion(bin) : { error: 'haproxy is not installed' };
  if ('version' in v)
    return [
      {
        name: NAME,
        status: 'ok',
        detail: `${s.proxyEngine}: HAProxy ${v.version} (${bin}) serves the public port`,
      },
    ];
  if (s.proxyEngine === 'haproxy')
    return [
      {
        name: NAME,
        status: 'error',
        detail: `haproxy: ${v.error}, so the proxy will refuse to start`,
        fix: `${INSTALL}, or set Labhub.proxy_engine = auto (or node).`,
      },
    ];
  return [
    {
      name: NAME,
      status: 'ok',
      detail: `auto: the Node engine serves the public port (${v.error}); HAProxy would take 3x less CPU per request: ${INSTALL}`,
    },
  ];
}
