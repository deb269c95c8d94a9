/**
 * Audit R3 (BAD-9): a body over the hub's 10 MB limit gets the hub's 413, also through
 * labhub-proxy. The hub used to answer and close the connection with the rest of the body
 * unread, which resets the TCP connection; the proxy, still writing the body, then lost the
 * answer and sent its own 503 page (4 of 5 tries in the audit). The hub now reads and discards
 * the rest of a refused body; the proxy, for its part, no longer resets the client's connection
 * when the answer comes before the body is sent (test/proxy/early-answer.test.ts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { Readable } from 'node:stream';
import { startTestHub, type TestHub } from '../helpers/test-hub.js';

let t: TestHub;
let admin: string;

before(async () => {
  t = await startTestHub();
  admin = await t.token('root', { admin: true });
});
after(async () => {
  await t?.stop();
});

const MB = 1024 * 1024;

/** POST `size` bytes (with Content-Length, or chunked) and read the whole answer. */
function post(
  url: string,
  size: number,
  chunked = false,
): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {
      Authorization: `token ${admin}`,
      'Content-Type': 'application/json',
    };
    if (!chunked) headers['Content-Length'] = size;
    const req = request(url, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type'] ?? ''),
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    req.on('error', reject);
    // 64 KiB pieces, as a client streaming a file sends them.
    const piece = Buffer.alloc(64 * 1024, 0x20);
    Readable.from(
      (function* () {
        for (let sent = 0; sent < size; sent += piece.length)
          yield piece.subarray(0, Math.min(piece.length, size - sent));
      })(),
    ).pipe(req);
  });
}

function assert413(r: { status: number; type: string; body: string }, where: string): void {
  assert.equal(r.status, 413, `${where}: ${r.status} ${r.body.slice(0, 120)}`);
  assert.match(r.type, /^application\/json/, where);
  const body = JSON.parse(r.body);
  assert.equal(body.status, 413, where);
  assert.equal(body.code, 'LABHUB_ERR_BAD_REQUEST', where);
  assert.match(body.message, /10485760 bytes \(10 MB\)/, `${where}: the message gives the limit`);
}

test('an 11 MB body answers the hub 413 through the public port, every time', async () => {
  for (let i = 1; i <= 8; i++) assert413(await post(`${t.api}/users`, 11 * MB), `try ${i}`);
});

test('a chunked body that grows past the limit answers 413 through the public port too', async () => {
  for (let i = 1; i <= 4; i++)
    assert413(await post(`${t.api}/users`, 11 * MB, true), `chunked try ${i}`);
});

test('the hub port answers the same 413, and the hub keeps serving afterwards', async () => {
  assert413(await post(`${t.hubUrl}/hub/api/users`, 11 * MB), 'hub port');
  const ok = await fetch(`${t.api}/users`, { headers: { Authorization: `token ${admin}` } });
  assert.equal(ok.status, 200);
});
