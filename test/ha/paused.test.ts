// A hub replica paused (SIGSTOP) longer than replica_timeout while it starts a server is taken for
// dead: another replica adopts the spawn and finishes it. When the paused one wakes up, its own
// spawn must not undo that — before, it marked the row stopped, removed the route and killed the
// server the adopter now drove (or, had the adopter launched a process of its own, left that
// one running under a stopped row). docs/high-availability.md, "Adoption".
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { health, serverPids, startCluster, waitFor, type TestCluster } from './helpers.js';

let c: TestCluster | undefined;

before(async () => {
  c = await startCluster({
    prefix: 'hp',
    proxies: [['--engine', 'node']],
    replicas: ['a', 'b'],
    users: 1,
    heartbeat: 0.5,
    timeout: 3,
    startDelay: 3,
  });
});

after(async () => {
  for (const h of c?.hubs ?? []) if (h.child.exitCode === null) h.child.kill('SIGCONT');
  await c?.stop();
});

test('a replica that wakes up after its spawn was adopted leaves the server to the adopter', async () => {
  const { store, hubs, auth, proxies } = c!;
  const u = c!.users[0]!;
  const uid = (await store.users.byName(u))!.id;
  // The follower starts the server (the leader adopts it: no lease to wait for).
  const [leader, follower] = (await health(hubs[0]!))!.leader
    ? [hubs[0]!, hubs[1]!]
    : [hubs[1]!, hubs[0]!];
  const fid = (await health(follower))!.id;
  const lid = (await health(leader))!.id;
  const posting = fetch(`${follower.hubUrl}/hub/api/users/${u}/server`, {
    method: 'POST',
    headers: auth,
    signal: AbortSignal.timeout(60_000),
  }).catch(() => null);
  // Launched (its pid saved), not listening yet: the stand-in sleeps 3 s first.
  await waitFor(`${u} spawning on the follower with a saved pid`, 10_000, async () => {
    const rec = await store.servers.get(uid, '');
    return rec?.status === 'spawning' &&
      rec.ownerReplica === fid &&
      typeof rec.state.pid === 'number'
      ? rec
      : undefined;
  });
  follower.child.kill('SIGSTOP');
  const adopted = await waitFor(`${u} running, adopted by the leader`, 30_000, async () => {
    const r = await store.servers.get(uid, '');
    return r?.status === 'running' && r.ownerReplica === lid ? r : undefined;
  });
  const pids = serverPids(u);
  assert.equal(pids.length, 1, 'one server process');
  follower.child.kill('SIGCONT');
  // The woken replica's spawn ends: either it leaves the server (the fix) or tears it down.
  const outcome = await waitFor('the woken replica to finish its spawn', 30_000, async () => {
    if (/was taken over by replica .*leaving it to it/.test(follower.output())) return 'left';
    const r = await store.servers.get(uid, '');
    return r?.status !== 'running' || r.ownerReplica !== lid ? `row ${r?.status}` : undefined;
  });
  await posting;
  const rec = await store.servers.get(uid, '');
  assert.equal(outcome, 'left', `the woken replica tore the adopted server down (${outcome})`);
  assert.equal(rec?.status, 'running');
  assert.equal(rec?.ownerReplica, lid);
  assert.equal(rec?.target, adopted.target);
  assert.deepEqual(serverPids(u), pids, 'the same server process, still running');
  const via = await fetch(`${proxies[0]!.url}/user/${u}/api`);
  assert.equal(via.status, 200, 'the server answers through the proxy');
});
