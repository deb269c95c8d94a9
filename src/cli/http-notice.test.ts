import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLoopbackIp, plainHttpNotice } from './http-notice.js';

const settings = (o: { ip?: string; publicUrl?: string | null; shouldStart?: boolean }) => ({
  ip: o.ip ?? '',
  port: 8000,
  publicUrl: o.publicUrl ?? null,
  proxy: { shouldStart: o.shouldStart ?? true, pidFile: 'jupyterhub-proxy.pid' },
});
const tls = { certFile: '/etc/hub.pem', keyFile: '/etc/hub.key' };

test('plain-HTTP notice: only for plain HTTP from our own proxy on an interface other than loopback', () => {
  for (const ip of ['', '*', '0.0.0.0', '::', '10.1.2.3'])
    assert.ok(plainHttpNotice(settings({ ip }), null, null), `ip ${JSON.stringify(ip)}`);
  for (const ip of ['127.0.0.1', '127.0.1.1', '::1', 'localhost']) {
    assert.ok(isLoopbackIp(ip));
    assert.equal(plainHttpNotice(settings({ ip }), null, null), null, ip);
  }
  assert.equal(
    plainHttpNotice(settings({}), tls, null),
    null,
    'HTTPS on (configured or generated files)',
  );
  assert.equal(
    plainHttpNotice(settings({ publicUrl: 'https://hub.example.org/' }), null, null),
    null,
    'TLS ends in front of labhub',
  );
  assert.equal(
    plainHttpNotice(settings({ shouldStart: false }), null, null),
    null,
    'not our proxy',
  );
});

test('plain-HTTP notice: names the interface and the line that turns HTTPS on for the file in use', () => {
  const none = plainHttpNotice(settings({}), null, null)!;
  assert.match(none, /plain HTTP on all interfaces, port 8000/);
  assert.match(none, /echo 'Labhub: \{ generate_self_signed_cert: true \}' > labhub\.yaml/);
  assert.match(none, /kill \$\(cat jupyterhub-proxy\.pid\)/);
  assert.match(
    plainHttpNotice(settings({ ip: '10.1.2.3' }), null, '/etc/labhub/jupyterhub_config.py')!,
    /on 10\.1\.2\.3, port 8000[\s\S]*add to jupyterhub_config\.py:\s+c\.Labhub\.generate_self_signed_cert = True/,
  );
  assert.match(
    plainHttpNotice(settings({}), null, '/srv/labhub.yml')!,
    /add to labhub\.yml:\s+Labhub: \{ generate_self_signed_cert: true \}/,
  );
  assert.match(
    plainHttpNotice(settings({}), null, '/srv/labhub.toml')!,
    /\[Labhub\]\s+generate_self_signed_cert = true/,
  );
});
