import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RouteBatcher } from './route-batcher.js';
import type { Proxy, RouteToAdd } from '../../proxy/types.js';
import type { JsonObject } from '../../util/json.js';

/** A proxy that records its calls; `refuse` makes any call carrying that spec fail. */
function fakeProxy(opts: { batches: boolean; refuse?: string }) {
  const calls: Array<{ kind: 'one' | 'batch'; specs: string[] }> = [];
  const table = new Map<string, string>();
  const check = (spec: string) => {
    if (spec === opts.refuse) throw new Error(`refused ${spec}`);
  };
  const proxy: Proxy = {
    addRoute(spec: string, target: string, _data: JsonObject) {
      calls.push({ kind: 'one', specs: [spec] });
      return Promise.resolve().then(() => {
        check(spec);
        table.set(spec, target);
      });
    },
    deleteRoute: () => Promise.resolve(),
    getAllRoutes: () => Promise.resolve(new Map()),
  };
  if (opts.batches)
    proxy.addRoutes = (routes: ReadonlyArray<RouteToAdd>) => {
      calls.push({ kind: 'batch', specs: routes.map((r) => r.spec) });
      return Promise.resolve().then(() => {
        for (const r of routes) check(r.spec);
        for (const r of routes) table.set(r.spec, r.target);
      });
    };
  return { proxy, calls, table };
}

const route = (i: number): RouteToAdd => ({
  spec: `/user/u${i}/`,
  target: `http://127.0.0.1:${9000 + i}`,
  data: { user: `u${i}`, server_name: '' },
});

test('concurrent additions go to a batching proxy together, each caller settled', async () => {
  const { proxy, calls, table } = fakeProxy({ batches: true });
  const b = new RouteBatcher(proxy);
  await Promise.all(Array.from({ length: 50 }, (_, i) => b.add(route(i))));
  assert.equal(table.size, 50);
  assert.deepEqual(
    calls.map((c) => c.kind),
    ['batch'],
    'the 50 additions of one turn are one batch',
  );
  assert.equal(calls[0]!.specs.length, 50);
});

test('a lone addition is one single-route request', async () => {
  const { proxy, calls, table } = fakeProxy({ batches: true });
  const b = new RouteBatcher(proxy);
  await b.add(route(1));
  await b.add(route(2));
  assert.deepEqual(calls, [
    { kind: 'one', specs: ['/user/u1/'] },
    { kind: 'one', specs: ['/user/u2/'] },
  ]);
  assert.equal(table.size, 2);
});

test('additions made while batches are in flight form the next batch', async () => {
  const { proxy, calls } = fakeProxy({ batches: true });
  const release: Array<() => void> = [];
  const addRoutes = proxy.addRoutes!;
  proxy.addRoutes = async (routes) => {
    await new Promise<void>((r) => release.push(r));
    return addRoutes(routes);
  };
  const b = new RouteBatcher(proxy);
  const first = [b.add(route(1)), b.add(route(2))];
  await new Promise((r) => setImmediate(r));
  const second = [b.add(route(3)), b.add(route(4))];
  await new Promise((r) => setImmediate(r));
  const third = [b.add(route(5)), b.add(route(6)), b.add(route(7))];
  await new Promise((r) => setImmediate(r));
  assert.equal(release.length, 2, 'two batches in flight at most');
  release.shift()!();
  await Promise.all(first);
  await new Promise((r) => setImmediate(r));
  release.shift()!();
  release.shift()!();
  await Promise.all([...second, ...third]);
  assert.deepEqual(
    calls.map((c) => c.specs.length),
    [2, 2, 3],
    'the third turn waited for a free slot, then went as one batch',
  );
});

test('a refused route fails only its own caller; the others are added', async () => {
  const { proxy, table } = fakeProxy({ batches: true, refuse: '/user/u3/' });
  const b = new RouteBatcher(proxy);
  const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => b.add(route(i))));
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
  );
  assert.match(String((results[3] as PromiseRejectedResult).reason), /refused \/user\/u3\//);
  assert.equal(table.size, 5);
});

test('a proxy without batches gets one request per route', async () => {
  const { proxy, calls, table } = fakeProxy({ batches: false });
  const b = new RouteBatcher(proxy);
  await Promise.all(Array.from({ length: 5 }, (_, i) => b.add(route(i))));
  assert.equal(table.size, 5);
  assert.ok(calls.every((c) => c.kind === 'one'));
});
