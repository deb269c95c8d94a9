/**
 * Errors raised by fastify itself (before or instead of our handlers) answer in the hub's JSON
 * shape `{status, message, code}` on API paths, with the hub's headers and a message that says
 * what was wrong, like every other API error. The December 2026 audit found FST_ERR_BAD_URL in
 * fastify's own shape `{error, code, message, statusCode}`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startTestHub, type TestHub } from '../helpers/test-hub.js';
import { rawRequest, type RawResponse } from '../integration/support.js';

let t: TestHub;
let admin: string;

before(async () => {
  t = await startTestHub();
  admin = await t.token('root', { admin: true });
});
after(async () => {
  await t?.stop();
});

function assertShape(r: RawResponse, status: number, message: RegExp, where: string): void {
  assert.equal(r.status, status, `${where}: ${r.status} ${r.body.slice(0, 200)}`);
  assert.match(String(r.headers['content-type']), /^application\/json/, where);
  assert.ok(r.headers['x-jupyterhub-version'], `${where}: X-JupyterHub-Version`);
  assert.equal(r.headers['x-content-type-options'], 'nosniff', where);
  const body = JSON.parse(r.body) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ['code', 'message', 'status'], `${where}: keys`);
  assert.equal(body.status, status, where);
  assert.equal(body.code, 'LABHUB_ERR_BAD_REQUEST', where);
  assert.match(String(body.message), message, where);
}

const H = () => ({ Authorization: `token ${admin}`, 'Content-Type': 'application/json' });

test('a URL path with broken percent-encoding is a 400 in the hub shape, on both ports', async () => {
  for (const base of [t.url, t.hubUrl])
    for (const path of ['/hub/api/users/%zz', '/hub/api/users/%E0%A4%A', '/hub/api/groups/%'])
      assertShape(
        await rawRequest(`${base}${path}`, { headers: H() }),
        400,
        /is not valid.*percent-encoded/,
        `${base}${path}`,
      );
});

test('an over-long path part is a 414 in the hub shape', async () => {
  assertShape(
    await rawRequest(`${t.url}/hub/api/users/${'x'.repeat(2100)}`, { headers: H() }),
    414,
    /longer than 2000 characters/,
    'long name',
  );
});

test('a body that is not JSON is a 400 that says why', async () => {
  for (const body of ['{bad', '{"a": 1', 'nul'])
    assertShape(
      await rawRequest(`${t.url}/hub/api/users`, { method: 'POST', headers: H(), body }),
      400,
      /^Request body is not valid JSON \(.+\)$/,
      body,
    );
});

test('a body over the limit on the hub port is a 413 that gives the limit', async () => {
  const body = 'x'.repeat(10 * 1024 * 1024 + 1);
  assertShape(
    await rawRequest(`${t.hubUrl}/hub/api/users`, { method: 'POST', headers: H(), body }),
    413,
    /^Request body too large: the limit is 10485760 bytes/,
    'body too large',
  );
});

test('a body in another content type than JSON is a 415 in the hub shape that says what to send', async () => {
  for (const ct of ['application/xml', 'text/plain', 'application/octet-stream'])
    for (const method of ['POST', 'PATCH'])
      assertShape(
        await rawRequest(`${t.url}/hub/api/users/${method === 'POST' ? 'newcomer' : 'root'}`, {
          method,
          headers: { ...H(), 'Content-Type': ct },
          body: '<user/>',
        }),
        415,
        /^Request body must be a JSON object sent as Content-Type: application\/json; got Content-Type/,
        `${method} ${ct}`,
      );
});

test('a malformed HTTP request gets a JSON 400 in the hub shape before the connection closes', async () => {
  const port = new URL(t.hubUrl).port;
  const raw = await new Promise<string>((resolve, reject) => {
    const s = connect(Number(port), '127.0.0.1', () =>
      s.write('GET /hub/api/users HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n'),
    );
    let data = '';
    s.on('data', (c) => (data += c.toString()));
    s.on('close', () => resolve(data));
    s.on('error', reject);
  });
  assert.match(raw, /^HTTP\/1\.1 400 /);
  const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4));
  assert.equal(body.status, 400);
  assert.equal(body.code, 'LABHUB_ERR_BAD_REQUEST');
  assert.match(body.message, /^Malformed HTTP request/);
});
