// The HAProxy configuration and map entries labhub-proxy generates: map values per kind of
// target, and every flag combination accepted by the real HAProxy (`haproxy -c`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RouteTable } from '../routes.js';
import { createProxyLogger } from '../log.js';
import type { ProxyServerOptions } from '../options.js';
import { cliWord, haproxyConfig, haproxyUnsupported, mapKey, mapValue } from './config.js';
import { parseCounts } from './counters.js';
import { findHaproxy } from './process.js';

const log = createProxyLogger('error');

function entry(p: string, target: string) {
  return new RouteTable().add(p, { target });
}

test('map keys end in one slash; values send IP targets to HAProxy, the rest to Node', () => {
  assert.equal(mapKey('/'), '/');
  assert.equal(mapKey('/user/alice'), '/user/alice/');
  const o = { prependPath: true, includePrefix: true, hostRouting: false };
  assert.equal(
    mapValue(entry('/user/a', 'http://127.0.0.1:8888'), 7, o),
    '7|127.0.0.1|8888||127.0.0.1:8888|',
  );
  assert.equal(mapValue(entry('/user/a', 'http://[::1]:80/'), 1, o), '1|::1|80||[::1]|');
  assert.equal(
    mapValue(entry('/user/a', 'http://10.0.0.1/base/'), 2, o),
    '2|10.0.0.1|80|/base|10.0.0.1|',
  );
  assert.equal(
    mapValue(entry('/user/a', 'http://10.0.0.1/base/'), 2, { ...o, prependPath: false }),
    '2|10.0.0.1|80||10.0.0.1|',
  );
  for (const t of [
    'https://127.0.0.1:8888',
    'http://jupyter-alice:8888',
    'http+unix://%2Ftmp%2Fs.sock',
    'http://127.0.0.1:1/x?q=1',
    'http://127.0.0.1:1/a%20b',
  ])
    assert.equal(mapValue(entry('/user/a', t), 3, o), '3|||||', t);
  assert.equal(
    mapValue(entry('/host.example/user/a', 'http://127.0.0.1:1'), 4, {
      ...o,
      includePrefix: false,
      hostRouting: true,
    }),
    '4|127.0.0.1|1||127.0.0.1:1|2',
  );
  assert.equal(cliWord('/user/a b;#\\/'), '/user/a\\ b\\;\\#\\\\/');
});

test('flags only the Node plane serves are named', () => {
  const base: ProxyServerOptions = { log };
  const none = { sslPassphrase: false };
  assert.equal(haproxyUnsupported(base, none), undefined);
  assert.match(haproxyUnsupported({ ...base, autoRewrite: true }, none)!, /--auto-rewrite/);
  assert.match(haproxyUnsupported(base, { ...none, sslProtocol: 'SSLv3' })!, /--ssl-protocol/);
  assert.equal(haproxyUnsupported(base, { ...none, sslProtocol: 'TLSv1_2' }), undefined);
  assert.equal(haproxyUnsupported({ ...base, enableMetrics: true }, none), undefined);
});

test('metrics counts are read from the stick tables', () => {
  const c = parseCounts(
    '# table: counters, type: string, size:8, used:2\n' +
      '0x55d0: key=web use=1 exp=0 shard=0 http_req_cnt=41 conn_cur=1\n' +
      '0x55d1: key=ws use=2 exp=0 shard=0 http_req_cnt=3 conn_cur=2\n',
    '# table: statuses, type: integer, size:1024, used:2\n' +
      '0x55e0: key=101 use=0 exp=0 shard=0 gpc0=3\n' +
      '0x55e1: key=200 use=0 exp=0 shard=0 gpc0=40\n',
  );
  assert.deepEqual(c, {
    web: 41,
    ws: 3,
    wsOpen: 2,
    inFlight: 1,
    status: new Map([
      ['101', 3],
      ['200', 40],
    ]),
  });
});

test('HAProxy accepts the configuration for every flag combination', () => {
  const bin = findHaproxy();
  assert.ok(bin, 'haproxy is installed (sudo bash scripts/install-system-deps.sh)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lhp-haproxy-cfg-'));
  try {
    const files = {
      admin: path.join(dir, 'admin.sock'),
      map: path.join(dir, 'routes.map'),
      node: path.join(dir, 'node.sock'),
    };
    fs.writeFileSync(files.map, '');
    const combos: ProxyServerOptions[] = [
      { log },
      { log, hostRouting: true, includePrefix: false, changeOrigin: true },
      { log, xForward: false, prependPath: false, timeout: 1500, proxyTimeout: 300 },
      { log, customHeaders: { 'x-a': 'va"l%ue\\', 'x-b': 'two words' }, keepAliveTimeout: 100 },
      { log, enableMetrics: true },
    ];
    for (const o of combos) {
      for (const bind of [{ port: 18999, host: '127.0.0.1' }, { port: 18999 }]) {
        const cfg = path.join(dir, 'h.cfg');
        fs.writeFileSync(cfg, haproxyConfig(o, files, bind, { threads: 1 }));
        try {
          execFileSync(bin, ['-c', '-q', '-f', cfg], { encoding: 'utf8', stdio: 'pipe' });
        } catch (e) {
          assert.fail(
            `haproxy -c refused the config for ${JSON.stringify({ ...o, log: undefined })}: ${String((e as { stderr?: string }).stderr)}\n${fs.readFileSync(cfg, 'utf8')}`,
          );
        }
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
