/**
 * openid-client's HTTP transport (its documented `customFetch` hook) on undici's `request()`
 * instead of the global `fetch`: the requests and the protocol checks are openid-client's; only
 * the bytes travel a cheaper way. fetch's WHATWG machinery (streams, request and response
 * cloning) was a large part of the hub's CPU per OAuth login (bench/auth/README.md). The answer
 * is read whole (token and user-info answers are small) and handed back as a Response.
 */
import type * as Oidc from 'openid-client';
import { request, type Dispatcher } from 'undici';

/** The largest answer read from a provider (a token or user-info answer is a few kB). */
const MAX_BODY = 4 * 1024 * 1024;

export function undiciFetch(dispatcher?: Dispatcher): Oidc.CustomFetch {
  return async (url, options) => {
    const headers: Record<string, string> = { ...options.headers };
    let body = options.body;
    if (body instanceof URLSearchParams) {
      body = body.toString();
      if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type'))
        headers['content-type'] = 'application/x-www-form-urlencoded;charset=UTF-8';
    }
    if (body instanceof ArrayBuffer) body = new Uint8Array(body);
    const res = await request(url, {
      method: options.method as Dispatcher.HttpMethod,
      headers,
      body: (body ?? null) as string | Uint8Array | null,
      signal: options.signal,
      ...(dispatcher ? { dispatcher } : {}),
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of res.body) {
      size += (c as Buffer).length;
      if (size > MAX_BODY) {
        res.body.destroy();
        throw new Error(`the answer of ${url} is larger than ${MAX_BODY} bytes`);
      }
      chunks.push(c as Buffer);
    }
    const h = new Headers();
    for (const [k, v] of Object.entries(res.headers))
      if (v !== undefined) for (const x of Array.isArray(v) ? v : [v]) h.append(k, x);
    const empty = res.statusCode === 204 || res.statusCode === 304 || options.method === 'HEAD';
    return new Response(empty ? null : Buffer.concat(chunks), {
      status: res.statusCode,
      headers: h,
    });
  };
}

/**
 * `send`, with the field `from` of a successful JSON answer of `tokenUrl` renamed to `to` (so
 * openid-client does not see it).
 */
export function renameInTokenResponse(
  send: Oidc.CustomFetch,
  tokenUrl: string,
  from: string,
  to: string,
): Oidc.CustomFetch {
  return async (url, options) => {
    const res = await send(url, options);
    if (url !== tokenUrl || !res.ok) return res;
    const text = await res.text();
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return new Response(text, { status: res.status, headers: res.headers });
    }
    if (typeof body[from] !== 'string')
      return new Response(text, { status: res.status, headers: res.headers });
    body[to] = body[from];
    delete body[from];
    const headers = new Headers(res.headers);
    headers.delete('content-length');
    headers.delete('content-encoding');
    return new Response(JSON.stringify(body), { status: res.status, headers });
  };
}
