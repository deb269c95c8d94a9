/** `labhub doctor`: automatic HTTPS (Labhub.letsencrypt): the last attempt, expiry, renewal, port. */
import type { Settings } from '../core/settings.js';
import { acmeFiles, readAcmeStatus, readServedCert } from '../security/acme-files.js';
import { fileMode, modeText } from '../security/private-files.js';
import type { CheckResult } from './doctor-checks.js';
import { isRoot } from './doctor-system.js';

const DAY = 86400_000;

export function acmeChecks(
  s: Pick<Settings, 'acme' | 'cookieSecretFile' | 'httpRedirectPort' | 'port'>,
  now = Date.now(),
): CheckResult[] {
  const out: CheckResult[] = [];
  const files = acmeFiles(s.acme.stateDir || null, s.cookieSecretFile);
  const names = s.acme.domains.join(', ');
  // HTTP-01 is answered on the plain-HTTP port, TLS-ALPN-01 on the HTTPS port.
  const alpn = s.acme.challenge === 'tls-alpn-01';
  const port = alpn ? s.port : s.httpRedirectPort || 80;
  const [challenge, publicPort, key] = alpn
    ? ['TLS-ALPN-01', 443, 'JupyterHub.port']
    : ['HTTP-01', 80, 'Labhub.http_redirect_port'];
  const status = readAcmeStatus(files);
  const served = readServedCert(files);
  const portFix = `Check that ${names} resolve${s.acme.domains.length > 1 ? '' : 's'} to this machine and that port ${publicPort} from the internet reaches port ${port} here (${key}; firewall, NAT).`;
  if (!status) {
    out.push({
      name: 'HTTPS (ACME)',
      status: 'ok',
      detail: `a certificate for ${names} will be requested from ${s.acme.directoryUrl} at the first start (${challenge} on port ${port}); files in ${files.dir}`,
    });
  } else if (served?.caIssued && served.notAfter.getTime() > now) {
    const left = Math.floor((served.notAfter.getTime() - now) / DAY);
    const failing = status.lastError && status.failures > 0;
    out.push({
      name: 'HTTPS (ACME)',
      status: left < 7 || failing ? 'warn' : 'ok',
      detail:
        `certificate for ${served.names.join(', ')} from ${served.issuer}, valid until ${served.notAfter.toISOString()} (${left} days)` +
        (failing
          ? `; the last ${status.failures} renewal attempt(s) failed: ${status.lastError}; next attempt ${status.nextAttempt}${status.rateLimited ? ' (rate-limited by the CA)' : ''}`
          : status.nextAttempt
            ? `; renewal from ${status.nextAttempt}`
            : ''),
      ...(failing ? { fix: portFix } : {}),
    });
  } else if (status.lastError) {
    out.push({
      name: 'HTTPS (ACME)',
      status: 'error',
      detail: `no certificate from the CA yet (browsers see a self-signed placeholder): ${status.failures} attempt(s) failed, the last: ${status.lastError}; next attempt ${status.nextAttempt}${status.rateLimited ? ' (rate-limited by the CA: more attempts would only extend the wait)' : ''}`,
      fix: portFix,
    });
  } else {
    out.push({
      name: 'HTTPS (ACME)',
      status: 'warn',
      detail: `a certificate for ${names} has been requested from ${s.acme.directoryUrl}; until it arrives browsers see a self-signed placeholder`,
    });
  }
  for (const f of [files.accountKey, files.key, files.cert]) {
    const m = fileMode(f);
    if (m !== null && m & 0o077)
      out.push({
        name: 'HTTPS (ACME) files',
        status: 'warn',
        detail: `${f} has mode ${modeText(m)}: other accounts may read it`,
        fix: `chmod 600 ${f}`,
      });
  }
  if (port < 1024 && !isRoot())
    out.push({
      name: alpn ? 'port' : 'http_redirect_port',
      status: 'error',
      detail: `ACME's ${challenge} challenge is answered on port ${port}, which needs root`,
      fix: `Run labhub as root (labhub install-service does), or let a firewall rule forward port ${publicPort} to ${key} ≥ 1024.`,
    });
  return out;
}
