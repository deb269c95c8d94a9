/**
 * Automatic HTTPS (Labhub.letsencrypt): obtains a certificate for the configured domains from an
 * ACME CA with `acme-client`, answering HTTP-01 through labhub-proxy (the hub puts each key
 * authorization into the proxy, which serves it on the public and the redirect port) or
 * TLS-ALPN-01 (the proxy presents the challenge certificate on its HTTPS port), writes the
 * chain and key 0600, and asks the proxy to reload them: new connections get the new certificate,
 * open ones keep theirs. Renewal is due `renew_days` before expiry (or after two thirds of a short
 * certificate's life). A failed attempt is retried with a growing back-off (5 min doubling up to
 * a day); a CA rate limit (`urn:ietf:params:acme:error:rateLimited`, HTTP 429) waits for the CA's
 * Retry-After, at least an hour. Every attempt writes status.json for `labhub doctor` and the
 * admin page.
 */
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { rootCertificates as tlsRoots } from 'node:tls';
import acme from 'acme-client';
import { generateSelfSignedCert } from '../security/tls.js';
import { makePrivateDirs, writePrivateFile } from '../security/private-files.js';
import {
  readAcmeStatus,
  readServedCert,
  writeAcmeStatus,
  type AcmeFiles,
  type AcmeStatus,
} from '../security/acme-files.js';
import { HubError } from '../errors.js';

/** The ACME settings (Labhub.letsencrypt) the manager needs. */
export interface AcmeSettings {
  email: string;
  domains: readonly string[];
  directoryUrl: string;
  /** '' = the system's roots only. */
  directoryCaFile: string;
  renewDays: number;
  /** The challenge the CA validates: HTTP-01 (port 80) or TLS-ALPN-01 (the HTTPS port). */
  challenge: 'http-01' | 'tls-alpn-01';
}

/** What the manager needs from the proxy (labhub-proxy's control API). */
export interface AcmeProxyControl {
  /** With `alpn`: also answer TLS-ALPN-01 for its domain with that certificate and key. */
  putChallenge(
    token: string,
    keyAuthorization: string,
    alpn?: { domain: string; cert: string; key: string },
  ): Promise<void>;
  deleteChallenge(token: string): Promise<void>;
  /** The proxy re-reads its certificate files; resolves with the served expiry. */
  reloadTls(): Promise<{ notAfter: string }>;
}

interface Log {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  debug(msg: string): void;
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const MAX_BACKOFF = 24 * HOUR;
/** Longest sleep between two looks at the certificate (a clock jump or edited files are noticed). */
const MAX_SLEEP = 12 * HOUR;

/** Back-off after `failures` failures in a row: 5 min, 10, 20, … at most a day. */
export function backoffMs(failures: number): number {
  return Math.min(5 * MIN * 2 ** Math.max(0, failures - 1), MAX_BACKOFF);
}

/** When a certificate valid from `notBefore` to `notAfter` is due: `renewDays` before expiry, but not before two thirds of its life (short-lived certificates). */
export function renewalDue(notBefore: Date, notAfter: Date, renewDays: number): Date {
  const byDays = notAfter.getTime() - renewDays * 24 * HOUR;
  const byLife = notBefore.getTime() + ((notAfter.getTime() - notBefore.getTime()) * 2) / 3;
  return new Date(Math.max(byDays, byLife));
}

/** A CA rate limit seen in the last attempt (set by the response interceptor below). */
let rateLimit: { retryAfterMs: number | null; detail: string } | null = null;
let interceptorInstalled = false;

function installInterceptor(): void {
  if (interceptorInstalled) return;
  interceptorInstalled = true;
  // acme-client would sleep through a 429's Retry-After (hours) inside the attempt, with the
  // status saying nothing; the manager schedules that wait itself (and retries 5xx with back-off).
  (
    acme.axios.defaults as { acmeSettings?: { retryMaxAttempts: number } }
  ).acmeSettings!.retryMaxAttempts = 0;
  acme.axios.interceptors.response.use((resp) => {
    const data = resp.data as { type?: unknown; detail?: unknown } | undefined;
    const limited =
      resp.status === 429 ||
      (data && typeof data === 'object' && data.type === 'urn:ietf:params:acme:error:rateLimited');
    if (limited) {
      const ra = resp.headers['retry-after'] as string | undefined;
      let ms: number | null = null;
      if (ra && /^\d+$/.test(ra.trim())) ms = Number(ra.trim()) * 1000;
      else if (ra && Number.isFinite(Date.parse(ra))) ms = Date.parse(ra) - Date.now();
      rateLimit = { retryAfterMs: ms, detail: typeof data?.detail === 'string' ? data.detail : '' };
    }
    return resp;
  });
}

export class AcmeManager {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<AcmeStatus> | undefined;
  private stopped = false;

  constructor(
    private readonly opts: {
      settings: AcmeSettings;
      files: AcmeFiles;
      proxy: AcmeProxyControl;
      log: Log;
    },
  ) {}

