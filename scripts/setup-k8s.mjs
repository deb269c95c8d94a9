#!/usr/bin/env node
// Builds (or reuses) the binaries of the Kubernetes tests (test/kubernetes/): kube-apiserver
// v1.35.4 and etcd v3.6.16 (a real API server on loopback, test/helpers/kube-cluster.ts) and helm
// v3.21.4 (lint/template of deploy/helm/labhub). No registry ships them, so they are compiled from
// the Go module proxy with the pinned modules in tools/k8s/{apiserver,etcd,helm}/ (go.mod + go.sum).
// They are cached OUTSIDE the repository, so a fresh clone on the same machine reuses them:
//   ${LABHUB_CACHE:-/var/cache/labhub-tests}/k8s-v1.35.4/bin/{kube-apiserver,etcd}
//   ${LABHUB_CACHE:-/var/cache/labhub-tests}/helm-v3.21.4/bin/helm
// with GOPATH and GOCACHE under the same folders. A cold build takes 10-17 min on 2 cores
// (kube-apiserver is most of it; ~1.7 GiB RAM for its link, ~3.7 GiB of caches); when the
// binaries are there this returns in milliseconds. Uses `go` from PATH when it is >= 1.25, else
// downloads Go 1.26.8 once from the Go module proxy (the golang.org/toolchain module, as `go` itself
// does with GOTOOLCHAIN) into ${LABHUB_CACHE:-/var/cache/labhub-tests}/go-1.26.8/.
// Usage: node scripts/setup-k8s.mjs   (exit status 0 = ready)
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

const K8S_VERSION = 'v1.35.4';
const ETCD_VERSION = 'v3.6.16';
const HELM_VERSION = 'v3.21.4';

const GO_VERSION = '1.26.8';

function cacheRoot() {
  return process.env.LABHUB_CACHE || '/var/cache/labhub-tests';
}

/** Where the binaries live; test/helpers/kube-cluster.ts reads the same paths. */
function k8sPaths() {
  const k8sDir = join(cacheRoot(), `k8s-${K8S_VERSION}`);
  const helmDir = join(cacheRoot(), `helm-${HELM_VERSION}`);
  return {
    k8sDir,
    helmDir,
    kubeApiserver: join(k8sDir, 'bin', 'kube-apiserver'),
    etcd: join(k8sDir, 'bin', 'etcd'),
    helm: join(helmDir, 'bin', 'helm'),
  };
}

const versionLdflags = (() => {
  const v = 'k8s.io/component-base/version';
  const minor = K8S_VERSION.split('.')[1];
  return [
    '-s -w',
    `-X ${v}.gitVersion=${K8S_VERSION}`,
    `-X ${v}.gitMajor=1`,
    `-X ${v}.gitMinor=${minor}`,
    `-X ${v}.gitTreeState=clean`,
    `-X k8s.io/client-go/pkg/version.gitVersion=${K8S_VERSION}`,
  ].join(' ');
})();

/** One binary: module folder under tools/k8s, Go package, output path, cache folder, ldflags. */
function targets() {
  const p = k8sPaths();
  return [
    {
      name: `etcd ${ETCD_VERSION}`,
      module: 'tools/k8s/etcd',
      pkg: 'go.etcd.io/etcd/server/v3',
      out: p.etcd,
      cache: p.k8sDir,
      ldflags: '-s -w',
    },
    {
      name: `kube-apiserver ${K8S_VERSION}`,
      module: 'tools/k8s/apiserver',
      pkg: 'k8s.io/kubernetes/cmd/kube-apiserver',
      out: p.kubeApiserver,
      cache: p.k8sDir,
      ldflags: versionLdflags,
    },
    {
      name: `helm ${HELM_VERSION}`,
      module: 'tools/k8s/helm',
      pkg: 'helm.sh/helm/v3/cmd/helm',
      out: p.helm,
      cache: p.helmDir,
      ldflags: `-s -w -X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}`,
    },
  ];
}

/** True when `go` at this path runs and is >= 1.25. */
function goOk(go) {
  const r = spawnSync(go, ['version'], { encoding: 'utf8' });
  const m = /go1\.(\d+)/.exec(r.stdout ?? '');
  return r.status === 0 && !!m && Number(m[1]) >= 25;
}

