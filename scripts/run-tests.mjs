#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with Node's test runner (tsx loader).
// Node 20's --test neither expands globs nor finds .ts files by itself, so we list them here.
// Two phases: fast tests two at a time, then the heavy ones (real browsers, real JupyterLab, real
// PAM users) one at a time so they do not starve each other on a 2-core machine. A final line
// sums both phases.
// Usage: node scripts/run-tests.mjs [path-substring ...]   (no argument = the whole suite)
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
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

function runPhase(files, concurrency, name) {
  return new Promise((resolve) => {
    if (!files.length) return resolve({ code: 0, pass: 0, fail: 0 });
    const args = [
      '--import',
      'tsx',
      '--test',
      `--test-concurrency=${concurrency}`,
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      `--test-reporter=${join(root, 'scripts/test-durations-reporter.mjs')}`,
      `--test-reporter-destination=${join(timesDir, name)}`,
      // A test file that leaves a server or timer open would otherwise keep its process, and so
      // the whole run, waiting forever after its tests ended.
      '--test-force-exit',
      ...files,
    ];
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: { ...process.env, LABHUB_TEST: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // The summary lines (ℹ pass N, …) can be followed by a long list of failures, so they are
    // picked up line by line as they pass, not searched for at the end.
    const counts = { pass: 0, fail: 0, cancelled: 0 };
    let partial = '';
    child.stdout.on('data', (d) => {
      process.stdout.write(d);
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^ℹ (pass|fail|cancelled) (\d+)$/.exec(line.trim());
        if (m) counts[m[1]] = Number(m[2]);
      }
    });
    child.on('close', (code) => {
      resolve({ code: code ?? 1, pass: counts.pass, fail: counts.fail + counts.cancelled });
    });
  });
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
const a = await runPhase(light, 2, 'light');
const b = await runPhase(heavy, 1, 'heavy');
const pass = a.pass + b.pass;
const fail = a.fail + b.fail;
printSlowest(10);
console.log(`\ntests: ${pass} passed, ${fail} failed`);
process.exit(a.code || b.code || (fail ? 1 : 0));

/** The files whose tests took longest (summed top-level test time), to keep the suite in budget. */
function printSlowest(n) {
  const rows = [];
  for (const phase of ['light', 'heavy']) {
    let text = '';
    try {
      text = readFileSync(join(timesDir, phase), 'utf8');
    } catch {
      continue;
    }
    const perFile = new Map();
    for (const line of text.split('\n').filter(Boolean)) {
      const { file, ms } = JSON.parse(line);
      perFile.set(file, (perFile.get(file) ?? 0) + ms);
    }
    for (const [file, ms] of perFile) rows.push({ phase, file, ms });
  }
  rmSync(timesDir, { recursive: true, force: true });
  if (rows.length < 2) return;
  rows.sort((x, y) => y.ms - x.ms);
  console.log("\nslowest test files (their tests' time; light files run two at a time):");
  for (const r of rows.slice(0, n))
    console.log(
      `  ${(r.ms / 1000).toFixed(1).padStart(6)} s  ${r.phase}  ${relative(root, r.file)}`,
    );
}