  /**
   * Before the proxy starts: make sure there is a certificate it can serve. Without one (first
   * start), a self-signed placeholder for the domains is written; the real one replaces it live.
   * @throws HubError LABHUB_ERR_CONFIG when the state directory cannot be written.
   */
  async preparePlaceholder(): Promise<void> {
    const { files, settings } = this.opts;
    const served = readServedCert(files);
    if (served?.keyMatches) return;
    const gen = await generateSelfSignedCert({ altNames: [...settings.domains], days: 90 });
    try {
      makePrivateDirs(files.dir);
      writePrivateFile(files.key, gen.keyPem);
      writePrivateFile(files.cert, gen.certPem);
    } catch (e) {
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        500,
        `Cannot write the HTTPS certificate files in ${files.dir}: ${(e as Error).message}. Set Labhub.letsencrypt.state_dir to a directory labhub may write.`,
      );
    }
    this.writeStatus({ state: 'pending', nextAttempt: new Date().toISOString() });
  }

  /** Start the renewal loop (first look now); returns the function that stops it. */
  start(): () => void {
    this.schedule(0);
    return () => {
      this.stopped = true;
      if (this.timer) clearTimeout(this.timer);
    };
  }

  /** The status as last written (null before the first start). */
  status(): AcmeStatus | null {
    return readAcmeStatus(this.opts.files);
  }

  /** Order a certificate now, whatever the renewal time (`force`) or only when due. */
  renewNow(force = true): Promise<AcmeStatus> {
    this.running ??= this.attempt(force).finally(() => (this.running = undefined));
    return this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        void this.renewNow(false).then((s) => {
          const next = s.nextAttempt ? Date.parse(s.nextAttempt) - Date.now() : MAX_SLEEP;
          this.schedule(Math.max(1000, Math.min(next, MAX_SLEEP)));
        });
      },
      Math.max(0, ms),
    );
    this.timer.unref();
  }

  private async attempt(force: boolean): Promise<AcmeStatus> {
    const { files, settings, log } = this.opts;
    const served = readServedCert(files);
    const prev = readAcmeStatus(files);
    const now = Date.now();
    if (!force && served?.caIssued && served.keyMatches) {
      const due = renewalDue(served.notBefore, served.notAfter, settings.renewDays);
      // A certificate that lacks a configured name (domains changed) is replaced now.
      const covers = settings.domains.every((d) => served.names.includes(d.toLowerCase()));
      if (due.getTime() > now && covers)
        return this.writeStatus({ state: 'valid', nextAttempt: due.toISOString() });
    }
    if (!force && prev?.nextAttempt && prev.failures > 0 && Date.parse(prev.nextAttempt) > now)
      return prev;
    try {
      await this.order();
      const s = readServedCert(files)!;
      const due = renewalDue(s.notBefore, s.notAfter, settings.renewDays);
      log.info(
        `HTTPS: certificate for ${settings.domains.join(', ')} from ${s.issuer} installed, valid until ${s.notAfter.toISOString()}; renewal from ${due.toISOString()}`,
      );
      return this.writeStatus({
        state: 'valid',
        lastAttempt: new Date().toISOString(),
        lastSuccess: new Date().toISOString(),
        lastError: null,
        failures: 0,
        rateLimited: false,
        nextAttempt: due.toISOString(),
      });
    } catch (e) {
      const failures = (prev?.failures ?? 0) + 1;
      const limited = rateLimit;
      const wait = limited ? Math.max(limited.retryAfterMs ?? 3 * HOUR, HOUR) : backoffMs(failures);
      const msg = (e as Error).message || String(e);
      const next = new Date(Date.now() + wait).toISOString();
      log.error(
        `HTTPS: could not obtain a certificate for ${settings.domains.join(', ')} from ${settings.directoryUrl} (attempt ${failures}): ${msg}. ` +
          (limited
            ? `The CA rate-limited us; next attempt at ${next}.`
            : `Next attempt at ${next}. Check that every domain resolves to this machine and that port 80 reaches Labhub.http_redirect_port.`),
      );
      return this.writeStatus({
        state: served?.caIssued && served.notAfter.getTime() > now ? 'valid' : 'failing',
        lastAttempt: new Date().toISOString(),
        lastError: msg,
        failures,
        rateLimited: !!limited,
        nextAttempt: next,
      });
    }
  }

  /** One order: account, HTTP-01 through the proxy, new key, files, proxy reload. */
  private async order(): Promise<void> {
    const { files, settings, proxy, log } = this.opts;
    installInterceptor();
    rateLimit = null;
    if (settings.directoryCaFile) {
      const ca = readFileSync(settings.directoryCaFile, 'utf8');
      acme.axios.defaults.httpsAgent = new https.Agent({ ca: [...tlsRoots, ca] });
    }
    acme.setLogger((m) => log.debug(`acme: ${m}`));
    makePrivateDirs(files.dir);
    let accountKey: Buffer;
    try {
      accountKey = readFileSync(files.accountKey);
    } catch {
      accountKey = await acme.crypto.createPrivateEcdsaKey('P-256');
      writePrivateFile(files.accountKey, accountKey.toString());
      log.info(`HTTPS: new ACME account key in ${files.accountKey} (mode 600)`);
    }
    const client = new acme.Client({
      directoryUrl: settings.directoryUrl,
      accountKey,
      backoffAttempts: 10,
      backoffMin: 1000,
      backoffMax: 10_000,
    });
    const [key, csr] = await acme.crypto.createCsr(
      { commonName: settings.domains[0], altNames: [...settings.domains] },
      await acme.crypto.createPrivateEcdsaKey('P-256'),
    );
    const cert = await client.auto({
      csr,
      email: settings.email || undefined,
      termsOfServiceAgreed: true,
      challengePriority: [settings.challenge],
      // The CA validates; a self-check from here would need this machine to resolve its own
      // public names, which NAT and split DNS often prevent.
      skipChallengeVerification: true,
      challengeCreateFn: async (authz, ch, keyAuthorization) => {
        // acme-client's types know http-01 and dns-01 only; tls-alpn-01 has a token too.
        const challenge = ch as { type: string; token: string };
        if (challenge.type === 'http-01')
          return proxy.putChallenge(challenge.token, keyAuthorization);
        if (challenge.type !== 'tls-alpn-01')
          throw new Error(`challenge type ${challenge.type} is not supported`);
        // RFC 8737: a self-signed certificate for the name with the key authorization's digest.
        const [alpnKey, alpnCert] = await acme.crypto.createAlpnCertificate(
          authz,
          keyAuthorization,
        );
        await proxy.putChallenge(challenge.token, keyAuthorization, {
          domain: authz.identifier.value,
          cert: alpnCert.toString(),
          key: alpnKey.toString(),
        });
      },
      challengeRemoveFn: async (_authz, challenge) => {
        await proxy.deleteChallenge(challenge.token);
      },
    });
    writePrivateFile(files.key, key.toString());
    writePrivateFile(files.cert, cert);
    await proxy.reloadTls();
  }

  private writeStatus(p: Partial<AcmeStatus>): AcmeStatus {
    const { files, settings } = this.opts;
    const prev = readAcmeStatus(files);
    const served = readServedCert(files);
    const s: AcmeStatus = {
      domains: settings.domains,
      directoryUrl: settings.directoryUrl,
      state: p.state ?? prev?.state ?? 'pending',
      notAfter: served?.caIssued ? served.notAfter.toISOString() : null,
      issuer: served?.caIssued ? served.issuer : null,
      lastSuccess: p.lastSuccess ?? prev?.lastSuccess ?? null,
      lastAttempt: p.lastAttempt ?? prev?.lastAttempt ?? null,
      lastError: p.lastError !== undefined ? p.lastError : (prev?.lastError ?? null),
      failures: p.failures ?? prev?.failures ?? 0,
      nextAttempt: p.nextAttempt ?? prev?.nextAttempt ?? null,
      rateLimited: p.rateLimited ?? prev?.rateLimited ?? false,
    };
    writeAcmeStatus(files, s);
    return s;
  }
}