/** A usable `go`: the one on PATH, else the toolchain module from the Go module proxy (cached). */
export async function ensureGo() {
  if (goOk('go')) return 'go';
  const dir = join(cacheRoot(), `go-${GO_VERSION}`);
  const go = join(dir, 'bin', 'go');
  if (existsSync(go) && goOk(go)) return go;
  const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch];
  if (process.platform !== 'linux' || !arch) {
    console.error('k8s set-up: install Go >= 1.25 (https://go.dev/dl/) and run this again');
    return null;
  }
  const proxy =
    (process.env.GOPROXY ?? '').split(/[,|]/).find((p) => /^https?:/.test(p)) ??
    'https://proxy.golang.org';
  const mod = `v0.0.1-go${GO_VERSION}.linux-${arch}`;
  const url = `${proxy.replace(/\/$/, '')}/golang.org/toolchain/@v/${mod}.zip`;
  console.log(
    `k8s set-up: no Go >= 1.25 on PATH; downloading Go ${GO_VERSION} from ${url} (~70 MB)`,
  );
  const res = await fetch(url);
  if (!res.ok) {
    console.error(`k8s set-up: ${url}: HTTP ${res.status}; install Go >= 1.25 and run this again`);
    return null;
  }
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  writeFileSync(join(tmp, 'go.zip'), Buffer.from(await res.arrayBuffer()));
  // python3 (a system dependency of the tests) unzips; zip entries keep no exec bits
  const unzip = spawnSync('python3', ['-m', 'zipfile', '-e', join(tmp, 'go.zip'), tmp], {
    stdio: 'inherit',
  });
  if (unzip.status !== 0) return null;
  const root = join(tmp, `golang.org/toolchain@${mod}`);
  for (const sub of ['bin', `pkg/tool/linux_${arch}`])
    for (const f of readdirSync(join(root, sub))) chmodSync(join(root, sub, f), 0o755);
  rmSync(dir, { recursive: true, force: true });
  renameSync(root, dir);
  rmSync(tmp, { recursive: true, force: true });
  if (!goOk(go)) {
    console.error(`k8s set-up: the downloaded ${go} does not run`);
    return null;
  }
  return go;
}

function buildOne(t, go) {
  return new Promise((resolve) => {
    mkdirSync(join(t.cache, 'bin'), { recursive: true });
    const tmp = `${t.out}.tmp-${process.pid}`;
    const env = {
      ...process.env,
      GOPATH: join(t.cache, 'gopath'),
      GOCACHE: join(t.cache, 'gocache'),
      GOFLAGS: '-buildvcs=false',
      GOTOOLCHAIN: 'local',
      CGO_ENABLED: '0',
    };
    const args = ['build', '-trimpath', '-ldflags', t.ldflags, '-o', tmp, t.pkg];
    const t0 = Date.now();
    console.log(`k8s set-up: building ${t.name} (go ${args.join(' ')}) in ${t.module}`);
    const child = spawn(go, args, { cwd: join(root, t.module), env, stdio: 'inherit' });
    const timer = setInterval(() => {
      console.log(
        `k8s set-up: still building ${t.name}, ${Math.round((Date.now() - t0) / 1000)} s`,
      );
    }, 30_000);
    child.on('error', (err) => {
      clearInterval(timer);
      console.error(`k8s set-up: cannot run go (${err.message}); install Go >= 1.25`);
      resolve(1);
    });
    child.on('close', (code) => {
      clearInterval(timer);
      if (code !== 0) {
        console.error(`k8s set-up: building ${t.name} failed (exit ${code})`);
        return resolve(1);
      }
      renameSync(tmp, t.out);
      console.log(`k8s set-up: ${t.name} built in ${Math.round((Date.now() - t0) / 1000)} s`);
      resolve(0);
    });
  });
}

/** Builds what is missing; returns 0 when all binaries are there. */
export async function setupK8s({ quiet = false } = {}) {
  const todo = targets().filter((t) => !existsSync(t.out));
  if (!todo.length) {
    if (!quiet) console.log('kubernetes test binaries ok');
    return 0;
  }
  const go = await ensureGo();
  if (!go) return 1;
  const goVersion = spawnSync(go, ['version'], { encoding: 'utf8' }).stdout.trim();
  console.log(
    `k8s set-up: building ${todo.map((t) => t.name).join(', ')} from the Go module proxy ` +
      `(${goVersion}); a cold build takes 10-20 min on 2 cores, once per machine`,
  );
  for (const t of todo) {
    const code = await buildOne(t, go);
    if (code !== 0) return code;
  }
  writeFileSync(join(k8sPaths().k8sDir, 'README'), 'built by labhub scripts/setup-k8s.mjs\n');
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exit(await setupK8s());
}
