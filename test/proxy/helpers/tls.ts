/**
 * A self-signed certificate for 127.0.0.1 (openssl, in util-linux's company in
 * scripts/install-system-deps.sh), and a wss:// client that returns the first message: shared
 * by the TLS tests of every engine.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

/** Key and certificate files in a new temporary directory; throws (with the fix) without openssl. */
export function makeCert(): { key: string; cert: string; ca: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'lhp-tls-'));
  const key = join(dir, 'k.pem');
  const cert = join(dir, 'c.pem');
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
  } catch (e) {
    throw new Error(
      `openssl could not make a test certificate (${(e as Error).message}): run scripts/install-system-deps.sh`,
    );
  }
  return { key, cert, ca: readFileSync(cert) };
}

/** Open `url` trusting `ca`, resolve with the first message, close. */
export function firstWsMessage(url: string, ca: Buffer): Promise<string> {
  const ws = new WebSocket(url, { ca });
  return new Promise<string>((resolve, reject) => {
    ws.once('message', (m) => {
      resolve(String(m));
      ws.close();
    });
    ws.once('error', reject);
  });
}
