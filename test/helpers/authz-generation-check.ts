/**
 * What moves the authorization generation (migration 011) and what does not, on any database:
 * every change scopes depend on moves it; activity and server status changes (every request,
 * every spawn) do not, so the scope cache keeps working under load; nor does a starting or
 * stopping server's OAuth client (migration 015).
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
  // OAuth clients (migration 015): only a change the clients' tokens can see moves it.
  const client = (serverId: number | null) => ({
    id: `jupyterhub-user-ann-${tag}-nb2`,
    secret: 'secret-of-the-server-token',
    redirectUri: '/user/ann/nb2/oauth_callback',
    description: 'Server',
    allowedScopes: ['access:servers!server=ann/nb2'],
    serverId,
  });
  const other = await store.servers.ensure(ann.id, 'other');
  await moves(
    "a starting server's new OAuth client",
    () => store.oauth.upsertClient(client(srv.id)),
    false,
  );
  await moves(
    'the same client written again (a restart)',
    () => store.oauth.upsertClient(client(srv.id)),
    false,
  );
  await store.tokens.create({ userId: ann.id, scopes: [], clientId: client(null).id });
  await moves('moving a client with tokens to another server', () =>
    store.oauth.upsertClient(client(other.id)),
  );
  await moves('deleting a client whose tokens exist', () =>
    store.oauth.deleteClient(client(null).id),
  );
  await moves('adding a client whose tokens exist', () => store.oauth.upsertClient(client(srv.id)));
  await store.tokens.deleteForClient(client(null).id);
  await moves(
    "a stopped server's client, its tokens deleted first",
    () => store.oauth.deleteClient(client(null).id),
    false,
  );
  await moves('deleting a group', () => store.groups.delete(g.id));
  await moves('deleting a user', () => store.users.delete(bob.id));
}
