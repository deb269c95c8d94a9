// The two reference relays of the benchmark (bench/proxy/relay/, a small Go program): `copy`
// (accept, dial, io.Copy both ways: Go splices TCP to TCP) and `sockmap` (an eBPF sk_skb stream
// verdict redirects each socket's bytes to its peer in the kernel). Built on first use from the Go
// module proxy and cached outside the repository, keyed by a hash of the sources and pins:
//   ${LABHUB_CACHE:-/var/cache/labhub-tests}/labhub-relay-<hash>/relay
// Needs Go >= 1.25 (the one on PATH, else the toolchain scripts/setup-k8s.mjs fetches); the
// sockmap mode needs root (or CAP_BPF + CAP_NET_ADMIN) and a kernel with BPF sockmap support.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureGo } from '../../scripts/setup-k8s.mjs';

const SRC = fileURLToPath(new URL('./relay/', import.meta.url));

/** The relay binary's path, built when missing (a few seconds; the first time also downloads
 * github.com/cilium/ebpf and golang.org/x/sys from the Go module proxy). */
export async function ensureRelay() {
  const files = readdirSync(SRC)
    .filter((f) => /\.go$|^go\.(mod|sum)$/.test(f))
    .sort();
  const h = createHash('sha256');
  for (const f of files) h.update(`${f}\n`).update(readFileSync(join(SRC, f)));
  const dir = join(
    process.env.LABHUB_CACHE || '/var/cache/labhub-tests',
    `labhub-relay-${h.digest('hex').slice(0, 12)}`,
  );
  const bin = join(dir, 'relay');
  if (existsSync(bin)) return bin;
  const go = await ensureGo();
  if (!go) throw new Error('the reference relays need Go >= 1.25 (see scripts/setup-k8s.mjs)');
  mkdirSync(dir, { recursive: true });
  process.stderr.write(`relay: building ${bin} (go build in bench/proxy/relay)\n`);
  const tmp = `${bin}.tmp-${process.pid}`;
  const r = spawnSync(go, ['build', '-trimpath', '-o', tmp, '.'], {
    cwd: SRC,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      GOPATH: join(dir, 'gopath'),
      GOCACHE: join(dir, 'gocache'),
      GOFLAGS: '-buildvcs=false -modcacherw',
      GOTOOLCHAIN: 'local',
      CGO_ENABLED: '0',
    },
  });
  if (r.status !== 0) throw new Error(`building the relay failed (go build, status ${r.status})`);
  renameSync(tmp, bin);
  // The module and build caches (~100 MB) are only needed for a rebuild, which a source change
  // makes under another hash anyway.
  for (const d of ['gopath', 'gocache']) rmSync(join(dir, d), { recursive: true, force: true });
  return bin;
}
