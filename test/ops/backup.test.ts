// labhub backup / restore: a backup taken while the hub runs, restored into a fresh directory,
// gives a hub where the old session cookie, an old API token and a new login all work (SQLite and
// a real PostgreSQL); restore never overwrites; and the upgrade roll-back path (backup → a newer
// schema the old labhub refuses → restore the backup → the hub starts as it was).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestHub, type ConfigObject } from '../helpers/test-hub.js';
import { CookieClient } from '../helpers/cookie-client.js';
import { startTestPostgres } from '../helpers/postgres.js';
import { runBackup, runRestore } from '../../src/cli/backup.js';
import { openDb, parseDbUrl } from '../../src/db/connection.js';
import { sql } from 'kysely';

const quiet = { out: () => {} };

/** A hub on `dbUrl`/`secret` with ada logged in and a token of hers. */
async function hubWithSession(jh: Record<string, unknown>) {
  const t = await startTestHub({ config: { JupyterHub: jh } as ConfigObject });
  const c = new CookieClient(t.url);
  assert.equal((await c.login('ada')).status, 302);
  const token = await t.token('ada');
  return { t, jar: new Map(c.jar), token };
}

/** The restored hub knows ada's session and token, and a new login works. */
async function assertRestored(
  jh: Record<string, unknown>,
  jar: Map<string, string>,
  token: string,
) {
  const t = await startTestHub({ config: { JupyterHub: jh } as ConfigObject });
  try {
    const r = await fetch(`${t.api}/user`, { headers: { authorization: `token ${token}` } });
    assert.equal(r.status, 200, 'the old API token works');
    assert.equal(((await r.json()) as { name: string }).name, 'ada');
    const old = new CookieClient(t.url);
    for (const [k, v] of jar) old.jar.set(k, v);
    const home = await old.fetch('/hub/home');
    assert.equal(home.status, 200, 'the old session cookie still logs ada in');
    assert.match(await home.text(), /ada/);
    assert.equal((await new CookieClient(t.url).login('ada')).status, 302, 'a new login works');
  } finally {
    await t.stop();
  }
}

test('SQLite: backup while running, restore into a fresh directory, log in; restore refuses to overwrite', async () => {
  const a = mkdtempSync(join(tmpdir(), 'labhub-bk-a-'));
  const b = mkdtempSync(join(tmpdir(), 'labhub-bk-b-'));
  try {
    writeFileSync(
      join(a, 'labhub.yaml'),
      'JupyterHub:\n  db_url: sqlite:///hub.sqlite\n  cookie_secret_file: cookie_secret\n',
    );
    const { t, jar, token } = await hubWithSession({
      db_url: `sqlite:///${a}/hub.sqlite`,
      cookie_secret_file: join(a, 'cookie_secret'),
    });
    const file = join(a, 'backup.tar.gz');
    try {
      await runBackup('backup.tar.gz', { cwd: a, ...quiet }); // online: the hub keeps running
    } finally {
      await t.stop();
    }
    assert.equal(statSync(file).mode & 0o777, 0o600);
    await runRestore(file, { cwd: b, ...quiet });
    for (const n of ['labhub.yaml', 'hub.sqlite', 'cookie_secret'])
      assert.equal(statSync(join(b, n)).mode & 0o777, 0o600, n);
    assert.equal(
      readFileSync(join(b, 'cookie_secret'), 'utf8'),
      readFileSync(join(a, 'cookie_secret'), 'utf8'),
    );
    await assertRestored(
      { db_url: `sqlite:///${b}/hub.sqlite`, cookie_secret_file: join(b, 'cookie_secret') },
      jar,
      token,
    );
    const before = statSync(join(b, 'hub.sqlite')).mtimeMs;
    await assert.rejects(
      runRestore(file, { cwd: b, ...quiet }),
      /already exists: restore never overwrites/,
    );
    assert.equal(statSync(join(b, 'hub.sqlite')).mtimeMs, before);
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
});

test('upgrade roll-back: a database from a newer labhub is refused; restoring the backup taken before the upgrade brings the hub back', async () => {
  const a = mkdtempSync(join(tmpdir(), 'labhub-rb-'));
  try {
    writeFileSync(
      join(a, 'labhub.yaml'),
      'JupyterHub:\n  db_url: sqlite:///hub.sqlite\n  cookie_secret_file: cookie_secret\n',
    );
    const jh = {
      db_url: `sqlite:///${a}/hub.sqlite`,
      cookie_secret_file: join(a, 'cookie_secret'),
    };
    const { t, jar, token } = await hubWithSession(jh);
    await t.stop();
    await runBackup('before-upgrade.tar.gz', { cwd: a, ...quiet });
    // The "upgrade": a migration this labhub does not know (as a newer labhub's upgrade-db leaves).
    const db = await openDb(parseDbUrl(jh.db_url));
    await sql`insert into labhub_migrations (name, timestamp) values ('999_from_the_future', '2099-01-01T00:00:00Z')`.execute(
      db,
    );
    await db.destroy();
    await assert.rejects(
      startTestHub({ config: { JupyterHub: jh } }),
      /999_from_the_future|newer|unknown|migration/i,
    );
    // Roll back as docs/operations.md says: move the upgraded files aside, restore the backup.
    renameSync(join(a, 'hub.sqlite'), join(a, 'hub.sqlite.upgraded'));
    for (const x of ['-wal', '-shm']) rmSync(join(a, `hub.sqlite${x}`), { force: true });
    await runRestore('before-upgrade.tar.gz', { cwd: a, ...quiet }); // same config and secret: kept
    assert.ok(existsSync(join(a, 'hub.sqlite')));
    await assertRestored(jh, jar, token);
  } finally {
    rmSync(a, { recursive: true, force: true });
  }
});

test('PostgreSQL: pg_dump backup, pg_restore into a new database, log in; a database with a hub in it is refused', async () => {
  const pg = await startTestPostgres();
  const a = mkdtempSync(join(tmpdir(), 'labhub-bk-pga-'));
  const b = mkdtempSync(join(tmpdir(), 'labhub-bk-pgb-'));
  try {
    const urlA = await pg.createDatabase('labhub_bk_a');
    const urlB = await pg.createDatabase('labhub_bk_b');
    writeFileSync(
      join(a, 'labhub.yaml'),
      `JupyterHub:\n  db_url: ${urlA}\n  cookie_secret_file: cookie_secret\n`,
    );
    const { t, jar, token } = await hubWithSession({
      db_url: urlA,
      cookie_secret_file: join(a, 'cookie_secret'),
    });
    try {
      await runBackup('pg.tar.gz', { cwd: a, ...quiet });
    } finally {
      await t.stop();
    }
    writeFileSync(
      join(b, 'labhub.yaml'),
      `JupyterHub:\n  db_url: ${urlB}\n  cookie_secret_file: cookie_secret\n`,
    );
    await runRestore(join(a, 'pg.tar.gz'), { cwd: b, config: 'labhub.yaml', ...quiet });
    await assertRestored(
      { db_url: urlB, cookie_secret_file: join(b, 'cookie_secret') },
      jar,
      token,
    );
    await assert.rejects(
      runRestore(join(a, 'pg.tar.gz'), { cwd: b, config: 'labhub.yaml', ...quiet }),
      /already holds a labhub hub/,
    );
  } finally {
    pg.stop();
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
});
