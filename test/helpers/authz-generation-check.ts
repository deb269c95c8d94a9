/**
 * What moves the authorization generation (migration 011) and what does not, on any database:
 * every change scopes depend on moves it; activity and server status changes (every request,
 * every spawn) do not, so the scope cache keeps working under load.
 */
import assert from 'node:assert/strict';
import type { Store } from '../../src/db/index.js';

export async function checkAuthzGeneration(store: Store, tag: string): Promise<void> {
  let last = await store.authz.current();
  const moves = async (what: string, change: () => Promise<unknown>, expected = true) => {
    await change();
    const now = await store.authz.current();
    assert.equal(now !== last, expected, `${what} ${expected ? 'must' : 'must not'} move it`);
    last = now;
  };
  const ann = await store.users.create(`ann-${tag}`);
  const bob = await store.users.create(`bob-${tag}`);
  await moves('setting admin', () => store.users.setAdmin(ann.id, true));
  await moves('renaming a user', () => store.users.rename(bob.id, `bob2-${tag}`));
  await moves('activity', () => store.users.touch(ann.id, new Date()), false);
  const g = await store.groups.create(`g-${tag}`);
  await moves('adding a member', () => store.groups.addMember(g.id, ann.id));
  await moves('removing a member', () => store.groups.removeMember(g.id, ann.id));
  await moves('a new role', () => store.roles.upsert(`r-${tag}`, '', ['read:users']));
  const role = (await store.roles.all()).find((x) => x.name === `r-${tag}`)!;
  await moves('assigning a role', () => store.roles.assign(role.id, 'user', ann.id));
  await moves('unassigning a role', () => store.roles.unassign(role.id, 'user', ann.id));
  const srv = await store.servers.ensure(ann.id, 'nb');
  await moves('server status', () => store.servers.update(srv.id, { status: 'running' }), false);
  await moves('renaming a server', () => store.servers.update(srv.id, { name: 'nb2' }));
  await moves('deleting a group', () => store.groups.delete(g.id));
  await moves('deleting a user', () => store.users.delete(bob.id));
}
