#!/usr/bin/env node
// Installs node_modules only when needed. A stamp in node_modules/.labhub-install.json records
// what the last install was made from (package-lock.json's hash, the Node.js ABI, the platform),
// so an up-to-date tree costs a few milliseconds. Otherwise:
// - node_modules missing, or Node.js changed (native modules): `npm ci`;
// - package-lock.json changed: `npm install --no-save` (only the difference: seconds, where
//   `npm ci` recompiles the native modules), checked against the lockfile, else `npm ci`;
// - a tree installed before the stamp existed is adopted when npm's record of it matches the
//   lockfile and the native module loads.
// Plain Node, no dependencies: it runs before node_modules exists.
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
  // A package the lockfile no longer has (e.g. a nested copy an override replaced) is a mismatch.
  for (const path of Object.keys(installed.packages)) {
    if (path && !lock.packages[path]) return false;
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

function npmCommand(args) {
  // Under `npm test`, the same npm that runs us; otherwise the one on PATH.
  return process.env.npm_execpath
    ? [process.execPath, [process.env.npm_execpath, ...args]]
    : ['npm', args];
}

const NPM_FLAGS = ['--no-audit', '--no-fund', '--foreground-scripts'];

/** Resolves to the exit status: 0 when node_modules is (now) up to date. */
export async function setupNodeModules({ quiet = false } = {}) {
  const want = wanted();
  const stamp = readJson(stampFile);
  if (sameStamp(stamp, want)) {
    if (!quiet) console.log('node packages ok');
    return 0;
  }
  const adopt = (how) => {
    writeFileSync(stampFile, JSON.stringify(want, null, 1) + '\n');
    if (!quiet || how) console.log(`node packages ok${how ? ` (${how})` : ''}`);
    return 0;
  };
  const hasModules = existsSync(modules);
  if (!stamp && hasModules && treeMatchesLock() && nativeLoads())
    return adopt(quiet ? '' : 'existing install matches package-lock.json');
  const t0 = Date.now();
  if (hasModules && stamp && stamp.nodeAbi === want.nodeAbi && stamp.platform === want.platform) {
    // The lockfile changed (a pull, a new dependency): install just the difference. --no-save
    // leaves package.json and package-lock.json alone; the result is checked against the lockfile.
    console.log('node packages: package-lock.json changed since the last install; npm install');
    const [cmd, args] = npmCommand(['install', '--no-save', ...NPM_FLAGS]);
    const status = await runShowingProgress(cmd, args, t0);
    if (status === 0 && treeMatchesLock() && nativeLoads())
      return adopt(`updated in ${Math.round((Date.now() - t0) / 1000)} s`);
    console.log('node packages: the updated tree does not match package-lock.json; npm ci');
  }
  const why = !hasModules
    ? 'node_modules is missing'
    : stamp && stamp.nodeAbi !== want.nodeAbi
      ? `Node.js changed (ABI ${stamp.nodeAbi} → ${want.nodeAbi})`
      : 'node_modules does not match package-lock.json';
  console.log(
    `node packages: ${why}; running npm ci. It takes a minute, or 2–5 minutes when the ` +
      "native module better-sqlite3 is compiled from source (when its prebuilt binary can't be " +
      'downloaded); its compiler output follows, and a line every 30 s while it is quiet.',
  );
  const [cmd, args] = npmCommand(['ci', ...NPM_FLAGS]);
  const status = await runShowingProgress(cmd, args, t0);
  if (status !== 0) {
    console.error(
      `npm ci failed (exit ${status}). Compiling native modules needs a C++ toolchain, python3 ` +
        'and the PAM headers: bash scripts/install-system-deps.sh (as root).',
    );
    return status || 1;
  }
  return adopt(`installed in ${Math.round((Date.now() - t0) / 1000)} s`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exit(await setupNodeModules());
}
