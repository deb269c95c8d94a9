// Data plane of the built labhub-proxy: routing, path flags, headers, bodies, errors, WebSocket.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import http from 'node:http';
import { request } from 'undici';
import WebSocket from 'ws';
import { startEcho, deadPort, type Echo } from './helpers/echo.js';
import { startProxy, metric, type RunningProxy } from './helpers/proxy-process.js';

type EchoBody = {
  server: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
};

async function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const r = await request(url, { headers });
  return { status: r.statusCode, body: await r.body.text(), headers: r.headers };
}

// Set by forwarding-haproxy.test.ts: the proxies run with --engine auto, so HAProxy serves
// wherever the flags allow (the metrics then come from HAProxy's counters).
const OTHER_ENGINE = process.env.LABHUB_TEST_PROXY_ENGINE;

async function gauge(p: RunningProxy, name: string, expected: number): Promise<void> {
  assert.equal(await metric(p.metricsPort!, name), expected, name);
}

let a: Echo;
let b: Echo;
before(async () => {
  a = await startEcho('a');
  b = await startEcho('b');
});
after(async () => {
  await a.close();
  await b.close();
});

describe('default flags', () => {
  let p: RunningProxy;
  before(async () => {
    p = await startProxy(['--custom-header', 'X-Extra: one', '--custom-header', 'x-second:two'], {
      metrics: true,
    });
    await p.api('POST', '/', { target: a.url });
    await p.api('POST', '/user/alice', { target: b.url });
    await p.api('POST', '/prefixed', { target: `${b.url}/base/path?t=1` });
  });
  after(async () => {
    await p.stop();
  });

  test('longest prefix on whole segments', async () => {
    let r = JSON.parse((await get(`${p.url}/user/alice/lab?x=1`)).body) as EchoBody;
    assert.equal(r.server, 'b');
    assert.equal(r.url, '/user/alice/lab?x=1');
    r = JSON.parse((await get(`${p.url}/user/alice`)).body) as EchoBody;
    assert.equal(r.server, 'b');
    r = JSON.parse((await get(`${p.url}/user/alicex/lab`)).body) as EchoBody;
    assert.equal(r.server, 'a', '/user/alicex is not under /user/alice');
    r = JSON.parse((await get(`${p.url}/user/al%69ce/x`)).body) as EchoBody;
    assert.equal(r.server, 'b', 'routing sees the decoded path');
    assert.equal(r.url, '/user/al%69ce/x', 'the target gets the path as sent');
  });

  test('target path is prepended and queries merged', async () => {
    const r = JSON.parse((await get(`${p.url}/prefixed/sub?q=2`)).body) as EchoBody;
    assert.equal(r.url, '/base/path/prefixed/sub?t=1&q=2');
  });

  test('X-Forwarded-* headers are added (appended to existing) and custom headers set', async () => {
    const r = JSON.parse(
      (await get(`${p.url}/user/alice/h`, { 'x-forwarded-for': '10.0.0.1', 'x-extra': 'client' }))
        .body,
    ) as EchoBody;
    assert.equal(r.headers['x-forwarded-for'], '10.0.0.1,127.0.0.1');
    assert.equal(r.headers['x-forwarded-proto'], 'http');
    assert.equal(r.headers['x-forwarded-port'], String(p.port));
    assert.equal(r.headers['x-forwarded-host'], `127.0.0.1:${p.port}`);
    assert.equal(r.headers.host, `127.0.0.1:${p.port}`, 'Host is passed through');
    assert.equal(r.headers['x-extra'], 'one', 'custom header replaces the client value');
    assert.equal(r.headers['x-second'], 'two');
  });

  test('response headers relayed, including repeated Set-Cookie', async () => {
    const r = await get(`${p.url}/user/alice/c`);
    assert.deepEqual(r.headers['set-cookie'], ['a=1', 'b=2']);
    assert.equal(r.headers['content-type'], 'application/json');
  });

  test('request bodies stream to the target (chunked and sized) and big responses stream back', async () => {
    const chunks = Array.from({ length: 50 }, (_, i) => `chunk-${i};`);
    const r = await request(`${p.url}/user/alice/upload`, {
      method: 'POST',
      body: Readable.from(chunks),
    });
    const body = (await r.body.json()) as EchoBody;
    assert.equal(body.body, chunks.join(''));
    assert.equal(body.method, 'POST');
    const put = await request(`${p.url}/user/alice/put`, {
      method: 'PUT',
      body: 'x'.repeat(100_000),
    });
    assert.equal(((await put.body.json()) as EchoBody).body.length, 100_000);
    const big = await request(`${p.url}/user/alice/big?n=3000000`);
    const buf = Buffer.from(await big.body.arrayBuffer());
    assert.equal(buf.length, 3_000_000);
  });

  test('status codes and redirects pass through unchanged (no rewrite by default)', async () => {
    let r = await get(`${p.url}/user/alice/status/418`);
    assert.equal(r.status, 418);
    r = await get(`${p.url}/user/alice/status/302`);
    assert.equal(r.status, 302);
    assert.equal(r.headers.location, `${b.url}/redirected`);
  });

  test('WebSocket through the proxy: handshake headers, echo both ways, close', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${p.port}/user/alice/api/kernels/1/channels?token=t`, {
      headers: { 'x-forwarded-for': '10.1.1.1' },
    });
    const msgs: string[] = [];
    ws.on('message', (m) => msgs.push(String(m)));
    await new Promise((r, j) => {
      ws.once('open', r);
      ws.once('error', j);
    });
    await new Promise((r) => setTimeout(r, 50));
    const hello = JSON.parse(msgs[0]!) as {
      server: string;
      url: string;
      headers: Record<string, string>;
    };
    assert.equal(hello.server, 'b');
    assert.equal(hello.url, '/user/alice/api/kernels/1/channels?token=t');
    assert.equal(hello.headers['x-forwarded-for'], '10.1.1.1,127.0.0.1');
    assert.equal(hello.headers['x-forwarded-proto'], 'ws');
    assert.equal(hello.headers['x-extra'], 'one');
    for (let i = 0; i < 20; i++) ws.send(`m${i}`);
    const big = Buffer.alloc(200_000, 7);
    ws.send(big);
    await new Promise<void>((r) => {
      const check = () => (msgs.length >= 22 ? r() : setTimeout(check, 10));
      check();
    });
    assert.deepEqual(
      msgs.slice(1, 21),
      Array.from({ length: 20 }, (_, i) => `m${i}`),
    );
    assert.equal(msgs[21]!.length, 200_000);
    ws.close();
    await new Promise((r) => ws.once('close', r));
    await new Promise((r) => setTimeout(r, 100));
    await gauge(p, 'labhub_proxy_websockets_open', 0);
  });

  test('WebSocket traffic bumps last_activity', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${p.port}/user/alice/ws`);
    await new Promise((r, j) => {
      ws.once('message', r);
      ws.once('error', j);
    });
    const t0 = Date.parse(
      ((await p.api('GET', '/user/alice')).json() as { last_activity: string }).last_activity,
    );
    await new Promise((r) => setTimeout(r, 30));
    ws.send('ping');
    await new Promise((r) => ws.once('message', r));
    const t1 = Date.parse(
      ((await p.api('GET', '/user/alice')).json() as { last_activity: string }).last_activity,
    );
    assert.ok(t1 > t0);
    ws.terminate();
  });

  test('WebSocket to an unknown route gets 404, to a dead target 503', async () => {
    const dead = await deadPort();
    await p.api('POST', '/dead', { target: `http://127.0.0.1:${dead}` });
    for (const [path, code] of [['/dead/ws', 503]] as const) {
      const ws = new WebSocket(`ws://127.0.0.1:${p.port}${path}`);
      const status = await new Promise<number>((r) => {
        ws.once('unexpected-response', (_req, res) => r(res.statusCode ?? 0));
        ws.once('error', () => r(-1));
      });
      assert.equal(status, code);
      ws.terminate();
    }
    await p.api('DELETE', '/');
    const ws = new WebSocket(`ws://127.0.0.1:${p.port}/nothing/here`);
    const status = await new Promise<number>((r) => {
      ws.once('unexpected-response', (_req, res) => r(res.statusCode ?? 0));
      ws.once('error', () => r(-1));
    });
    assert.equal(status, 404);
    await p.api('POST', '/', { target: a.url });
    await p.api('DELETE', '/dead');
  });

  test('refusing target → 503 built-in page; target dying mid-response → broken response', async () => {
    const dead = await deadPort();
    await p.api('POST', '/user/gone', { target: `http://127.0.0.1:${dead}` });
    const r = await get(`${p.url}/user/gone/x`);
    assert.equal(r.status, 503);
    assert.match(r.body, /503/);
    const post = await request(`${p.url}/user/gone/x`, {
      method: 'POST',
      body: 'y'.repeat(50_000),
    });
    await post.body.text();
    assert.equal(post.statusCode, 503);
    await assert.rejects(async () => {
      const d = await request(`${p.url}/user/alice/die`);
      await d.body.text();
    });
    await gauge(p, 'labhub_proxy_requests_in_flight', 0);
  });

  test('client leaving a hanging target aborts the upstream request', async () => {
    const ac = new AbortController();
    const pending = request(`${p.url}/user/alice/hang`, { signal: ac.signal }).catch(
      () => 'aborted',
    );
    await new Promise((r) => setTimeout(r, 100));
    await gauge(p, 'labhub_proxy_requests_in_flight', 1);
    ac.abort();
    assert.equal(await pending, 'aborted');
    await new Promise((r) => setTimeout(r, 100));
    await gauge(p, 'labhub_proxy_requests_in_flight', 0);
  });

  test('route changes under load: every response comes from the old or the new target', async () => {
    let stop = false;
    const seen = new Map<string, number>();
    let failures = 0;
    const worker = async () => {
      while (!stop) {
        try {
          const r = await request(`${p.url}/user/flip/x`);
          const t =
            r.statusCode === 200
              ? ((await r.body.json()) as EchoBody).server
              : (await r.body.text(), String(r.statusCode));
          seen.set(t, (seen.get(t) ?? 0) + 1);
        } catch {
          failures++;
        }
      }
    };
    await p.api('POST', '/user/flip', { target: a.url });
    const workers = Array.from({ length: 8 }, worker);
    for (let i = 0; i < 40; i++) {
      await p.api('POST', '/user/flip', { target: i % 2 ? a.url : b.url });
      await p.api('POST', `/user/extra${i}`, { target: b.url });
      await p.api('DELETE', `/user/extra${i}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    stop = true;
    await Promise.all(workers);
    assert.equal(failures, 0);
    assert.deepEqual([...seen.keys()].sort(), ['a', 'b']);
  });

  test('metrics endpoint serves CHP counters and our gauges', async () => {
    const web = await metric(p.metricsPort!, 'requests_web');
    await get(`${p.url}/user/alice/counted`);
    assert.equal(await metric(p.metricsPort!, 'requests_web'), web + 1);
    const r = await get(`http://127.0.0.1:${p.metricsPort}/metrics`);
    assert.equal(r.status, 200);
    assert.match(r.body, /^requests_proxy\{status="200"\} [1-9]/m);
    assert.match(r.body, /^requests_ws [1-9]/m);
    for (const m of [
      'requests_web',
      'requests_ws',
      'requests_proxy',
      'requests_api',
      'api_route_add',
      'labhub_proxy_routes',
      'process_open_fds',
    ]) {
      assert.match(r.body, new RegExp(`^${m}`, 'm'), m);
    }
  });
});

