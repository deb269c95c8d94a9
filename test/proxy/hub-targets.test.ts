/**
 * The hub route with `hub_targets` (docs/high-availability.md): a request whose first hub
 * replica refuses the connection (a replica just killed, not yet seen unhealthy) is sent to
 * another one — a POST with a JSON body too (its body, up to 64 KiB, is buffered for that) —
 * with the Node engine and with the HAProxy engine (its `hubs` backend); a request the first
 * replica may have read is never sent twice.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startProxy, type RunningProxy } from './helpers/proxy-process.js';
import { freePort } from '../helpers/ports.js';

/** A hub replica stand-in: /hub/health answers 200, anything else echoes method and body. */
let live: http.Server;
/** Reads the request, then drops the connection without an answer (a replica dying mid-request). */
let dying: http.Server;
let dyingSeen = 0;
let liveUrl = '';
let dyingUrl = '';
let deadUrl = '';

before(async () => {
  live = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, body }));
    });
  });
  dying = http.createServer((req) => {
    if (req.url?.endsWith('/hub/health')) return req.socket.destroy();
    dyingSeen++;
    req.on('data', () => {});
    req.on('end', () => req.socket.destroy());
  });
  for (const s of [live, dying]) await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  liveUrl = `http://127.0.0.1:${(live.address() as AddressInfo).port}`;
  dyingUrl = `http://127.0.0.1:${(dying.address() as AddressInfo).port}`;
  // Nothing listens there: connections are refused.
  deadUrl = `http://127.0.0.1:${await freePort()}`;
});
after(async () => {
  for (const s of [live, dying]) await new Promise((r) => s?.close(r));
});

async function withProxy(engine: string, fn: (p: RunningProxy) => Promise<void>): Promise<void> {
  const p = await startProxy(['--engine', engine]);
  try {
    await fn(p);
  } finally {
    await p.stop();
  }
}

const post = (p: RunningProxy, n: number) =>
  fetch(`${p.url}/hub/api/users/u${n}/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ note: `n${n}`, pad: 'x'.repeat(2000) }),
    signal: AbortSignal.timeout(10_000),
  });

for (const engine of ['node', 'haproxy'])
  test(`${engine} engine: a request refused by one hub replica is sent to another, a POST with its body too`, async () => {
    await withProxy(engine, async (p) => {
      const route = { target: liveUrl, hub: true, hub_targets: [deadUrl, liveUrl] };
      assert.equal((await p.api('POST', '/', route)).status, 201);
      for (let n = 0; n < 8; n++) {
        const r = await post(p, n);
        assert.equal(r.status, 200, `POST ${n} answered`);
        const echo = (await r.json()) as { method: string; body: string };
        assert.equal(echo.method, 'POST');
        assert.equal(JSON.parse(echo.body).note, `n${n}`, 'the body arrived whole');
        const g = await fetch(`${p.url}/hub/api/users/u${n}`);
        assert.equal(g.status, 200, `GET ${n} answered`);
        await g.arrayBuffer();
      }
    });
  });

test('node engine: a POST the first hub replica may have read is not sent again', async () => {
  await withProxy('node', async (p) => {
    const route = { target: dyingUrl, hub: true, hub_targets: [dyingUrl] };
    assert.equal((await p.api('POST', '/', route)).status, 201);
    // Only the dying one is listed: added to the route together with the live one, a fresh
    // proxy has not seen either unhealthy yet, so round robin gives the dying one its turn.
    const both = { ...route, hub_targets: [dyingUrl, liveUrl] };
    assert.equal((await p.api('POST', '/', both)).status, 201);
    const before = dyingSeen;
    const statuses: number[] = [];
    for (let n = 0; n < 4; n++) statuses.push((await post(p, n)).status);
    assert.ok(dyingSeen > before, 'the dying replica got a POST');
    assert.ok(statuses.includes(503), `that POST failed, it was not retried: ${statuses.join()}`);
  });
});
