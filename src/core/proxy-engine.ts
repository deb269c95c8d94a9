/**
 * The data plane the bundled labhub-proxy runs (`--engine`, Labhub.proxy_engine). HAProxy
 * terminates TLS itself, so the ACME TLS-ALPN-01 challenge (answered by labhub-proxy's Node TLS
 * listener on the HTTPS port) needs the Node engine: `auto` becomes `node`, `haproxy` is refused.
 */
import { HubError } from '../errors.js';

export type ProxyEngine = 'auto' | 'node' | 'haproxy';

export function proxyEngineFor(
  engine: ProxyEngine,
  acme: { domains: readonly string[]; challenge: string },
): ProxyEngine {
  if (!acme.domains.length || acme.challenge !== 'tls-alpn-01') return engine;
  if (engine === 'haproxy')
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      "Labhub.proxy_engine = 'haproxy' cannot answer Labhub.letsencrypt.challenge = 'tls-alpn-01' (HAProxy terminates TLS before labhub-proxy sees the challenge): use challenge 'http-01' with HAProxy, or Labhub.proxy_engine = 'node' or 'auto'.",
    );
  return 'node';
}