describe('path flags', () => {
  test('--no-include-prefix strips the route prefix; --no-prepend-path ignores the target path', async () => {
    const p = await startProxy(['--no-include-prefix']);
    const q = await startProxy(['--no-prepend-path']);
    try {
      await p.api('POST', '/user/alice', { target: `${a.url}/base` });
      let r = JSON.parse((await get(`${p.url}/user/alice/lab/tree?x=1`)).body) as EchoBody;
      assert.equal(r.url, '/base/lab/tree?x=1');
      r = JSON.parse((await get(`${p.url}/user/alice`)).body) as EchoBody;
      assert.equal(r.url, '/base');
      await q.api('POST', '/user/alice', { target: `${a.url}/base` });
      r = JSON.parse((await get(`${q.url}/user/alice/lab?x=1`)).body) as EchoBody;
      assert.equal(r.url, '/user/alice/lab?x=1');
    } finally {
      await p.stop();
      await q.stop();
    }
  });

  test('--no-x-forward adds no X-Forwarded-*; --default-target routes /', async () => {
    const p = await startProxy(['--no-x-forward', '--default-target', a.url]);
    try {
      const r = JSON.parse((await get(`${p.url}/anything`)).body) as EchoBody;
      assert.equal(r.server, 'a');
      assert.equal(r.headers['x-forwarded-for'], undefined);
      assert.equal(r.headers['x-forwarded-proto'], undefined);
    } finally {
      await p.stop();
    }
  });

  test('--host-routing uses the Host as first path segment', async () => {
    const p = await startProxy(['--host-routing']);
    try {
      await p.api('POST', '/alice.example.org/', { target: a.url });
      await p.api('POST', '/bob.example.org/sub', { target: b.url });
      const d = (await p.api('GET', '/alice.example.org')).json() as { host: string };
      assert.equal(d.host, 'alice.example.org');
      let r = JSON.parse(
        (await get(`${p.url}/x/y`, { host: 'alice.example.org:8000' })).body,
      ) as EchoBody;
      assert.equal(r.server, 'a');
      assert.equal(r.url, '/x/y');
      r = JSON.parse((await get(`${p.url}/sub/z`, { host: 'bob.example.org' })).body) as EchoBody;
      assert.equal(r.server, 'b');
      const nf = await get(`${p.url}/x`, { host: 'carol.example.org' });
      assert.equal(nf.status, 404);
    } finally {
      await p.stop();
    }
  });

  test('--auto-rewrite / --protocol-rewrite rewrite redirects to the target', async () => {
    const p = await startProxy(['--auto-rewrite', '--protocol-rewrite', 'https']);
    try {
      await p.api('POST', '/', { target: a.url });
      const r = await get(`${p.url}/status/302`);
      assert.equal(r.headers.location, `https://127.0.0.1:${p.port}/redirected`);
    } finally {
      await p.stop();
    }
  });
});

