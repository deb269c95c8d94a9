/**
 * Pebble (Let's Encrypt's test ACME CA) and pebble-challtestsrv (its DNS: every name → 127.0.0.1)
 * on loopback, from the pinned build of scripts/setup-ops.mjs. Pebble validates HTTP-01 on
 * `httpPort` and TLS-ALPN-01 on `tlsPort` of 127.0.0.1, so point those at the hub's ports.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
// @ts-expect-error plain .mjs script without types
import { pebbleDir } from '../../scripts/setup-ops.mjs';

export interface Pebble {
  directoryUrl: string;
  /** PEM file of the CA of Pebble's own HTTPS (Labhub.letsencrypt.directory_ca_file). */
  caFile: string;
  /** The root that signs the certificates Pebble issues (changes at every Pebble start). */
  issuingRoot(): Promise<string>;
  stop(): Promise<void>;
}

function get(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function stopChild(c: ChildProcess): Promise<void> {
  return new Promise((r) => {
    if (c.exitCode !== null || c.signalCode !== null) return r();
    c.once('exit', () => r());
    c.kill('SIGTERM');
  });
}

export async function startPebble(o: { httpPort: number; tlsPort: number }): Promise<Pebble> {
  const dir = pebbleDir() as string;
  const bin = join(dir, 'bin');
  if (!existsSync(join(bin, 'pebble')) || !existsSync(join(bin, 'pebble-challtestsrv')))
    throw new Error(
      `Pebble is not built: run  node scripts/setup-ops.mjs  (expected it in ${dir})`,
    );
  const work = mkdtempSync(join(tmpdir(), 'labhub-pebble-'));
  const [dnsPort, mgmtDns, acmePort, mgmtPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const caFile = join(dir, 'certs/pebble.minica.pem');
  const ca = readFileSync(caFile, 'utf8');
  const cfg = join(work, 'pebble.json');
  writeFileSync(
    cfg,
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${acmePort}`,
        managementListenAddress: `127.0.0.1:${mgmtPort}`,
        certificate: join(dir, 'certs/localhost/cert.pem'),
        privateKey: join(dir, 'certs/localhost/key.pem'),
        httpPort: o.httpPort,
        tlsPort: o.tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
      },
    }),
  );
  const out: string[] = [];
  const keep = (c: ChildProcess) => {
    c.stdout?.on('data', (d: Buffer) => out.push(d.toString()));
    c.stderr?.on('data', (d: Buffer) => out.push(d.toString()));
    return c;
  };
  const dns = keep(
    spawn(
      join(bin, 'pebble-challtestsrv'),
      [
        '-defaultIPv4',
        '127.0.0.1',
        '-defaultIPv6',
        '',
        '-dns01',
        `127.0.0.1:${dnsPort}`,
        '-http01',
        '',
        '-https01',
        '',
        '-tlsalpn01',
        '',
        '-doh',
        '',
        '-management',
        `127.0.0.1:${mgmtDns}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  );
  const pebble = keep(
    spawn(join(bin, 'pebble'), ['-config', cfg, '-dnsserver', `127.0.0.1:${dnsPort}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // No random sleeps before validation, no deliberately rejected nonces.
      env: { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0' },
    }),
  );
  const directoryUrl = `https://127.0.0.1:${acmePort}/dir`;
  const stop = async () => {
    await Promise.all([stopChild(pebble), stopChild(dns)]);
    rmSync(work, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    if (pebble.exitCode !== null || dns.exitCode !== null) {
      await stop();
      throw new Error(`Pebble exited at start:\n${out.join('')}`);
    }
    const ok = await get(directoryUrl, ca).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (i > 300) {
      await stop();
      throw new Error(`Pebble did not answer at ${directoryUrl}:\n${out.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    directoryUrl,
    caFile,
    async issuingRoot() {
      const r = await get(`https://127.0.0.1:${mgmtPort}/roots/0`, ca);
      if (r.status !== 200) throw new Error(`Pebble /roots/0: ${r.status}`);
      return r.body;
    },
    stop,
  };
}
