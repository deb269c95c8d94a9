import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store, parseDbUrl, backupSqlite, pendingMigrations } from './index.js';
import { openDb, migrateToLatest } from './connection.js';

async function memStore() {
  return Store.open({ kind: 'sqlite', location: ':memory:' });
}

test('parseDbUrl understands JupyterHub sqlite and postgres forms', () => {
  assert.deepEqual(parseDbUrl('sqlite:///jupyterhub.sqlite', '/srv'), {
    kind: 'sqlite',
    location: '/srv/jupyterhub.sqlite',
  });
  assert.deepEqual(parseDbUrl('sqlite:////var/lib/hub.sqlite', '/srv'), {
    kind: 'sqlite',
    location: '/var/lib/hub.sqlite',
  });
  assert.deepEqual(parseDbUrl('sqlite://'), { kind: 'sqlite', location: ':memory:' });
  assert.equal(parseDbUrl('postgresql+psycopg2://u@h/db').location, 'postgresql://u@h/db');
  assert.throws(
    () => parseDbUrl('mysql://x'),
    (e: any) => e.code === 'LABHUB_ERR_CONFIG' && /db_url/.test(e.message),
  );
});

test('migrations create the schema once; a second run applies nothing; backup copies the data (with what is still in the WAL) into a 0600 file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'labhub-db-'));
  const target = parseDbUrl('sqlite:///hub.sqlite', dir);
  const db = await openDb(target);
  assert.deepEqual(await pendingMigrations(db), [
    '001-initial',
    '002-shares-services',
    '003-failure-index',
    '004-native-email',
    '005-password-change',
    '007-replicas',
  ]);
  assert.deepEqual(await migrateToLatest(db), [
    '001-initial',
    '002-shares-services',
    '003-failure-index',
    '004-native-email',
    '005-password-change',
    '007-replicas',
  ]);
  assert.deepEqual(await migrateToLatest(db), []);
  const old = process.umask(0o022);
  let bak;
  try {
    bak = await backupSqlite(target, db);
  } finally {
    process.umask(old);
  }
  await db.destroy();
  assert.ok(bak && existsSync(bak));
  assert.equal(statSync(bak).mode & 0o777, 0o600, 'the backup holds the same secrets');
  const copy = await openDb({ kind: 'sqlite', location: bak });
  assert.deepEqual(await pendingMigrations(copy), [], 'the backup has every migration');
  await copy.destroy();
});

test('users: list filters, sorts and paginates in SQL', async () => {
  const s = await memStore();
  for (const n of ['carol', 'alice', 'bob', 'Dave'.toLowerCase()]) await s.users.create(n);
  const alice = (await s.users.byName('alice'))!;
  const srv = await s.servers.ensure(alice.id, '');
  await s.servers.update(srv.id, { status: 'running', target: 'http://127.0.0.1:1' });
  await s.users.touch(alice.id, new Date('2026-01-01T00:00:00Z'));
  await s.users.touch(alice.id, new Date('2025-01-01T00:00:00Z')); // never backwards
  assert.equal(
    (await s.users.byName('alice'))!.lastActivity!.toISOString(),
    '2026-01-01T00:00:00.000Z',
  );

  const byName = await s.users.list({ offset: 0, limit: 2, sort: 'name' });
  assert.deepEqual(
    byName.users.map((u) => u.name),
    ['alice', 'bob'],
  );
  assert.equal(byName.total, 4);
  const active = await s.users.list({ offset: 0, limit: 10, state: 'active' });
  assert.deepEqual(
    active.users.map((u) => u.name),
    ['alice'],
  );
  const inactive = await s.users.list({ offset: 0, limit: 10, state: 'inactive' });
  assert.equal(inactive.total, 3);
  const filtered = await s.users.list({ offset: 0, limit: 10, nameFilter: 'AR' });
  assert.deepEqual(
    filtered.users.map((u) => u.name),
    ['carol'],
  );
  const pct = await s.users.list({ offset: 0, limit: 10, nameFilter: '%' });
  assert.equal(pct.total, 0, 'LIKE wildcards in the filter are literal');
  const byActivity = await s.users.list({
    offset: 0,
    limit: 10,
    sort: 'last_activity',
    descending: true,
  });
  assert.equal(byActivity.users[0].name, 'alice');
  assert.deepEqual(
    (await s.servers.active()).map((a) => a.userName),
    ['alice'],
  );
  await s.close();
});

test('tokens are stored hashed, found by secret, expire, and are deleted by session', async () => {
  const s = await memStore();
  const u = await s.users.create('alice');
  const { token, record } = await s.tokens.create({
    userId: u.id,
    scopes: ['inherit'],
    note: 'test',
    sessionId: 'sess1',
  });
  assert.match(token, /^[0-9a-f]{32}$/);
  const row = await s.db
    .selectFrom('api_tokens')
    .selectAll()
    .where('id', '=', record.id)
    .executeTakeFirstOrThrow();
  assert.ok(!row.hashed.includes(token), 'secret is not stored');
  assert.equal((await s.tokens.find(token))!.id, record.id);
  assert.equal(await s.tokens.find(token.slice(0, -1) + (token.endsWith('0') ? '1' : '0')), null);
  const supplied = await s.tokens.create({
    serviceName: 'culler',
    scopes: [],
    supplied: 'my-service-secret',
  });
  assert.equal((await s.tokens.find('my-service-secret'))!.id, supplied.record.id);
  const expired = await s.tokens.create({ userId: u.id, scopes: [], expiresInSeconds: -1 });
  assert.equal(await s.tokens.find(expired.token), null);
  await s.tokens.deleteForSession('sess1');
  assert.equal(await s.tokens.find(token), null);
  await s.close();
});

test('oauth codes are single use', async () => {
  const s = await memStore();
  const u = await s.users.create('alice');
  await s.oauth.upsertClient({
    id: 'jupyterhub-user-alice',
    secret: 'secretsecret',
    redirectUri: '/user/alice/oauth_callback',
    description: 'Server at /user/alice/',
    allowedScopes: [],
    serverId: null,
  });
  const c = (await s.oauth.client('jupyterhub-user-alice'))!;
  assert.ok(s.oauth.verifySecret(c, 'secretsecret'));
  assert.ok(!s.oauth.verifySecret(c, 'wrong'));
  await s.oauth.createCode('abc', {
    clientId: c.id,
    userId: u.id,
    scopes: ['x'],
    redirectUri: c.redirectUri,
    sessionId: null,
    codeChallenge: null,
    codeChallengeMethod: null,
    expiresAt: new Date(Date.now() + 300_000),
  });
  const code = (await s.oauth.findCode('abc'))!;
  assert.equal(await s.oauth.consumeCode(code.id), true);
  assert.equal(await s.oauth.consumeCode(code.id), false);
  await s.close();
});

test('groups and roles, including roles inherited through groups', async () => {
  const s = await memStore();
  const u = await s.users.create('alice');
  const g = await s.groups.create('students', { course: 'x' });
  await s.groups.addMember(g.id, u.id);
  await s.groups.addMember(g.id, u.id);
  assert.deepEqual(await s.groups.memberNames(g.id), ['alice']);
  const r = await s.roles.upsert('grader', 'd', ['read:users']);
  await s.roles.assign(r.id, 'group', g.id);
  assert.deepEqual(await s.roles.groupRolesOfUser(u.id), ['grader']);
  await s.close();
});
