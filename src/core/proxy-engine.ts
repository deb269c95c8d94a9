/**
 * The data plane the bundled labhub-proxy runs (`--engine`, Labhub.proxy_engine). Automatic
 * HTTPS reloads certificates in the Node plane, which HAProxy's TLS termination does not follow
 * yet: with Labhub.letsencrypt, `auto` means the Node engine and `haproxy` is refused.
 */
import { HubError } from '../errors.js';

export function proxyEngineFor(s: {
  proxyEngine: 'auto' | 'node' | 'haproxy';
  acme: { domains: readonly string[] };
}): 'auto' | 'node' | 'haproxy' {
  if (!s.acme.domains.length) return s.proxyEngine;
  if (s.proxyEngine === 'haproxy')
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      "Labhub.proxy_engine = 'haproxy' cannot serve Labhub.letsencrypt certificates yet (they are reloaded live in the Node engine): set Labhub.proxy_engine = 'node' or 'auto', or use JupyterHub.ssl_cert/ssl_key with HAProxy.",
    );
  return 'node';
}
