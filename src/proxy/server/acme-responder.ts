/**
 * ACME HTTP-01 answers on the public listener (and on the --redirect-port listener): the hub
 * puts `token → key authorization` pairs through the REST API while a certificate order is in
 * progress, and `GET /.well-known/acme-challenge/<token>` returns the key authorization as plain
 * text. A token the proxy does not hold is routed as usual.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

const PREFIX = '/.well-known/acme-challenge/';
/** RFC 8555 §8.3: the token is base64url. */
export const ACME_TOKEN_RE = /^[A-Za-z0-9_-]{1,256}$/;

export type AcmeOp =
  { t: 'acme-put'; token: string; keyAuth: string } | { t: 'acme-del'; token: string };

export class AcmeResponder {
  private readonly answers = new Map<string, string>();
  /** Called after every change (the --workers primary forwards them to the workers). */
  onChange?: (op: AcmeOp) => void;

  put(token: string, keyAuth: string): void {
    this.answers.set(token, keyAuth);
    this.onChange?.({ t: 'acme-put', token, keyAuth });
  }

  delete(token: string): boolean {
    const had = this.answers.delete(token);
    this.onChange?.({ t: 'acme-del', token });
    return had;
  }

  apply(op: AcmeOp): void {
    if (op.t === 'acme-put') this.put(op.token, op.keyAuth);
    else this.delete(op.token);
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
