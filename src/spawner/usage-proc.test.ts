import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cgroupUsage, localServerUsage, procSnapshot, treeUsage } from './usage-proc.js';

// A "server" whose child (a kernel stand-in) burns CPU and holds 64 MiB, then says so.
const KERNEL = `const b = Buffer.alloc(64 * 1048576, 1); const t = process.cpuUsage(); while ((process.cpuUsage(t).user) < 300000) {} console.log('ready', b.length); setInterval(() => {}, 1000);`;
const SERVER = `const c = require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(KERNEL)}], { stdio: ['ignore', 'inherit', 'inherit'] }); setInterval(() => {}, 1000);`;

test('the /proc reading counts the whole process tree of a server (its kernel too)', async () => {
  const server = spawn(process.execPath, ['-e', SERVER], {
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve) => server.stdout!.once('data', () => resolve()));
    const u = localServerUsage(server.pid!, []);
    assert.ok(u, 'the server is found');
    assert.equal(u.source, 'proc');
    assert.ok(u.cpuSeconds >= 0.3, `the kernel's CPU counts (${u.cpuSeconds} s)`);
    assert.ok(u.memoryBytes >= 64 * 1048576, `the kernel's memory counts (${u.memoryBytes})`);
    // The server process alone is much less: the tree is what is measured.
    const snap = procSnapshot({ fresh: true });
    const own = snap.byPid.get(server.pid!)!;
    assert.ok(own.rssPages * 4096 < 64 * 1048576);
    assert.equal(treeUsage(snap, 999_999_999), null, 'an unknown pid is null');
  } finally {
    process.kill(-server.pid!, 'SIGKILL');
  }
});

test('a cgroup v2 directory is read from cpu.stat and memory.current', () => {
  const dir = mkdtempSync(join(tmpdir(), 'labhub-cg-'));
  try {
    writeFileSync(
      join(dir, 'cpu.stat'),
      'usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n',
    );
    writeFileSync(join(dir, 'memory.current'), '123456789\n');
    assert.deepEqual(cgroupUsage(dir), {
      cpuSeconds: 2.5,
      memoryBytes: 123456789,
      source: 'cgroup',
    });
    assert.deepEqual(localServerUsage(999_999_999, [dir])?.source, 'cgroup');
    assert.equal(cgroupUsage(join(dir, 'missing')), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
