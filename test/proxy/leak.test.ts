// Leak test of the built labhub-proxy: 5,000 WebSockets opened and closed, 5,000 requests to a
// dead (refusing) backend, 300 requests abandoned on a hanging backend; afterwards the
// proxy's open file descriptors (/proc/<pid>/fd) and its heap after a full GC return to the
// baseline measured after warm-up, and no WebSocket or request is still accounted as open.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request, Agent } from 'undici';
import WebSocket from 'ws';
import { readFileSync } from 'node:fs';
import { startEcho, deadPort, type Echo } from './helpers/echo.js';
import { startProxy, fdCount, metric, type RunningProxy } from './helpers/proxy-process.js';

// Set by leak-haproxy.test.ts: HAProxy serves the public port. There the fds counted are those
// of labhub-proxy and the HAProxy it runs (an open connection holds fds in either), the gauges
// of open WebSockets and requests in flight come from HAProxy's counters, the heap is not read.
const OTHER_ENGINE = process.env.LABHUB_TEST_PROXY_ENGINE;
const WS_COUNT = Number(process.env.LEAK_N ?? (OTHER_ENGINE ? 1000 : 5000));
const DEAD_COUNT = Number(process.env.LEAK_N ?? (OTHER_ENGINE ? 1000 : 5000));
const HANG_COUNT = 300;
const CONCURRENCY = 50;
const FD_TOLERANCE = 8;
const HEAP_TOLERANCE = 8 * 1024 * 1024;

let echo: Echo;
let p: RunningProxy;
const agent = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 1000 });

before(async () => {
  echo = await startEcho();
  p = await startProxy([], { metrics: true, nodeArgs: ['--expose-gc'] });
  await p.api('POST', '/ws', { target: echo.url });
  await p.api('POST', '/dead', { target: `http://127.0.0.1:${await deadPort()}` });
  await p.api('POST', '/hang', { target: echo.url });
});
after(async () => {
  await agent.close().catch(() => {});
  await p?.stop();
  await echo?.close();
});

async function pool(n: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

async function wsRoundTrip(i: number): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${p.port}/ws/k/${i}`);
  await new Promise<void>((resolve, reject) => {
    let got = 0;
    ws.on('message', () => {
      got++;
      if (got === 1) ws.send(`hello ${i}`);
      else {
        // Alternate clean closes and abrupt disconnects.
        if (i % 2) ws.close();
        else ws.terminate();
      }
    });
    ws.on('close', () => resolve());
    ws.on('error', reject);
  });
}

async function deadRequest(): Promise<void> {
  const r = await request(`${p.url}/dead/x`, {
    dispatcher: agent,
    method: 'POST',
    body: 'payload',
  });
  await r.body.text();
  assert.equal(r.statusCode, 503);
}

async function abandonedRequest(): Promise<void> {
  const ac = new AbortController();
  const pending = request(`${p.url}/hang/hang`, { dispatcher: agent, signal: ac.signal }).catch(
    () => undefined,
  );
  setTimeout(() => ac.abort(), 20);
  await pending;
}

/** Open fds of the proxy and of its descendants (HAProxy runs under a sh supervisor). */
function treeFds(pid: number): number {
  let kids: number[] = [];
  try {
    kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    /* no children */
  }
  return fdCount(pid) + kids.reduce((n, k) => n + treeFds(k), 0);
}

async function settle(): Promise<{ fds: number; heap: number }> {
  if (OTHER_ENGINE) {
    // Half-closed connections end within HAProxy's client-fin/server-fin (5 s), idle
    // keep-alive ones within ~5 s.
    await new Promise((r) => setTimeout(r, 8000));
    return { fds: treeFds(p.pid), heap: 0 };
  }
  // Closed sockets need a moment; poll until the proxy holds nothing (bounded).
  for (let i = 0; i < 100; i++) {
    const open = await metric(p.metricsPort!, 'labhub_proxy_websockets_open');
    const inflight = await metric(p.metricsPort!, 'labhub_proxy_requests_in_flight');
    if (open === 0 && inflight === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  // Idle keep-alive sockets (ours to the target, clients' to us) expire after ~4 s: wait them out.
  await new Promise((r) => setTimeout(r, 6000));
  let heap = Infinity;
  for (let i = 0; i < 3; i++)
    heap = Math.min(heap, await metric(p.metricsPort!, 'labhub_proxy_heap_used_after_gc_bytes'));
  return { fds: treeFds(p.pid), heap };
}

test(
  'no fd or heap growth after WebSocket churn and dead/hanging backends',
  { timeout: 300_000 },
  async () => {
    // Warm-up: JIT, lazily created pools and buffers.
    await pool(300, wsRoundTrip);
    await pool(300, deadRequest);
    await pool(50, abandonedRequest);
    await agent.close();
    const base = await settle();

    const churn = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 1000 });
    let underLoadFds = 0;
    const sampler = setInterval(() => (underLoadFds = Math.max(underLoadFds, treeFds(p.pid))), 200);
    await pool(WS_COUNT, wsRoundTrip);
    await pool(DEAD_COUNT, async () => {
      const r = await request(`${p.url}/dead/x`, {
        dispatcher: churn,
        method: 'POST',
        body: 'payload',
      });
      await r.body.text();
      assert.equal(r.statusCode, 503);
    });
    await pool(HANG_COUNT, async () => {
      const ac = new AbortController();
      const pending = request(`${p.url}/hang/hang`, { dispatcher: churn, signal: ac.signal }).catch(
        () => undefined,
      );
      setTimeout(() => ac.abort(), 20);
      await pending;
    });
    clearInterval(sampler);
    await churn.close();
    const end = await settle();

    const detail = `baseline fds=${base.fds} heap=${(base.heap / 1e6).toFixed(1)}MB; max under load fds=${underLoadFds}; after fds=${end.fds} heap=${(end.heap / 1e6).toFixed(1)}MB`;
    process.stdout.write(`# leak test: ${detail}\n`);
    if (process.env.LEAK_DEBUG) {
      const { execSync } = await import('node:child_process');
      process.stdout.write(
        execSync(
          `ls -l /proc/${p.pid}/fd | awk '{print $NF}' | sed 's/[0-9]*//g' | sort | uniq -c; ss -tanp | grep pid=${p.pid}, | awk '{print $1, $4, $5}' | sort | uniq -c | sort -rn | head -20`,
        ).toString(),
      );
    }
    assert.equal(await metric(p.metricsPort!, 'labhub_proxy_websockets_open'), 0, detail);
    assert.equal(await metric(p.metricsPort!, 'labhub_proxy_requests_in_flight'), 0, detail);
    if (OTHER_ENGINE) {
      assert.match(p.output(), /with HAProxy [\d.]+ \(pid \d+, /, 'HAProxy serves');
      assert.ok((await metric(p.metricsPort!, 'requests_ws')) >= WS_COUNT, 'HAProxy counts');
    }
    assert.ok(end.fds <= base.fds + FD_TOLERANCE, `fds returned to baseline: ${detail}`);
    assert.ok(end.heap <= base.heap + HEAP_TOLERANCE, `heap returned to baseline: ${detail}`);
    // The proxy still works.
    const r = await request(`${p.url}/ws/after`);
    await r.body.text();
    assert.equal(r.statusCode, 200);
  },
);
