/** Small helpers shared by the REST API integration tests (real hub, real sockets). */
import assert from 'node:assert/strict';
import { hubFetch, type TestHub } from '../helpers/test-hub.js';

export interface ApiReply {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

/** Call the hub API through the proxy with a token; JSON body in, parsed JSON (if any) out. */
export async function call(
  t: TestHub,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiReply> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  const res = await hubFetch(path.startsWith('http') ? path : `${t.api}${path}`, {
    method,
    headers,
    body,
    token: opts.token,
  });
  const text = await res.text();
  let parsed: unknown = undefined;
  if (text && (res.headers.get('content-type') ?? '').includes('json')) parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** Assert a JupyterHub-shaped error: status, `{status, message}` body and optionally the code and a message fragment. */
export function assertError(r: ApiReply, status: number, message?: RegExp, code?: string): void {
  assert.equal(r.status, status, `expected ${status}, got ${r.status}: ${r.text.slice(0, 300)}`);
  assert.equal(r.body?.status, status, `error body has status: ${r.text.slice(0, 200)}`);
  assert.equal(typeof r.body?.message, 'string');
  if (message) assert.match(r.body.message, message);
  if (code) assert.equal(r.body.code, code);
}

export const PAGINATION = 'application/jupyterhub-pagination+json';

/** Poll until `check` returns a truthy value (gives up after `tries` × 100 ms). */
export async function until<T>(check: () => Promise<T>, what: string, tries = 200): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await check();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Read a progress event stream to its end; returns the parsed `data:` events. */
export async function readEvents(
  t: TestHub,
  path: string,
  token: string,
): Promise<{ status: number; contentType: string | null; events: any[]; raw: string }> {
  const res = await hubFetch(`${t.api}${path}`, { token });
  const raw = await res.text();
  const events = raw
    .split('\n\n')
    .map((chunk) => chunk.trim())
    .filter((chunk) => chunk.startsWith('data: '))
    .map((chunk) => JSON.parse(chunk.slice('data: '.length)));
  return { status: res.status, contentType: res.headers.get('content-type'), events, raw };
}
