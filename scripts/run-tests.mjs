#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with Node's test runner (tsx loader).
// Node 20's --test neither expands globs nor finds .ts files by itself, so we list them here.
// Two processes at a time on a 2-core machine: the heavy files (HEAVY: real browsers, JupyterLab,
// PAM users, dockerd, kube-apiserver) one at a time, each next to a process of light files, the
// longest files first (runAll below). A final line sums them.
// Usage: node scripts/run-tests.mjs [path-substring ...]   (no argument = the whole suite)
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { spawn } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const HEAVY = [
  'test/e2e/',
  'test/compat/',
  'test/ui/',
  'test/classic/',
  'test/security/schemathesis',
  'test/kubernetes/',
  'test/ops/',
  'test/ha/',
  'test/docker/',
];

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

const timesDir = mkdtempSync(join(tmpdir(), 'labhub-test-times-'));
// Each file's time in the last run (heavy: the file's wall time; light: its tests' time), read to
// start the longest files first so that the run does not end on one long file. Kept with the heavy
// builds' cache, outside the repository, so a fresh clone on the same machine has it.
const lastTimesFile = join(
  process.env.LABHUB_CACHE || '/var/cache/labhub-tests',
  'test-times.json',
);

/** Runs `files` in one `node --test` process; resolves its exit code and pass/fail counts. */
function runFiles(files, id, onDone) {
  return new Promise((resolve) => {
    const args = [
      '--import',
      'tsx',
      '--import',
      join(root, 'scripts/test-exit-drain.mjs'),
      '--test',
      '--test-concurrency=1',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      `--test-reporter=${join(root, 'scripts/test-durations-reporter.mjs')}`,
      `--test-reporter-destination=${join(timesDir, String(id))}`,
      // A test file that leaves a server or timer open would otherwise keep its process, and so
      // the whole run, waiting forever after its tests ended.
      '--test-force-exit',
      ...files,
    ];
    const started = Date.now();
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: { ...process.env, LABHUB_TEST: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // A process's report is printed in one piece when it ends, so that the two running at the
    // same time do not interleave; the summary lines (ℹ pass N, …) are counted from it.
    let out = '';
    child.stdout.on('data', (d) => (out += d.toString()));
    child.on('close', (code) => {
      const counts = { pass: 0, fail: 0, cancelled: 0 };
      for (const line of out.split('\n')) {
        const m = /^ℹ (pass|fail|cancelled) (\d+)$/.exec(line.trim());
        if (m) counts[m[1]] = Number(m[2]);
      }
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      process.stdout.write(`\n── ${files.join(' ')} (${secs} s)\n${out}`);
      onDone?.(Date.now() - started);
      resolve({ code: code ?? 1, pass: counts.pass, fail: counts.fail + counts.cancelled });
    });
  });
}

/**
 * Two processes at a time (2 cores). The heavy files (real browsers, JupyterLab, PAM users,
 * dockerd, kube-apiserver) go one at a time, so that they never starve each other, each next to a
 * process of light files; when no heavy file is left, both run light files. Longest first.
 * LABHUB_TEST_HEAVY_ALONE=1 runs the heavy files with nothing next to them (to tell whether a
 * failure comes from sharing the machine).
 */
async function runAll(light, heavy) {
  let last = {};
  try {
    last = JSON.parse(readFileSync(lastTimesFile, 'utf8'));
  } catch {
    /* first run on this machine: file size stands in for time */
  }
  const weight = (f) => last[f] ?? statSync(join(root, f)).size / 100;
  const byWeight = (a, b) => weight(b) - weight(a);
  const heavyQueue = [...heavy].sort(byWeight);
  const lightQueue = [...light].sort(byWeight);
  const heavyAlone = process.env.LABHUB_TEST_HEAVY_ALONE === '1';
  const times = {};
  const results = [];
  let ids = 0;
  let heavyRunning = false;
  const lightTaken = () => {
    // Several light files per process (one process per file costs a Node start-up each); fewer
    // near the end so that both slots end together.
    const n = Math.max(1, Math.min(8, Math.floor(lightQueue.length / 6)));
    return lightQueue.splice(0, n);
  };
  await new Promise((resolveAll) => {
    let running = 0;
    const next = () => {
      while (running < 2) {
        let files;
        let isHeavy = false;
        if (!heavyRunning && heavyQueue.length && !(heavyAlone && running)) {
          files = [heavyQueue.shift()];
          isHeavy = true;
        } else if (lightQueue.length && !(heavyAlone && heavyRunning)) files = lightTaken();
        else break;
        running++;
        if (isHeavy) heavyRunning = true;
        const id = ids++;
        results.push(
          runFiles(files, id, (ms) => {
            if (isHeavy) times[files[0]] = ms;
          }).then((r) => {
            running--;
            if (isHeavy) heavyRunning = false;
            next();
            return r;
          }),
        );
      }
      if (!running && !heavyQueue.length && !lightQueue.length) resolveAll();
    };
    next();
  });
  const all = await Promise.all(results);
  saveTimes(times, last);
  return {
    code: all.some((r) => r.code) ? 1 : 0,
    pass: all.reduce((n, r) => n + r.pass, 0),
    fail: all.reduce((n, r) => n + r.fail, 0),
  };
}

/** Keeps this run's times for the next run's order (light files: their tests' summed time). */
function saveTimes(heavyTimes, last) {
  const merged = { ...last };
  for (const { file, ms } of perFileTimes()) merged[relative(root, file)] = ms;
  Object.assign(merged, heavyTimes);
  try {
    mkdirSync(dirname(lastTimesFile), { recursive: true });
    writeFileSync(`${lastTimesFile}.${process.pid}`, JSON.stringify(merged));
    renameSync(`${lastTimesFile}.${process.pid}`, lastTimesFile);
  } catch {
    /* not writable (not root): the next run orders by file size */
  }
}

/** Each file's summed top-level test time, from the duration reporters' files. */
function perFileTimes() {
  const perFile = new Map();
  for (const name of readdirSync(timesDir)) {
    for (const line of readFileSync(join(timesDir, name), 'utf8').split('\n').filter(Boolean)) {
      const { file, ms } = JSON.parse(line);
      perFile.set(file, (perFile.get(file) ?? 0) + ms);
    }
  }
  return [...perFile].map(([file, ms]) => ({ file, ms }));
}

const filters = process.argv.slice(2);
let files = [...walk(join(root, 'src'), []), ...walk(join(root, 'test'), [])].sort();
if (filters.length) files = files.filter((f) => filters.some((s) => f.includes(s)));
if (!files.length) {
  console.error('run-tests: no test files matched', filters.join(' '));
  process.exit(1);
}
const heavy = files.filter((f) => HEAVY.some((h) => f.startsWith(h)));
const light = files.filter((f) => !heavy.includes(f));
const started = Date.now();
const { code, pass, fail } = await runAll(light, heavy);
printSlowest(10);
console.log(
  `\ntests: ${pass} passed, ${fail} failed (${files.length} files in ${((Date.now() - started) / 1000).toFixed(0)} s)`,
);
rmSync(timesDir, { recursive: true, force: true });
process.exit(code || (fail ? 1 : 0));

/** The files whose tests took longest (summed top-level test time), to keep the suite in budget. */
function printSlowest(n) {
  const heavySet = new Set(heavy);
  const rows = perFileTimes().map(({ file, ms }) => ({
    file: relative(root, file),
    ms,
    phase: heavySet.has(relative(root, file)) ? 'heavy' : 'light',
  }));
  if (rows.length < 2) return;
  rows.sort((x, y) => y.ms - x.ms);
  console.log(
    "\nslowest test files (their tests' time; two files run at a time, one of them heavy):",
  );
  for (const r of rows.slice(0, n))
    console.log(`  ${(r.ms / 1000).toFixed(1).padStart(6)} s  ${r.phase}  ${r.file}`);
}
