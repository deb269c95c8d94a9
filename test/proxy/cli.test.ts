// Command line of the built labhub-proxy: flag errors, pid file and signals, TLS, HTTPS redirect.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import https from 'node:https';
import http from 'node:http';
import { startEcho, type Echo } from './helpers/echo.js';
import { startProxy, freePorts, LABHUB_PROXY } from './helpers/proxy-process.js';
import { firstWsMessage, makeCert } from './helpers/tls.js';

let echo: Echo;
before(async () => {
  echo = await startEcho();
});
after(async () => {
  await echo.close();
});

function run(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(LABHUB_PROXY[0]!, [...LABHUB_PROXY.slice(1), ...args], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

test('unknown flag: clear error, exit 1; --help lists CHP flags', () => {
  let r = run(['--bogus-flag']);
  assert.equal(r.status, 1);
  assert.match(r.out, /unknown option '--bogus-flag'/);
  r = run(['--prot', '1']);
  assert.match(r.out, /Did you mean/);
  r = run(['--help']);
  assert.equal(r.status, 0);
  for (const f of [
    '--ip',
    '--api-port',
    '--default-target',
    '--error-target',
    '--error-path',
    '--ssl-key',
    '--api-ssl-key',
    '--client-ssl-key',
    '--host-routing',
    '--no-prepend-path',
    '--no-include-prefix',
    '--no-x-forward',
    '--custom-header',
    '--insecure',
    '--timeout',
    '--proxy-timeout',
    '--keep-alive-timeout',
    '--redirect-port',
    '--redirect-to',
    '--pid-file',
    '--log-level',
    '--metrics-ip',
    '--metrics-port',
  ]) {
    assert.ok(r.out.includes(f), `--help mentions ${f}`);
  }
});

test('bad values are named: port, custom header, error-target with error-path, bad log level', () => {
  assert.match(run(['--port', 'abc']).out, /--port expects a non-negative integer, got 'abc'/);
  assert.match(run(['--custom-header', 'nocolon']).out, /--custom-header expects 'Name: value'/);
  const both = run([
    '--error-target',
    'http://x',
    '--error-path',
    '/tmp',
    '--port',
    '0',
    '--api-port',
    '0',
  ]);
  assert.equal(both.status, 1);
  assert.match(both.out, /both --error-target and --error-path/);
  assert.match(run(['--log-level', 'loud']).out, /--log-level: expected one of/);
  assert.match(
    run(['--ssl-key', '/nonexistent.key', '--ssl-cert', '/nonexistent.crt']).out,
    /--ssl-key: cannot read '\/nonexistent.key'/,
  );
});

// Same message whichever engine holds the port and whichever tries (HAProxy must not share a
// port through SO_REUSEPORT); the hub turns it into LABHUB_ERR_PORT_IN_USE.
for (const engine of ['node', 'haproxy'])
  test(`port in use, --engine ${engine}: error names the problem, exit 1`, async () => {
    const p = await startProxy(['--engine', engine]);
    try {
      for (const other of ['node', 'haproxy']) {
        const r = run([
          '--engine',
          other,
          '--ip',
          '127.0.0.1',
          '--port',
          String(p.port),
          '--api-port',
          '0',
        ]);
        assert.equal(r.status, 1, `${other} beside ${engine}: ${r.out}`);
        assert.match(
          r.out,
          new RegExp(
            `could not listen: listen EADDRINUSE: address already in use 127\\.0\\.0\\.1:${p.port} \\(another process uses this port`,
          ),
          `${other} beside ${engine}`,
        );
      }
    } finally {
      await p.stop();
    }
  });

test('--pid-file written; SIGTERM closes listeners, removes it, exits 0; SIGINT too', async () => {
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    const dir = mkdtempSync(join(tmpdir(), 'lhp-pid-'));
    const pidFile = join(dir, 'proxy.pid');
    const p = await startProxy(['--pid-file', pidFile]);
    let code: number | null;
    try {
      assert.equal(readFileSync(pidFile, 'utf8').trim(), String(p.pid));
      const exited = new Promise<number | null>((r) => p.proc.once('exit', (c) => r(c)));
      p.proc.kill(sig);
      code = await exited;
    } finally {
      await p.stop();
    }
    assert.equal(code, 0, `${sig} exit code`);
    assert.equal(existsSync(pidFile), false, 'pid file removed');
    await assert.rejects(fetch(`${p.url}/_chp_healthz`));
  }
});

test('--ip "" and "*" listen on all interfaces; logs are one line per event', async () => {
  for (const ip of ['', '*', '0.0.0.0']) {
    const p = await startProxy(['--ip', ip]);
    try {
      const r = await fetch(`http://127.0.0.1:${p.port}/_chp_healthz`);
      assert.equal(r.status, 200);
      assert.match(p.output(), /^\S+Z \[LabhubProxy\] info: Proxying http:\/\//m);
    } finally {
      await p.stop();
    }
  }
});

test('--log-level debug logs proxied requests; error logs name the target error', async () => {
  const p = await startProxy(['--log-level', 'debug', '--default-target', echo.url]);
  try {
    await (await fetch(`${p.url}/some/where?secret=1`)).text();
    await p.api('POST', '/dead', { target: 'http://127.0.0.1:1' });
    await (await fetch(`${p.url}/dead/x`)).text();
    await new Promise((r) => setTimeout(r, 100));
    assert.match(p.output(), /debug: PROXY WEB \/some\/where to http/);
    assert.doesNotMatch(p.output(), /secret=1/, 'query strings are not logged');
    assert.match(p.output(), /error: 503 GET \/dead\/x ECONNREFUSED/);
  } finally {
    await p.stop();
  }
});

const tlsFiles = makeCert();

// Both engines: TLS terminated by Node or by HAProxy (https and wss), the API and the redirect
// port by Node in both cases.
for (const engine of ['node', 'haproxy'])
  test(`TLS, --engine ${engine}: --ssl-key/--ssl-cert for the public port (https, wss), --api-ssl-* for the API, --redirect-port`, async () => {
    const [redirectPort] = await freePorts(1);
    const p = await startProxy([
      '--engine',
      engine,
      '--ssl-key',
      tlsFiles.key,
      '--ssl-cert',
      tlsFiles.cert,
      '--api-ssl-key',
      tlsFiles.key,
      '--api-ssl-cert',
      tlsFiles.cert,
      '--default-target',
      echo.url,
      '--redirect-port',
      String(redirectPort),
      '--redirect-to',
      '8443',
    ]);
    try {
      const ca = tlsFiles.ca;
      const body = await new Promise<string>((resolve, reject) => {
        https
          .get(`https://127.0.0.1:${p.port}/x`, { ca }, (res) => {
            let d = '';
            res.on('data', (c) => (d += c));
            res.on('end', () => resolve(d));
          })
          .on('error', reject);
      });
      const echoed = JSON.parse(body) as { headers: Record<string, string> };
      assert.equal(echoed.headers['x-forwarded-proto'], 'https');
      const ws = JSON.parse(await firstWsMessage(`wss://127.0.0.1:${p.port}/ws`, ca)) as {
        headers: Record<string, string>;
      };
      assert.equal(ws.headers['x-forwarded-proto'], 'wss');
      const apiStatus = await new Promise<number>((resolve, reject) => {
        https
          .get(
            `https://127.0.0.1:${p.apiPort}/api/routes`,
            { ca, headers: { authorization: `token ${p.token}` } },
            (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            },
          )
          .on('error', reject);
      });
      assert.equal(apiStatus, 200);
      await new Promise((r) => setTimeout(r, 200));
      const loc = await new Promise<[number, string]>((resolve, reject) => {
        http
          .get(`http://127.0.0.1:${redirectPort}/user/a?x=1`, (res) => {
            res.resume();
            resolve([res.statusCode ?? 0, String(res.headers.location)]);
          })
          .on('error', reject);
      });
      assert.deepEqual(loc, [301, 'https://127.0.0.1:8443/user/a?x=1']);
    } finally {
      await p.stop();
    }
  });

test('TLS targets: verified with --client-ssl-ca, or accepted with --insecure; refused otherwise', async () => {
  const srv = https.createServer(
    { key: readFileSync(tlsFiles.key), cert: readFileSync(tlsFiles.cert) },
    (_req, res) => res.end('secure'),
  );
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const target = `https://127.0.0.1:${(srv.address() as { port: number }).port}`;
  const strict = await startProxy(['--default-target', target]);
  const withCa = await startProxy(['--default-target', target, '--client-ssl-ca', tlsFiles.cert]);
  const insecure = await startProxy(['--default-target', target, '--insecure']);
  try {
    assert.equal((await fetch(`${strict.url}/`)).status, 503);
    const r1 = await fetch(`${withCa.url}/`);
    assert.equal(await r1.text(), 'secure');
    const r2 = await fetch(`${insecure.url}/`);
    assert.equal(await r2.text(), 'secure');
  } finally {
    await strict.stop();
    await withCa.stop();
    await insecure.stop();
    srv.close();
  }
});
