/**
 * Where the public listener's certificate comes from: JupyterHub.ssl_cert/ssl_key, a self-signed
 * pair (Labhub.generate_self_signed_cert), or an ACME CA (Labhub.letsencrypt, see acme.ts); and
 * the plain-HTTP port (Labhub.http_redirect_port, 80 by default with ACME's HTTP-01: it is
 * answered there, where the CA reaches port 80; TLS-ALPN-01 is answered on the HTTPS port).
 */
import { prepareTls } from '../security/tls.js';
import { acmeFiles, readAcmeStatus, type AcmeStatus } from '../security/acme-files.js';
import { ProxyTlsControl } from '../proxy/acme-control.js';
import type { AcmeManager, createAcmeManager } from './acme.js';
import type { Settings } from './settings.js';

type Log = Parameters<typeof createAcmeManager>[3];

export async function prepareHttps(
  settings: Settings,
  proxyToken: () => string,
  log: Log,
): Promise<{
  tls: { certFile: string; keyFile: string } | null;
  acme: AcmeManager | null;
  redirectPort: number;
}> {
  if (!settings.acme.domains.length) {
    const tls = await prepareTls({
      sslCert: settings.sslCert,
      sslKey: settings.sslKey,
      generate: settings.generateSelfSignedCert,
      cookieSecretFile: settings.cookieSecretFile,
      log,
    });
    return { tls, acme: null, redirectPort: settings.httpRedirectPort };
  }
  const files = acmeFiles(settings.acme.stateDir || null, settings.cookieSecretFile);
  // acme-client (about 30 MB) is loaded only when automatic HTTPS is configured.
  const acme = (await import('./acme.js')).createAcmeManager(
    settings,
    files,
    new ProxyTlsControl(settings.proxy.apiUrl, proxyToken),
    log,
  );
  await acme.preparePlaceholder();
  return {
    tls: { certFile: files.cert, keyFile: files.key },
    acme,
    // HTTP-01 is answered on the plain-HTTP port; TLS-ALPN-01 needs none (only when set).
    redirectPort: settings.httpRedirectPort || (settings.acme.challenge === 'http-01' ? 80 : 0),
  };
}

/** Automatic HTTPS's last status for the admin page: undefined when off, null before the first start. */
export function httpsStatus(
  settings: Pick<Settings, 'acme' | 'cookieSecretFile'>,
): AcmeStatus | null | undefined {
  if (!settings.acme.domains.length) return undefined;
  return readAcmeStatus(acmeFiles(settings.acme.stateDir || null, settings.cookieSecretFile));
}
