/**
 * The hub's client of labhub-proxy's control API (server/api-control.ts): ACME HTTP-01 and
 * TLS-ALPN-01 answers
 * and the live certificate reload. configurable-http-proxy has no such API: a 404 there says so.
 */
import { HubError } from '../errors.js';

export class ProxyTlsControl {
  constructor(
    private readonly apiUrl: string,
    private readonly authToken: () => string,
  ) {}

  /** With `alpn`, the proxy also answers TLS-ALPN-01 for its domain on the HTTPS port. */
  async putChallenge(
    token: string,
    keyAuthorization: string,
    alpn?: { domain: string; cert: string; key: string },
  ): Promise<void> {
    await this.call('PUT', `/api/acme-challenges/${token}`, {
      key_authorization: keyAuthorization,
      ...(alpn ? { tls_alpn: alpn } : {}),
    });
  }

  async deleteChallenge(token: string): Promise<void> {
    await this.call('DELETE', `/api/acme-challenges/${token}`);
  }

  async reloadTls(): Promise<{ notAfter: string }> {
    const r = (await this.call('POST', '/api/tls/reload')) as { not_after: string };
    return { notAfter: r.not_after };
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const url = `${this.apiUrl.replace(/\/+$/, '')}${path}`;
    let r: Response;
    try {
      r = await fetch(url, {
        method,
        headers: {
          authorization: `token ${this.authToken()}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (e) {
      throw new HubError(
        'LABHUB_ERR_PROXY',
        502,
        `Cannot reach the proxy API at ${url}: ${(e as Error).message}`,
      );
    }
    const text = await r.text();
    if (r.status === 404)
      throw new HubError(
        'LABHUB_ERR_PROXY',
        502,
        `The proxy at ${this.apiUrl} has no ${path.split('/').slice(0, 3).join('/')} API: automatic HTTPS (Labhub.letsencrypt) needs labhub-proxy, not configurable-http-proxy or another proxy.`,
      );
    if (r.status >= 300)
      throw new HubError(
        'LABHUB_ERR_PROXY',
        502,
        `The proxy answered ${method} ${path} with ${r.status}: ${text.slice(0, 300)}`,
      );
    return text ? (JSON.parse(text) as unknown) : null;
  }
}
