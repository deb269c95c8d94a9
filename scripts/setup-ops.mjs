#!/usr/bin/env node
// Set-up for the operations tests (test/ops/): Pebble, Let's Encrypt's test ACME CA, and
// pebble-challtestsrv (its DNS server, so any test domain resolves to 127.0.0.1), built from the
// pinned Go module through the Go module proxy into
// ${LABHUB_CACHE:-/var/cache/labhub-tests}/pebble-<version>/ (bin/ and Pebble's test certs/),
// outside the repository so a fresh clone reuses them. Idempotent; instant when present.
// Needs Go >= 1.24 (Pebble's go.mod; the tests' image has /usr/local/go; Debian 12's golang-go
// is 1.19, too old).
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const PEBBLE_VERSION = '2.8.0';
const MODULE = 'github.com/letsencrypt/pebble/v2';

export function pebbleDir() {
  return join(process.env.LABHUB_CACHE || '/var/cache/labhub-tests', `pebble-${PEBBLE_VERSION}`);
}

function goBinary() {
  for (const g of ['go', '/usr/local/go/bin/go', '/usr/lib/go/bin/go']) {
    const r = spawnSync(g, ['version'], { encoding: 'utf8' });
    if (r.status === 0) return g;
  }
  return null;
}

function writable(p) {
  chmodSync(p, statSync(p).mode | 0o200);
  if (statSync(p).isDirectory()) for (const n of readdirSync(p)) writable(join(p, n));
}

/** @returns {Promise<0|1>} */
export async function setupOps({ quiet = false } = {}) {
  const dir = pebbleDir();
  const ready = ['bin/pebble', 'bin/pebble-challtestsrv', 'certs/pebble.minica.pem'].every((f) =>
    existsSync(join(dir, f)),
  );
  if (ready) {
    if (!quiet) console.log(`pebble ${PEBBLE_VERSION} ok (${dir})`);
    return 0;
  }
  const go = goBinary();
  if (!go) {
    console.error(
      `The ACME tests need Pebble ${PEBBLE_VERSION}, built with Go >= 1.24: install Go from https://go.dev/dl/ (Debian 12's golang-go is too old) and run: node scripts/setup-ops.mjs`,
    );
    return 1;
  }
  console.log(`building pebble ${PEBBLE_VERSION} into ${dir} (Go module proxy; about a minute)`);
  const tmp = `${dir}.tmp-${process.pid}`;
  try {
    mkdirSync(join(tmp, 'bin'), { recursive: true });
    const env = { ...process.env, GOBIN: join(tmp, 'bin'), GOFLAGS: '-mod=mod' };
    for (const cmd of ['pebble', 'pebble-challtestsrv']) {
      const r = spawnSync(go, ['install', `${MODULE}/cmd/${cmd}@v${PEBBLE_VERSION}`], {
        env,
        stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit',
      });
      if (r.status !== 0) {
        console.error(`go install ${MODULE}/cmd/${cmd}@v${PEBBLE_VERSION} failed`);
        return 1;
      }
    }
    // Pebble's own HTTPS certificate for its directory, and the CA that signed it.
    const mod = spawnSync(go, ['list', '-m', '-f', '{{.Dir}}', `${MODULE}@v${PEBBLE_VERSION}`], {
      env,
      encoding: 'utf8',
    });
    const src = mod.stdout.trim();
    if (mod.status !== 0 || !existsSync(join(src, 'test/certs'))) {
      console.error(`cannot find Pebble's test certificates (go list said: ${mod.stderr.trim()})`);
      return 1;
    }
    cpSync(join(src, 'test/certs'), join(tmp, 'certs'), { recursive: true });
    writable(join(tmp, 'certs')); // the module cache is read-only; a later rebuild must delete these
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, '..'), { recursive: true });
    cpSync(tmp, dir, { recursive: true });
    return 0;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(await setupOps());
