/**
 * A method a known API path does not have answers 405 with an `Allow` header listing the ones it
 * has, in the hub's JSON error shape (schemathesis ST204 in the December 2026 audit: QUERY got
 * 400 "must provide a Content-Type", TRACE and others 404). Unknown paths stay 404.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHub, type TestHub } from '../helpers/test-hub.js';
import { rawRequest, type RawResponse } from '../integration/support.js';

let t: TestHub;
let admin: string;

before(async () => {
  t = await startTestHub({ config: { JupyterHub: { allow_named_servers: true } } });
  admin = await t.token('root', { admin: true });
});
after(async () => {
  await t?.stop();
});

function send(method: string, path: string, headers: Record<string, string> = {}, body?: string) {
  return rawRequest(`${t.api}${path}`, {
    method,
    headers: { Authorization: `token ${admin}`, ...headers },
    body,
  });
}

function assertShape(r: RawResponse, status: number, where: string): Record<string, unknown> {
  assert.equal(r.status, status, `${where}: ${r.status} ${r.body.slice(0, 200)}`);
  assert.match(String(r.headers['content-type']), /^application\/json/, where);
  assert.ok(r.headers['x-jupyterhub-version'], `${where}: hub headers`);
  const body = JSON.parse(r.body) as Record<string, unknown>;
  assert.equal(body.status, status, where);
  assert.equal(typeof body.message, 'string', where);
  assert.match(String(body.code), /^LABHUB_ERR_/, where);
  return body;
}

const CASES: Array<[string, string, string]> = [
  // method, path, the Allow header expected
  ['PUT', '/users', 'GET, HEAD, POST, OPTIONS'],
  ['DELETE', '/users', 'GET, HEAD, POST, OPTIONS'],
  ['PUT', '/users/root', 'GET, HEAD, POST, PATCH, DELETE, OPTIONS'],
  ['GET', '/users/root/activity', 'POST, OPTIONS'],
  ['PATCH', '/users/root/tokens', 'GET, HEAD, POST, OPTIONS'],
  ['POST', '/shares/root', 'GET, HEAD, OPTIONS'],
  ['DELETE', '/share-codes/root', 'GET, HEAD, OPTIONS'],
  ['PUT', '/', 'GET, HEAD, OPTIONS'],
  ['DELETE', '/shutdown', 'POST, OPTIONS'],
  ['TRACE', '/users', 'GET, HEAD, POST, OPTIONS'],
  ['PROPFIND', '/users/root', 'GET, HEAD, POST, PATCH, DELETE, OPTIONS'],
];

test('a wrong method on a known API path answers 405 with Allow, in the hub error shape', async () => {
  for (const [method, path, allow] of CASES) {
    const r = await send(method, path);
    const body = assertShape(r, 405, `${method} ${path}`);
    assert.equal(body.code, 'LABHUB_ERR_METHOD_NOT_ALLOWED');
    assert.equal(r.headers.allow, allow, `${method} ${path}: Allow`);
    assert.match(String(body.message), new RegExp(`^${method} is not allowed on /hub/api`));
  }
});

test('QUERY answers 405 too, with or without a Content-Type and a body', async () => {
  for (const headers of [{}, { 'Content-Type': 'application/json' }] as Array<
    Record<string, string>
  >) {
    const r = await send('QUERY', '/users', headers, '{}');
    assertShape(r, 405, `QUERY ${JSON.stringify(headers)}`);
    assert.equal(r.headers.allow, 'GET, HEAD, POST, OPTIONS');
  }
});

test('unknown API paths are 404 in the same shape whatever the method; OPTIONS still answers', async () => {
  for (const method of ['GET', 'POST', 'QUERY', 'TRACE', 'PROPFIND']) {
    const withBody = method === 'POST' || method === 'QUERY';
    const r = withBody
      ? await send(method, '/no/such/endpoint', { 'Content-Type': 'application/json' }, '{}')
      : await send(method, '/no/such/endpoint');
    const body = assertShape(r, 404, `${method} unknown path`);
    assert.equal(body.code, 'LABHUB_ERR_NOT_FOUND');
    assert.equal(r.headers.allow, undefined);
  }
  assert.equal((await send('OPTIONS', '/users')).status, 200);
  assert.equal((await send('HEAD', '/users')).status, 200);
});