/**
 * Check Labhub.letsencrypt against the other HTTPS settings and make the manager.
 * @throws HubError LABHUB_ERR_CONFIG when ssl_cert/ssl_key or generate_self_signed_cert is also set.
 */
export function createAcmeManager(
  s: {
    acme: AcmeSettings;
    sslCert: string | null;
    sslKey: string | null;
    generateSelfSignedCert: boolean;
  },
  files: AcmeFiles,
  proxy: AcmeProxyControl,
  log: Log,
): AcmeManager {
  const other = [
    s.sslCert ? 'JupyterHub.ssl_cert' : '',
    s.sslKey ? 'JupyterHub.ssl_key' : '',
    s.generateSelfSignedCert ? 'Labhub.generate_self_signed_cert' : '',
  ].filter(Boolean);
  if (other.length)
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      `Labhub.letsencrypt.domains is set, and so is ${other.join(' and ')}: the certificate can come from one place only. Remove ${other.join(' and ')} to use automatic HTTPS, or empty Labhub.letsencrypt.domains to keep your own certificate.`,
    );
  const bad = s.acme.domains.filter(
    (d) =>
      !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/i.test(
        d,
      ),
  );
  if (bad.length)
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      `Labhub.letsencrypt.domains: ${bad.map((d) => JSON.stringify(d)).join(', ')} ${bad.length > 1 ? 'are not' : 'is not a'} fully qualified domain name${bad.length > 1 ? 's' : ''} (like hub.example.org; no wildcards, IP addresses or ports: HTTP-01 and TLS-ALPN-01 cannot validate those).`,
    );
  return new AcmeManager({ settings: s.acme, files, proxy, log });
}
