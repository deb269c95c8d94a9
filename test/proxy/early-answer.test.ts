/**
 * An upstream that answers before it has read the request body (a 413 for a body over its
 * limit) gets its answer to the client through labhub-proxy, every time (audit R3). The proxy
 * used to hand the client's request stream to undici, which destroys it when the exchange ends
 * early; that reset the client's connection while the client was still sending, and the client
 * saw ECONNRESET instead of the 413 (about one try in ten).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startProxy, type RunningProxy } from './helpers/proxy-process.js';

let upstream: http.Server;
let proxy: RunningProxy;
let drained = 0;

before(async () => {
  // Answers at once, then reads and discards the body (as the hub does): the only thing that
  // can lose the answer is the proxy.
  upstream = http.createServer((req, res) => {
    res.writeHead(413, { 'Content-Type': 'application/json' });
    res.end('{"status":413,"message":"too large"}');
    req.on('data', (c: Buffer) => (drained += c.length));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  proxy = await startProxy();
  const port = (upstream.address() as AddressInfo).port;
  assert.equal(
    (await proxy.api('POST', '/up', { target: `http://127.0.0.1:${port}` })).status,
    201,
  );
});
after(async () => {
  await proxy?.stop();
  await new Promise((r) => upstream?.close(r));
});

/** POST `size` bytes in 64 KiB pieces; resolves with the answer or rejects on a reset. */
function post(size: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${proxy.url}/up/upload`,
      { method: 'POST', headers: { 'Content-Length': size } },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    const piece = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    const more = () => {
      while (sent < size) {
        const n = Math.min(piece.length, size - sent);
        sent += n;
        if (!req.write(piece.subarray(0, n))) return void req.once('drain', more);
      }
      req.end();
    };
    more();
  });
}

test("an upstream's early 413 reaches a client that is still sending its body, every time", async () => {
  for (let i = 1; i <= 20; i++) {
    const r = await post(11 * 1024 * 1024);
    assert.equal(r.status, 413, `try ${i}`);
    assert.equal(r.body, '{"status":413,"message":"too large"}', `try ${i}`);
  }
  // The proxy went on sending (or the client did, and the proxy read it): nobody was reset.
  assert.ok(drained > 0);
});
