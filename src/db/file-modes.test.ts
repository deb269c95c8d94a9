// SQLite files hold the proxy token and password hashes (audit V4): 0600 whatever the umask,
// including the -wal and -shm SQLite creates beside the database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from './index.js';
import { dbTightenedMessage } from './connection.js';
import type { Tightened } from '../security/private-files.js';

const mode = (p: string) => statSync(p).mode & 0o777;

test('under umask 022 the database, its -wal and -shm and a directory labhub creates are private', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'labhub-dbmode-'));
  const old = process.umask(0o022);
  try {
    const file = join(dir, 'new', 'hub.sqlite');
    const store = await Store.open({ kind: 'sqlite', location: file });
    await store.kv.set('proxy_auth_token', 'x'.repeat(64));
    for (const f of [file, `${file}-wal`, `${file}-shm`]) {
      assert.ok(existsSync(f), `${f} exists while the database is open`);
      assert.equal(mode(f), 0o600, f);
    }
    assert.equal(mode(join(dir, 'new')), 0o700);
    await store.close();
  } finally {
    process.umask(old);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('files left readable by others (by a process that died mid-write) are made 0600 before opening, each reported', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'labhub-dbmode-'));
  try {
    const file = join(dir, 'hub.sqlite');
    const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
    const r = spawnSync(
      'sh',
      [
        '-c',
        'umask 022 && exec "$@"',
        'sh',
        process.execPath,
        '-e',
        `const D = require(${JSON.stringify(sqlite)}); const d = new D(${JSON.stringify(file)});
         d.pragma('journal_mode = WAL'); d.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
         process.kill(process.pid, 'SIGKILL');`,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.signal, 'SIGKILL', r.stderr);
    const files = [file, `${file}-wal`, `${file}-shm`];
    for (const f of files) assert.equal(mode(f), 0o644, `precondition: ${f}`);
    chmodSync(`${file}-shm`, 0o666);
    const seen: Tightened[] = [];
    const store = await Store.open(
      { kind: 'sqlite', location: file },
      { onTightened: (t) => seen.push(t) },
    );
    await store.close();
    assert.deepEqual(
      seen.map((t) => [t.file, t.oldMode, t.newMode]),
      [
        [file, 0o644, 0o600],
        [`${file}-wal`, 0o644, 0o600],
        [`${file}-shm`, 0o666, 0o600],
      ],
    );
    for (const f of files) if (existsSync(f)) assert.equal(mode(f), 0o600, f);
    assert.match(
      dbTightenedMessage(seen[0]!),
      new RegExp(
        `^The database file ${file} was readable by other accounts \\(mode 644\\); changed it to 600\\. .*proxy API token`,
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
