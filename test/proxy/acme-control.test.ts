// labhub-proxy's control API for automatic HTTPS: ACME HTTP-01 answers on the public port and on
// --redirect-port, and POST /api/tls/reload: new connections get the new certificate while an
// open keep-alive connection keeps its own; a key that does not match is refused and the served
// certificate stays. In one process, with --workers 2 (the primary forwards to the workers), and
// with HAProxy terminating TLS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { generateSelfSignedCert } from '../../src/security/tls.js';
import { freePort } from '../helpers/ports.js';
import { startProxy } from './helpers/proxy-process.js';

function get(
  port: number,
  path: string,
  ca: string[],
  agent: Agent | false,
): Promise<{ status: number; body: string; fingerprint: string; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, ca, agent }, (res) => {
      const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body, fingerprint, reused: req.reusedSocket }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** A call to the proxy's API outside /api/routes (RunningProxy.api prefixes that). */
async function ctl(
  p: { apiUrl: string; token: string },
  method: string,
  path: string,
  body?: unknown,
  token = p.token,
): Promise<{ status: number; body: string; json: () => unknown }> {
  const r = await fetch(`${p.apiUrl}/api${path}`, {
    method,
    headers: { authorization: `token ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text, json: () => JSON.parse(text) as unknown };
}

const setups = [
  { name: 'one process', args: [] },
  { name: '--workers 2', args: ['--workers', '2'] },
  // HAProxy terminates TLS: the reload goes over its runtime API.
  { name: '--engine haproxy', args: ['--engine', 'haproxy'] },
];
for (const setup of setups) {
  test(`control API with ${setup.name}: ACME answers, live TLS reload, a mismatched key refused`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'labhub-proxy-acme-'));
    const a = await generateSelfSignedCert({ commonName: 'first.test', altNames: ['127.0.0.1'] });
    const b = await generateSelfSignedCert({ commonName: 'second.test', altNames: ['127.0.0.1'] });
    const certFile = join(dir, 'cert.pem');
    const keyFile = join(dir, 'key.pem');
    writeFileSync(certFile, a.certPem);
    writeFileSync(keyFile, a.keyPem);
    const redirectPort = await freePort();
    const p = await startProxy([
      '--ssl-cert',
      certFile,
      '--ssl-key',
      keyFile,
      '--redirect-port',
      String(redirectPort),
      ...setup.args,
    ]);
    const ca = [a.certPem, b.certPem];
    try {
      assert.equal(
        (await ctl(p, 'PUT', '/acme-challenges/tok-1', { key_authorization: 'nope' })).status,
        400,
      );
      assert.equal(
        (await ctl(p, 'PUT', '/acme-challenges/tok-1', { key_authorization: 'tok-1.thumb' }))
          .status,
        204,
      );
      assert.equal(
        (
          await ctl(
            p,
            'PUT',
            '/acme-challenges/tok-1',
            { key_authorization: 'tok-1.thumb' },
            'wrong',
          )
        ).status,
        403,
      );
      const plain = await fetch(
        `http://127.0.0.1:${redirectPort}/.well-known/acme-challenge/tok-1`,
        { redirect: 'manual' },
      );
      assert.equal(plain.status, 200, 'answered on the plain-HTTP port, not redirected');
      assert.equal(await plain.text(), 'tok-1.thumb');
      const other = await fetch(`http://127.0.0.1:${redirectPort}/hub/`, { redirect: 'manual' });
      assert.equal(other.status, 301, 'everything else is still redirected');
      for (let i = 0; i < 4; i++) {
        const r = await get(p.port, '/.well-known/acme-challenge/tok-1', ca, false);
        assert.equal(r.body, 'tok-1.thumb', 'every worker answers');
      }

      const keep = new Agent({ keepAlive: true, maxSockets: 1 });
      const first = await get(p.port, '/_chp_healthz', ca, keep);
      assert.equal(first.fingerprint, a.fingerprint256);
      writeFileSync(certFile, b.certPem);
      writeFileSync(keyFile, b.keyPem);
      const reload = await ctl(p, 'POST', '/tls/reload');
      assert.equal(reload.status, 200, reload.body);
      assert.equal((reload.json() as { not_after: string }).not_after, b.notAfter.toISOString());
      const again = await get(p.port, '/_chp_healthz', ca, keep);
      assert.ok(again.reused, 'the open connection was not dropped');
      assert.equal(again.fingerprint, a.fingerprint256, 'and keeps its certificate');
      // Workers get the reload through the primary: a fresh connection may briefly reach one
      // that has not read its message yet.
      let fresh = '';
      for (let i = 0; i < 50 && fresh !== b.fingerprint256; i++) {
        fresh = (await get(p.port, '/_chp_healthz', ca, false)).fingerprint;
        if (fresh !== b.fingerprint256) await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(fresh, b.fingerprint256, 'new connections get the new certificate');
      keep.destroy();

      writeFileSync(keyFile, a.keyPem); // B's certificate with A's key
      const bad = await ctl(p, 'POST', '/tls/reload');
      assert.equal(bad.status, 500);
      assert.match(bad.body, /Could not reload/);
      assert.equal((await get(p.port, '/_chp_healthz', ca, false)).fingerprint, b.fingerprint256);

      assert.equal((await ctl(p, 'DELETE', '/acme-challenges/tok-1')).status, 204);
      const gone = await fetch(
        `http://127.0.0.1:${redirectPort}/.well-known/acme-challenge/tok-1`,
        { redirect: 'manual' },
      );
      assert.notEqual(gone.status, 200);
    } finally {
      await p.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
