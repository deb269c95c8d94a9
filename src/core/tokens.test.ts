import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../db/index.js';
import { silentLogger } from '../log.js';
import { isHubError } from '../errors.js';
import { Permissions } from './rbac/permissions.js';
import { TokenService, parseTokenId } from './tokens.js';

async function setup(maxSeconds = 0) {
  const store = await Store.open({ kind: 'sqlite', location: ':memory:' });
  const permissions = new Permissions(store, silentLogger(), {
    loadRoles: [
      {
        name: 'reader',
        description: '',
        scopes: ['read:users'],
        users: [],
        groups: [],
        services: [],
      },
    ],
    extraUserScopes: [],
    customScopes: {},
  });
  await permissions.init();
  const tokens = new TokenService({
    tokens: store.tokens,
    permissions,
    settings: { tokenExpiresInMaxSeconds: maxSeconds },
  });
  return { store, tokens, permissions };
}

/** Runs `f` and returns the HubError it throws (status and message). */
async function refusal(f: () => Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await f();
  } catch (e) {
    assert.ok(isHubError(e), `expected a HubError, got ${String(e)}`);
    return { status: e.status, message: e.userMessage };
  }
  assert.fail('expected a refusal');
}

const secondsLeft = (d: Date | null) => (d ? Math.round((d.getTime() - Date.now()) / 1000) : null);

test('without token_expires_in_max_seconds a token without expires_in never expires', async () => {
  const { store, tokens } = await setup(0);
  const alice = await store.users.create('alice');
  const { record, token } = await tokens.issue(alice, { note: 'n', expiresIn: null });
  assert.equal(record.expiresAt, null);
  assert.deepEqual(record.scopes, ['inherit']);
  assert.ok(token.length >= 32);
});

test('token_expires_in_max_seconds gives a token without expires_in the maximum and refuses more', async () => {
  const { store, tokens } = await setup(3600);
  const alice = await store.users.create('alice');
  const { record } = await tokens.issue(alice, { note: '', expiresIn: null });
  const left = secondsLeft(record.expiresAt)!;
  assert.ok(left > 3500 && left <= 3600, `expires in ${left} s`);
  const shorter = await tokens.issue(alice, { note: '', expiresIn: 60 });
  assert.ok(secondsLeft(shorter.record.expiresAt)! <= 60);
  const r = await refusal(() => tokens.issue(alice, { note: '', expiresIn: 3601 }));
  assert.equal(r.status, 400);
  assert.match(r.message, /expires_in 3601 exceeds the maximum of 3600 seconds/);
  assert.equal((await store.tokens.forUser(alice.id)).length, 2);
});

test('unknown scopes and unknown roles are a 400 naming them; roles expand to their scopes', async () => {
  const { store, tokens } = await setup();
  const admin = await store.users.create('boss', { admin: true });
  assert.equal(
    (await refusal(() => tokens.issue(admin, { note: '', expiresIn: null, scopes: ['read:usr'] })))
      .status,
    400,
  );
  const r = await refusal(() =>
    tokens.issue(admin, { note: '', expiresIn: null, roles: ['no-such-role'] }),
  );
  assert.deepEqual(r, { status: 400, message: "Unknown role 'no-such-role'" });
  const { record } = await tokens.issue(admin, { note: '', expiresIn: null, roles: ['reader'] });
  assert.deepEqual(record.scopes, ['read:users']);
});

test('a token never holds more than its owner, nor more than a requester acting for the owner', async () => {
  const { store, tokens, permissions } = await setup();
  const alice = await store.users.create('alice');
  const r = await refusal(() =>
    tokens.issue(alice, { note: '', expiresIn: null, scopes: ['admin:users'] }),
  );
  assert.equal(r.status, 400);
  assert.match(r.message, /Not assigning requested scopes .*admin:users.* not held by user alice/);
  const admin = await store.users.create('boss', { admin: true });
  const service = { kind: 'service' as const, name: 'svc', scopes: new Set(['read:users']) };
  const r2 = await refusal(() =>
    tokens.issue(admin, { note: '', expiresIn: null, scopes: ['admin:users'] }, service),
  );
  assert.match(r2.message, /not held by service svc/);
  const ok = await tokens.issue(
    admin,
    { note: '', expiresIn: null, scopes: ['read:users'] },
    { kind: 'user', name: 'boss', scopes: await permissions.userScopes(admin) },
  );
  assert.deepEqual(ok.record.scopes, ['read:users']);
});

test("a user's token is found and revoked by a<id>; another user's or a malformed id is a 404", async () => {
  const { store, tokens } = await setup();
  const alice = await store.users.create('alice');
  const bob = await store.users.create('bob');
  const { record } = await tokens.issue(alice, { note: 'mine', expiresIn: null });
  assert.equal((await tokens.get(alice, `a${record.id}`)).note, 'mine');
  assert.equal((await refusal(() => tokens.get(bob, `a${record.id}`))).status, 404);
  for (const raw of ['1', 'a0', 'a99999999999', 'ax']) assert.throws(() => parseTokenId(raw));
  await tokens.revoke(alice, `a${record.id}`);
  assert.deepEqual(await tokens.list(alice), []);
});
