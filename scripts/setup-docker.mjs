#!/usr/bin/env node
// The Docker spawner tests' image, built once and cached outside the repository:
//   ${LABHUB_CACHE:-/var/cache/labhub-tests}/docker-image-<version>/image.tar (`docker save` format)
// <version> is a hash of python/requirements.txt (the singleuser 6 pins) and of this recipe, so
// the image is rebuilt only when a pin changes. The recipe needs no registry of images:
//   debootstrap (minbase bookworm + python3, python3-venv) → a venv /opt/singleuser with the
//   pinned jupyterhub-singleuser from PyPI (chroot) → `docker import` with ENV/CMD/USER set in a
//   private, temporary dockerd → `docker save`.
// A test's private dockerd (test/helpers/dockerd.ts) then `docker load`s the tar in seconds.
// Returns in milliseconds when the tar is there. Needs root, dockerd and debootstrap (Debian's
// docker.io and debootstrap, listed in scripts/install-system-deps.sh). Plain Node, no dependencies.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const RECIPE = 1; // bump when the steps below change
const MIRROR = 'http://deb.debian.org/debian';

/** Where the image tar lives and the tag it carries. */
export function dockerImageInfo() {
  const reqs = readFileSync(join(root, 'python/requirements.txt'), 'utf8');
  const version = createHash('sha256').update(`${RECIPE}\n${reqs}`).digest('hex').slice(0, 12);
  const cache = process.env.LABHUB_CACHE || '/var/cache/labhub-tests';
  const dir = join(cache, `docker-image-${version}`);
  return { dir, tar: join(dir, 'image.tar'), tag: `labhub-test/singleuser:${version}` };
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (status ${r.status})`);
}

function which(cmd) {
  return (
    spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim() || undefined
  );
}

async function withTempDockerd(work, fn) {
  const d = join(work, 'dockerd');
  mkdirSync(d, { recursive: true });
  const sock = join(d, 'docker.sock');
  const proc = spawn(
    'dockerd',
    [
      `--data-root=${d}/root`,
      `--exec-root=${d}/exec`,
      `--pidfile=${d}/docker.pid`,
      `-H=unix://${sock}`,
      '--iptables=false',
      '--ip-forward=false',
      '--bridge=none',
      '--storage-driver=vfs',
    ],
    { stdio: ['ignore', 'ignore', 'ignore'] },
  );
  try {
    for (let i = 0; i < 300; i++) {
      if (
        spawnSync('docker', ['-H', `unix://${sock}`, 'version'], { stdio: 'ignore' }).status === 0
      )
        break;
      if (proc.exitCode !== null) throw new Error('dockerd exited during start-up');
      await new Promise((r) => setTimeout(r, 200));
    }
    return await fn(['-H', `unix://${sock}`]);
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
  }
}

/** Builds the image tar when missing; returns the process exit status (0 = ready). */
export async function setupDocker({ quiet = false } = {}) {
  const info = dockerImageInfo();
  if (existsSync(info.tar)) {
    if (!quiet) console.log(`docker test image ok (${info.tar})`);
    return 0;
  }
  const missing = ['dockerd', 'docker', 'debootstrap', 'chroot'].filter((c) => !which(c));
  if (missing.length) {
    console.error(
      `docker test image: missing ${missing.join(', ')}; run (as root) bash scripts/install-system-deps.sh`,
    );
    return 1;
  }
  if (process.getuid?.() !== 0) {
    console.error('docker test image: building it needs root (debootstrap, dockerd)');
    return 1;
  }
  const t0 = Date.now();
  const work = `${info.dir}.tmp`;
  rmSync(work, { recursive: true, force: true });
  const rootfs = join(work, 'rootfs');
  mkdirSync(rootfs, { recursive: true });
  console.log(`docker test image: building ${info.tag} (debootstrap + pip, a few minutes, once)`);
  try {
    run('debootstrap', [
      '--variant=minbase',
      '--include=python3,python3-venv',
      'bookworm',
      rootfs,
      MIRROR,
    ]);
    copyFileSync('/etc/resolv.conf', join(rootfs, 'etc/resolv.conf'));
    const ca = '/etc/ssl/certs/ca-certificates.crt';
    if (existsSync(ca)) copyFileSync(ca, join(rootfs, 'tmp/ca.crt'));
    copyFileSync(join(root, 'python/requirements.txt'), join(rootfs, 'tmp/requirements.txt'));
    const env = {
      PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: '/root',
      LANG: 'C.UTF-8',
      ...(existsSync(ca) ? { PIP_CERT: '/tmp/ca.crt' } : {}),
      PIP_DISABLE_PIP_VERSION_CHECK: '1',
      PIP_DEFAULT_TIMEOUT: '180',
    };
    run('chroot', [rootfs, 'python3', '-m', 'venv', '/opt/singleuser'], { env });
    run(
      'chroot',
      [
        rootfs,
        '/opt/singleuser/bin/pip',
        'install',
        '--no-cache-dir',
        '-r',
        '/tmp/requirements.txt',
      ],
      { env },
    );
    run('chroot', [rootfs, 'useradd', '-m', '-u', '1000', '-s', '/bin/bash', 'jovyan'], { env });
    for (const p of ['tmp/ca.crt', 'tmp/requirements.txt', 'var/lib/apt/lists', 'var/cache/apt']) {
      rmSync(join(rootfs, p), { recursive: true, force: true });
    }
    writeFileSync(join(rootfs, 'etc/resolv.conf'), '');
    const tarball = join(work, 'rootfs.tar');
    run('tar', ['-C', rootfs, '--numeric-owner', '-cf', tarball, '.']);
    await withTempDockerd(work, async (h) => {
      run('docker', [
        ...h,
        'import',
        '--change',
        'ENV PATH=/opt/singleuser/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        '--change',
        'ENV LANG=C.UTF-8',
        '--change',
        'USER jovyan',
        '--change',
        'WORKDIR /home/jovyan',
        '--change',
        'CMD ["jupyterhub-singleuser"]',
        tarball,
        info.tag,
      ]);
      run('docker', [...h, 'save', '-o', join(work, 'image.tar'), info.tag]);
    });
    rmSync(info.dir, { recursive: true, force: true });
    mkdirSync(info.dir, { recursive: true });
    renameSync(join(work, 'image.tar'), info.tar);
    writeFileSync(join(info.dir, 'tag'), `${info.tag}\n`);
    console.log(`docker test image: ${info.tar} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    return 0;
  } catch (e) {
    console.error(`docker test image: ${e.message}`);
    return 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exit(await setupDocker());
}
