import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { Store, parseDbUrl } from '../../src/db/index.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';
import { startTestHub, hubFetch } from '../helpers/test-hub.js';
import { checkAuthzGeneration } from '../helpers/authz-generation-check.js';

let pg: TestPostgres;
before(async () => {
  pg = await startTestPostgres();
});
after(() => pg?.stop());

test('PostgreSQL: the same migrations and repositories work (real Debian PostgreSQL)', async () => {
  const store = await Store.open(parseDbUrl(await pg.createDatabase('labhub_store')));
  try {
    const alice = await store.users.create('alice-pg', { admin: true });
    assert.equal(alice.admin, true);
    await store.users.create('bob-pg');
    const srv = await store.servers.ensure(alice.id, '');
    await store.servers.update(srv.id, {
      status: 'running',
      target: 'http://127.0.0.1:1',
      state: { pid: 12345, starttime: 1 },
    });
    assert.deepEqual(
      (await store.servers.active()).map((a) => a.userName),
      ['alice-pg'],
    );
    const page = await store.users.list({ offset: 0, limit: 10, sort: 'name', nameFilter: 'PG' });
    assert.deepEqual(
      page.users.map((u) => u.name),
      ['alice-pg', 'bob-pg'],
    );
    const { token } = await store.tokens.create({ userId: alice.id, scopes: ['inherit'] });
    assert.equal((await store.tokens.find(token))?.userId, alice.id);
    const g = await store.groups.create('g-pg');
    await store.groups.addMember(g.id, alice.id);
    const r = await store.roles.upsert('role-pg', '', ['read:users']);
    await store.roles.assign(r.id, 'group', g.id);
    assert.deepEqual(await store.roles.groupRolesOfUser(alice.id), ['role-pg']);
    // Native accounts, with the e-mail column of migration 004.
    const na = store.nativeAccounts;
    await na.create({
      name: 'nat-pg',
      passwordHash: 'scrypt$x',
      approved: false,
      createdAt: new Date(),
      email: 'nat@example.org',
    });
    assert.equal(await na.countPending(), 1);
    await na.rename('nat-pg', 'nat2-pg');
    assert.equal((await na.get('nat2-pg'))?.email, 'nat@example.org');
    await na.delete('nat2-pg');
    assert.equal(await na.countPending(), 0);
    // The spawn and stop path's statements compiled once (QueryShapes): compare-and-set
    // answers, the OAuth client upsert's conflict branch, the usage session.
    const s2 = await store.servers.ensure(alice.id, 'two');
    assert.equal(await store.servers.claimForSpawn(s2.id, 'r1', { userOptions: { a: 1 } }), true);
    assert.equal(await store.servers.claimForSpawn(s2.id, 'r1', {}), false);
    // A first start creates its row claimed; a second creation of the same row answers null.
    const started = new Date('2026-03-01T10:00:00Z');
    const s3 = await store.servers.createClaimed(alice.id, 'three', 'r1', {
      started,
      userOptions: { b: 2 },
    });
    assert.deepEqual(
      [s3?.status, s3?.ownerReplica, s3?.started?.getTime(), s3?.userOptions],
      ['spawning', 'r1', started.getTime(), { b: 2 }],
    );
    const again = { started, userOptions: {} };
    assert.equal(await store.servers.createClaimed(alice.id, 'three', 'r2', again), null);
    assert.equal((await store.servers.get(alice.id, 'three'))?.ownerReplica, 'r1');
    // A server's OAuth client: not taken over while the server holding its id is not stopped.
    const own = {
      id: 'c-three',
      secret: 's',
      redirectUri: '/r',
      description: 'd',
      allowedScopes: [],
    };
    assert.equal(await store.oauth.upsertServerClient({ ...own, serverId: s3!.id }), true);
    assert.equal(await store.oauth.upsertServerClient({ ...own, serverId: s3!.id }), true);
    assert.equal(await store.oauth.upsertServerClient({ ...own, serverId: s2.id }), false);
    assert.equal((await store.oauth.client('c-three'))?.serverId, s3!.id);
    await store.servers.update(s3!.id, { status: 'stopped' });
    assert.equal(await store.oauth.upsertServerClient({ ...own, serverId: s2.id }), true);
    assert.equal((await store.oauth.client('c-three'))?.serverId, s2.id);
    await store.oauth.deleteClient('c-three');
    assert.equal(await store.servers.updateIfOwner(s2.id, 'r2', { target: 'http://x' }), false);
    assert.equal(await store.servers.updateIfOwner(s2.id, 'r1', { target: 'http://y' }), true);
    assert.equal(await store.servers.finishSpawn(s2.id, 'r1', { serverVersion: '2.1' }), true);
    assert.equal(await store.servers.claimForStop(s2.id, 'spawning'), false);
    assert.equal(await store.servers.claimForStop(s2.id, 'running', 'r1'), true);
    const s2now = await store.servers.byId(s2.id);
    assert.deepEqual(
      [s2now?.status, s2now?.target, s2now?.serverVersion, s2now?.userOptions],
      ['stopping', 'http://y', '2.1', { a: 1 }],
    );
    const client = { id: 'c-pg', secret: 's1', redirectUri: '/a', description: 'd' };
    await store.oauth.upsertClient({ ...client, allowedScopes: ['x'], serverId: null });
    await store.oauth.upsertClient({ ...client, allowedScopes: ['y'], serverId: s2.id });
    const c = await store.oauth.client('c-pg');
    assert.deepEqual([c?.allowedScopes, c?.serverId], [['y'], s2.id]);
    const at = new Date().toISOString();
    const u = { serverId: s2.id, userId: alice.id, userName: 'alice-pg', serverName: 'two' };
    const sessionId = await store.usage.open({ ...u, spawner: 'local', profile: '', at });
    await store.usage.markStarted(s2.id, at, 1.5);
    assert.equal((await store.usage.openOf(s2.id))?.spawnSeconds, 1.5);
    assert.deepEqual(await store.usage.close(s2.id, { at, reason: 'stopped' }), [sessionId]);
    assert.equal(await store.usage.openOf(s2.id), null);
    assert.deepEqual(await store.usage.close(s2.id, { at, reason: 'stopped' }), []);
    await store.oauth.deleteClient('c-pg');
    // The triggers of migration 011 (statement-level on PostgreSQL).
    await checkAuthzGeneration(store, 'gen');
  } finally {
    await store.close();
  }
});

test('PostgreSQL: a hub runs on it (login, API)', async () => {
  const t = await startTestHub({
    config: { JupyterHub: { db_url: await pg.createDatabase('labhub_hub') } },
  });
  try {
    const token = await t.token('carol', { admin: true });
    const res = await hubFetch(`${t.api}/users/carol`, { token });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).admin, true);
  } finally {
    await t.stop();
  }
});
