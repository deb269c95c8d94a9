// labhub's proxy engine: by default (Labhub.proxy_engine = auto) the bundled labhub-proxy runs
// HAProxy when it is installed (scripts/install-system-deps.sh), the hub's log says which engine
// runs, and the hub's pages are served through it; `node` passes --engine node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryLogger, startLoggedHub } from './support.js';

test('Labhub.proxy_engine default (auto): the hub starts labhub-proxy --engine auto and logs HAProxy', async () => {
  const m = memoryLogger();
  const h = await startLoggedHub(m.log);
  try {
    const r = await fetch(`${h.url}/hub/login`);
    assert.equal(r.status, 200);
    await r.text();
    const lines = m.lines().join('\n');
    assert.match(lines, /proxy: starting [^"]*labhub-proxy\.js [^"]*--engine auto/);
    assert.match(
      lines,
      /proxy: Engine: HAProxy [\d.]+ \(--engine auto\)/,
      'HAProxy runs (install it: apt-get install haproxy, or scripts/install-system-deps.sh)',
    );
  } finally {
    await h.stop();
  }
});

test('Labhub.proxy_engine node: the hub starts labhub-proxy --engine node', async () => {
  const m = memoryLogger();
  const h = await startLoggedHub(m.log, { Labhub: { proxy_engine: 'node' } });
  try {
    const r = await fetch(`${h.url}/hub/login`);
    assert.equal(r.status, 200);
    await r.text();
    const lines = m.lines().join('\n');
    assert.match(lines, /proxy: starting [^"]*labhub-proxy\.js [^"]*--engine node/);
    assert.match(lines, /proxy: Engine: node \(--engine node\)/);
  } finally {
    await h.stop();
  }
});
