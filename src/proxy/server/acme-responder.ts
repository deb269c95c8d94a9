/**
 * ACME challenge answers. HTTP-01, on the public listener (and on the --redirect-port listener):
 * the hub puts `token → key authorization` pairs through the REST API while a certificate order
 * is in progress, and `GET /.well-known/acme-challenge/<token>` returns the key authorization as
 * plain text; a token the proxy does not hold is routed as usual. TLS-ALPN-01 (RFC 8737): the hub
 * puts the challenge certificate and key of a domain, and a TLS connection to the public HTTPS
 * listener offering the `acme-tls/1` protocol for that name gets it (acme-alpn.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createSecureContext, type SecureContext } from 'node:tls';

const PREFIX = '/.well-known/acme-challenge/';
/** RFC 8555 §8.3: the token is base64url. */
export const ACME_TOKEN_RE = /^[A-Za-z0-9_-]{1,256}$/;

/** A TLS-ALPN-01 challenge: the domain it validates, and its certificate and key (PEM). */
export interface AlpnChallenge {
  domain: string;
  cert: string;
  key: string;
}

export type AcmeOp =
  | { t: 'acme-put'; token: string; keyAuth: string; alpn?: AlpnChallenge }
  | { t: 'acme-del'; token: string };

export class AcmeResponder {
  private readonly answers = new Map<string, string>();
  /** TLS-ALPN-01: lower-case domain → its challenge (token, and the TLS context to present). */
  private readonly alpn = new Map<string, { token: string; context: SecureContext }>();
  /** Called after every change (the --workers primary forwards them to the workers). */
  onChange?: (op: AcmeOp) => void;

  /** Serve `keyAuth` for HTTP-01, and with `alpn` the certificate for TLS-ALPN-01. */
  put(token: string, keyAuth: string, alpn?: AlpnChallenge): void {
    if (alpn) {
      // Throws on a certificate or key that cannot be used (the API answers 400).
      const context = createSecureContext({ cert: alpn.cert, key: alpn.key });
      this.alpn.set(alpn.domain.toLowerCase(), { token, context });
    }
    this.answers.set(token, keyAuth);
    this.onChange?.({ t: 'acme-put', token, keyAuth, ...(alpn ? { alpn } : {}) });
  }

  delete(token: string): boolean {
    let had = this.answers.delete(token);
    for (const [domain, c] of this.alpn)
      if (c.token === token) had = this.alpn.delete(domain) || had;
    this.onChange?.({ t: 'acme-del', token });
    return had;
  }

  apply(op: AcmeOp): void {
    if (op.t === 'acme-put') this.put(op.token, op.keyAuth, op.alpn);
    else this.delete(op.token);
  }

  /** True while a TLS-ALPN-01 challenge is pending (only then are TLS greetings looked at). */
  hasAlpnChallenges(): boolean {
    return this.alpn.size > 0;
  }

  /** The TLS context of the TLS-ALPN-01 challenge for `servername`, if one is pending. */
  alpnContext(servername: string): SecureContext | undefined {
    return this.alpn.get(servername.toLowerCase())?.context;
  }

  /** Answer a challenge request; false when the request is not one (proxy it as usual). */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '';
    if (!url.startsWith(PREFIX)) return false;
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') return false;
    const token = url.slice(PREFIX.length).split('?', 1)[0]!;
    const answer = ACME_TOKEN_RE.test(token) ? this.answers.get(token) : undefined;
    // Not one of ours: the route table decides (another ACME client behind the proxy may want it).
    if (answer === undefined) return false;
    res.writeHead(200, {
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': 'no-store',
    });
    res.end(method === 'HEAD' ? undefined : answer);
    return true;
  }
}
