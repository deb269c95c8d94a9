import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { proxyEngineChecks } from './doctor-proxy.js';

const saved = process.env.LABHUB_HAPROXY;
afterEach(() => {
  if (saved === undefined) delete process.env.LABHUB_HAPROXY;
  else process.env.LABHUB_HAPROXY = saved;
});

const bundled = { command: null } as never;

test('doctor, proxy engine: HAProxy found for auto and haproxy; nothing to say for a custom proxy command', () => {
  const [auto] = proxyEngineChecks({ proxyEngine: 'auto', proxy: bundled });
  assert.equal(auto?.status, 'ok');
  assert.match(
    auto!.detail,
    /^auto: HAProxy \d+\.\d+[.\d]* \(.*haproxy\) serves the public port$/,
    'HAProxy is installed here (scripts/install-system-deps.sh)',
  );
  assert.match(
    proxyEngineChecks({ proxyEngine: 'haproxy', proxy: bundled })[0]!.detail,
    /^haproxy: HAProxy /,
  );
  assert.match(proxyEngineChecks({ proxyEngine: 'node', proxy: bundled })[0]!.detail, /^node: /);
  assert.deepEqual(
    proxyEngineChecks({ proxyEngine: 'auto', proxy: { command: ['chp'] } as never }),
    [],
  );
});

test('doctor, proxy engine without HAProxy: auto says the Node engine runs; haproxy is an error', () => {
  process.env.LABHUB_HAPROXY = '/nonexistent/haproxy';
  const [auto] = proxyEngineChecks({ proxyEngine: 'auto', proxy: bundled });
  assert.equal(auto?.status, 'ok');
  assert.match(
    auto!.detail,
    /^auto: the Node engine serves the public port \(\/nonexistent\/haproxy -v failed.*apt-get install haproxy/,
  );
  const [h] = proxyEngineChecks({ proxyEngine: 'haproxy', proxy: bundled });
  assert.equal(h?.status, 'error');
  assert.match(h!.detail, /the proxy will refuse to start/);
  assert.match(h!.fix ?? '', /apt-get install haproxy/);
});
