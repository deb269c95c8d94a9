import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../db/index.js';
import { isHubError } from '../errors.js';
import { GroupService, checkGroupName } from './groups.js';

async function setup() {
  const store = await Store.open({ kind: 'sqlite', location: ':memory:' });
  return { store, groups: new GroupService(store) };
}

async function refusal(f: () => unknown): Promise<{ status: number; message: string }> {
  try {
    await f();
  } catch (e) {
    assert.ok(isHubError(e), `expected a HubError, got ${String(e)}`);
    return { status: e.status, message: e.userMessage };
  }
  assert.fail('expected a refusal');
}

test('group names with "/" or "!", a leading space, or over 255 characters are a 400', async () => {
  for (const bad of ['a/b', 'a!b', ' a', '', 'x'.repeat(256)])
    assert.equal((await refusal(() => checkGroupName(bad))).status, 400, bad);
  checkGroupName('team 1');
});

test('creating groups: with members, 409 when any exists (nothing created), 404 for an unknown one', async () => {
  const { store, groups } = await setup();
  const alice = await store.users.create('alice');
  const [team] = await groups.create(['team'], [alice]);
  assert.deepEqual((await groups.view(team!)).users, ['alice']);
  const r = await refusal(() => groups.create(['new', 'team']));
  assert.deepEqual(r, { status: 409, message: 'Group team already exists' });
  assert.equal(await store.groups.byName('new'), null);
  assert.equal((await refusal(() => groups.get('nope'))).status, 404);
});

test('members must be existing users, named in a list; unknown ones are named in the 400', async () => {
  const { store, groups } = await setup();
  const alice = await store.users.create('alice');
  assert.deepEqual(await groups.existingUsers(undefined, false), []);
  assert.equal((await refusal(() => groups.existingUsers(undefined, true))).status, 400);
  assert.equal((await refusal(() => groups.existingUsers('alice', false))).status, 400);
  const r = await refusal(() => groups.existingUsers(['alice', 'ghost'], true));
  assert.match(r.message, /Unknown users: ghost\. Create them first/);
  const [g] = await groups.create(['g']);
  await groups.addMembers(g!, await groups.existingUsers(['alice', 'alice'], true));
  assert.deepEqual((await groups.view(g!)).users, ['alice']);
  await groups.removeMembers(g!, [alice]);
  assert.deepEqual((await groups.view(g!)).users, []);
});

test('group properties must be a JSON object; the new ones replace the old', async () => {
  const { groups } = await setup();
  const [g] = await groups.create(['g']);
  for (const bad of [null, undefined, [1], 'x', 3])
    assert.match(
      (await refusal(() => groups.setProperties(g!, bad))).message,
      /must be a JSON object/,
    );
  const updated = await groups.setProperties(g!, { gpu: true });
  assert.deepEqual(updated.properties, { gpu: true });
  assert.deepEqual((await groups.get('g')).properties, { gpu: true });
  const page = await groups.list(0, 10, ['g', 'other']);
  assert.deepEqual([page.total, page.groups.map((x) => x.name)], [1, ['g']]);
});
