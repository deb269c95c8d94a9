#!/usr/bin/env node
// Installs node_modules with `npm ci` only when needed: node_modules is missing, or
// package-lock.json (or the Node.js ABI, for the native modules) changed since the last install.
// A stamp in node_modules/.labhub-install.json records what the last install was made from, so
// an up-to-date tree costs a few milliseconds. A tree installed before the stamp existed is
// adopted (stamp written, no reinstall) when npm's own record of it matches the lockfile and the
// native module loads. Plain Node, no dependencies: it runs before node_modules exists.
// Usage: node scripts/setup-node-modules.mjs
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const modules = join(root, 'node_modules');
const stampFile = join(modules, '.labhub-install.json');

function wanted() {
  const lock = readFileSync(join(root, 'package-lock.json'));
  return {
    lockfile: createHash('sha256').update(lock).digest('hex'),
    nodeAbi: process.versions.modules,
    platform: `${process.platform}-${process.arch}`,
  };
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

const sameStamp = (a, b) =>
  !!a && a.lockfile === b.lockfile && a.nodeAbi === b.nodeAbi && a.platform === b.platform;

/** npm's record of the installed tree (node_modules/.package-lock.json) matches the lockfile. */
function treeMatchesLock() {
  const lock = readJson(join(root, 'package-lock.json'));
  const installed = readJson(join(modules, '.package-lock.json'));
  if (!lock?.packages || !installed?.packages) return false;
  for (const [path, meta] of Object.entries(lock.packages)) {
    if (!path) continue; // the root package
    const have = installed.packages[path];
    if (!have) {
      if (meta.optional) continue; // e.g. another platform's binary
      return false;
    }
    if (have.version !== meta.version) return false;
    if (!existsSync(join(root, path, 'package.json'))) return false;
  }
  return true;
}

/** The native module loads in this Node.js (built for its ABI). */
function nativeLoads() {
  const r = spawnSync(
    process.execPath,
    ['-e', "new (require('better-sqlite3'))(':memory:').close()"],
    { cwd: root, stdio: 'ignore' },
  );
  return r.status === 0;
}

/**
 * Runs the command with its output shown as it comes; after 30 s without output (a long compile)
 * prints a line saying it is still working, so it never looks hung.
 */
function runShowingProgress(cmd, args, t0) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let last = Date.now();
    const forward = (out) => (chunk) => {
      last = Date.now();
      out.write(chunk);
    };
    child.stdout.on('data', forward(process.stdout));
    child.stderr.on('data', forward(process.stderr));
    const timer = setInterval(() => {
      if (Date.now() - last < 30_000) return;
      last = Date.now();
      const min = ((Date.now() - t0) / 60_000).toFixed(1);
      console.log(`  … npm ci is still working (${min} min so far; compiling takes the longest)`);
    }, 5_000);
    child.on('error', (e) => {
      console.error(`${cmd} could not run: ${e.message}`);
    });
    child.on('close', (code) => {
      clearInterval(timer);
      resolve(code ?? 1);
    });
  });
}

/** Resolves to the exit status: 0 when node_modules is (now) up to date. */
export async function setupNodeModules({ quiet = false } = {}) {
  const want = wanted();
  const stamp = readJson(stampFile);
  if (sameStamp(stamp, want)) {
    if (!quiet) console.log('node packages ok');
    return 0;
  }
  if (!stamp && existsSync(modules) && treeMatchesLock() && nativeLoads()) {
    writeFileSync(stampFile, JSON.stringify(want, null, 1) + '\n');
    if (!quiet) console.log('node packages ok (existing install matches package-lock.json)');
    return 0;
  }
  const why = !existsSync(modules)
    ? 'node_modules is missing'
    : stamp && stamp.lockfile !== want.lockfile
      ? 'package-lock.json changed since the last install'
      : stamp && stamp.nodeAbi !== want.nodeAbi
        ? `Node.js changed (ABI ${stamp.nodeAbi} → ${want.nodeAbi})`
        : 'node_modules does not match package-lock.json';
  console.log(
    `node packages: ${why}; running npm ci. It takes a minute, or 2–5 minutes when the ` +
      "native module better-sqlite3 is compiled from source (when its prebuilt binary can't be " +
      'downloaded); its compiler output follows, and a line every 30 s while it is quiet.',
  );
  const t0 = Date.now();
  const npm = process.env.npm_execpath
    ? [process.execPath, [process.env.npm_execpath]]
    : ['npm', []];
  const status = await runShowingProgress(
    npm[0],
    [...npm[1], 'ci', '--no-audit', '--no-fund', '--foreground-scripts'],
    t0,
  );
  if (status !== 0) {
    console.error(
      `npm ci failed (exit ${status}). Compiling native modules needs a C++ toolchain, python3 ` +
        'and the PAM headers: bash scripts/install-system-deps.sh (as root).',
    );
    return status || 1;
  }
  writeFileSync(stampFile, JSON.stringify(want, null, 1) + '\n');
  console.log(`node packages installed in ${Math.round((Date.now() - t0) / 1000)} s`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exit(await setupNodeModules());
}