describe('error pages and timeouts', () => {
  test('--error-target: the page comes from <target>/<code>?url=<path>', async () => {
    const seen: string[] = [];
    const errSrv = http.createServer((req, res) => {
      seen.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<p>custom ${req.url}</p>`);
    });
    await new Promise<void>((r) => errSrv.listen(0, '127.0.0.1', r));
    const port = (errSrv.address() as { port: number }).port;
    const p = await startProxy(['--error-target', `http://127.0.0.1:${port}/hub/error`]);
    try {
      let r = await get(`${p.url}/nope/x?y=1`);
      assert.equal(r.status, 404);
      assert.equal(r.body, `<p>custom /hub/error/404?url=${encodeURIComponent('/nope/x?y=1')}</p>`);
      assert.equal(r.headers['content-type'], 'text/html');
      await p.api('POST', '/user/gone', { target: `http://127.0.0.1:${await deadPort()}` });
      r = await get(`${p.url}/user/gone/`);
      assert.equal(r.status, 503);
      assert.match(r.body, /custom \/hub\/error\/503\?url=%2Fuser%2Fgone%2F/);
    } finally {
      await p.stop();
      errSrv.close();
    }
  });

  test('--error-target that is down falls back to the built-in page', async () => {
    const p = await startProxy(['--error-target', `http://127.0.0.1:${await deadPort()}`]);
    try {
      const r = await get(`${p.url}/nope`);
      assert.equal(r.status, 404);
      assert.match(r.body, /404 Not Found/);
    } finally {
      await p.stop();
    }
  });

  test('--error-path serves <code>.html, else error.html', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lhp-err-'));
    writeFileSync(join(dir, '404.html'), '<h1>not here</h1>');
    writeFileSync(join(dir, 'error.html'), '<h1>generic</h1>');
    const p = await startProxy(['--error-path', dir]);
    try {
      let r = await get(`${p.url}/nope`);
      assert.equal(r.status, 404);
      assert.equal(r.body, '<h1>not here</h1>');
      await p.api('POST', '/x', { target: `http://127.0.0.1:${await deadPort()}` });
      r = await get(`${p.url}/x`);
      assert.equal(r.status, 503);
      assert.equal(r.body, '<h1>generic</h1>');
    } finally {
      await p.stop();
    }
  });

  test('--proxy-timeout: a hanging target gives 503; --timeout drops an idle client', async () => {
    const p = await startProxy(['--proxy-timeout', '300', '--timeout', '1500'], { metrics: true });
    try {
      await p.api('POST', '/', { target: a.url });
      const r = await get(`${p.url}/hang`);
      // HAProxy answers a target's timeout with its own 504 (docs/proxy.md), Node with CHP's 503.
      assert.equal(r.status, OTHER_ENGINE ? 504 : 503);
      await gauge(p, 'labhub_proxy_requests_in_flight', 0);
      // A client that sends half a request and goes quiet is disconnected.
      const net = await import('node:net');
      const s = net.connect(p.port, '127.0.0.1');
      s.write('POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc');
      const closedAfter = await new Promise<number>((res) => {
        const t0 = Date.now();
        s.on('close', () => res(Date.now() - t0));
        s.on('error', () => {});
        s.resume();
      });
      assert.ok(closedAfter < 5000, 'idle client connection was closed by the proxy');
    } finally {
      await p.stop();
    }
  });
});

describe('unix socket targets', () => {
  test('http+unix://<encoded path> targets work for HTTP and WebSocket (as in CHP)', async () => {
    const { WebSocketServer } = await import('ws');
    const dir = mkdtempSync(join(tmpdir(), 'lhp-unix-'));
    const sock = join(dir, 'srv.sock');
    const srv = http.createServer((req, res) => res.end(`unix ${req.url}`));
    const wss = new WebSocketServer({ server: srv });
    wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`echo ${m}`)));
    await new Promise<void>((r) => srv.listen(sock, r));
    const p = await startProxy();
    try {
      await p.api('POST', '/user/u', { target: `http+unix://${encodeURIComponent(sock)}` });
      const r = await get(`${p.url}/user/u/x`);
      assert.equal(r.body, 'unix /user/u/x');
      const ws = new WebSocket(`ws://127.0.0.1:${p.port}/user/u/ws`);
      await new Promise((res, j) => {
        ws.once('open', res);
        ws.once('error', j);
      });
      ws.send('hi');
      const msg = await new Promise<string>((res) => ws.once('message', (m) => res(String(m))));
      assert.equal(msg, 'echo hi');
      ws.close();
      await p.api('POST', '/user/bad', { target: 'ftp://127.0.0.1:21' });
      assert.equal((await get(`${p.url}/user/bad/`)).status, 503);
    } finally {
      await p.stop();
      wss.close();
      srv.close();
    }
  });
});
