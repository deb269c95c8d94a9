/**
 * labhub-proxy's own API additions (not in configurable-http-proxy), used by the hub's ACME
 * client; same token as the routes API:
 *   PUT    /api/acme-challenges/<token>  {"key_authorization": "..."} → 204 (serve it for HTTP-01)
 *          with "tls_alpn": {"domain": "...", "cert": PEM, "key": PEM} also for TLS-ALPN-01
 *   DELETE /api/acme-challenges/<token>                               → 204
 *   POST   /api/tls/reload → 200 {"not_after": ISO} | 409 (plain HTTP) | 500 (unreadable files)
 * A reload re-reads the --ssl-cert/--ssl-key files for new connections; open connections keep
 * the certificate they were established with and are not dropped.
 */
import type { ServerResponse } from 'node:http';
import type { Plane } from './plane.js';
import { ACME_TOKEN_RE } from './acme-responder.js';

const CHALLENGE_RE = /^\/api\/acme-challenges\/([^/]+)$/;
export const TLS_RELOAD_PATH = '/api/tls/reload';

/** What the control API needs from the server: reload the public certificate. */
export interface TlsControl {
  /** Re-read the certificate files; returns the new certificate's expiry. */
  reloadTls(): Promise<{ notAfter: string } | null>;
}

/** True when the path is one of the control API's (the caller has checked the token). */
export function isControlPath(path: string): boolean {
  return path === TLS_RELOAD_PATH || CHALLENGE_RE.test(path);
}

export async function handleControl(
  plane: Plane,
  tls: TlsControl,
  path: string,
  method: string,
  readBody: () => Promise<string | null>,
  res: ServerResponse & { logMsg?: string },
): Promise<void> {
  const send = (code: number, body?: unknown) => {
    if (body === undefined) {
      res.writeHead(code);
      res.end();
    } else if (typeof body === 'string') {
      res.logMsg = body;
      res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(body);
    } else {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    }
  };
  if (path === TLS_RELOAD_PATH) {
    if (method !== 'POST') return send(405, 'Use POST to reload the TLS certificate.');
    let r;
    try {
      r = await tls.reloadTls();
    } catch (e) {
      return send(500, `Could not reload the TLS certificate: ${(e as Error).message}`);
    }
    if (!r)
      return send(
        409,
        'The public listener is plain HTTP (no --ssl-cert/--ssl-key): nothing to reload.',
      );
    plane.log.info('TLS certificate reloaded (valid until %s)', r.notAfter);
    return send(200, { not_after: r.notAfter });
  }
  const token = CHALLENGE_RE.exec(path)![1]!;
  if (!ACME_TOKEN_RE.test(token)) return send(400, 'An ACME token is base64url (A-Z a-z 0-9 _ -).');
  if (method === 'DELETE') {
    plane.acme.delete(token);
    return send(204);
  }
  if (method !== 'PUT') return send(405, 'Use PUT or DELETE on an ACME challenge.');
  const text = await readBody();
  let body: { key_authorization?: unknown; tls_alpn?: unknown } = {};
  try {
    body = JSON.parse(text ?? '') as typeof body;
  } catch {
    /* refused below */
  }
  const keyAuth = body?.key_authorization;
  if (typeof keyAuth !== 'string' || !keyAuth.startsWith(`${token}.`))
    return send(400, 'Body must be JSON {"key_authorization": "<token>.<thumbprint>"}.');
  const alpn = body.tls_alpn as Record<string, unknown> | undefined;
  if (
    alpn !== undefined &&
    (typeof alpn !== 'object' ||
      alpn === null ||
      typeof alpn.domain !== 'string' ||
      typeof alpn.cert !== 'string' ||
      typeof alpn.key !== 'string')
  )
    return send(400, '"tls_alpn" must be {"domain": "...", "cert": "<PEM>", "key": "<PEM>"}.');
  try {
    plane.acme.put(
      token,
      keyAuth,
      alpn
        ? { domain: String(alpn.domain), cert: String(alpn.cert), key: String(alpn.key) }
        : undefined,
    );
  } catch (e) {
    return send(400, `The TLS-ALPN-01 certificate cannot be used: ${(e as Error).message}`);
  }
  send(204);
}
