/**
 * The REST API behaviour a CHP-compatible proxy must have. Run against labhub-proxy
 * (api.test.ts) and against configurable-http-proxy itself (chp-parity.test.ts), so the
 * expectations are proven to be CHP's, not ours.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startEcho, type Echo } from './echo.js';
import { startProxy, type RunningProxy } from './proxy-process.js';

export function apiSuite(
  name: string,
  command: string[] | undefined,
  skip: () => string | false = () => false,
): void {
  let echo: Echo;
  let p: RunningProxy;
  const skipReason = skip();

  before(async () => {
    if (skipReason) return;
    echo = await startEcho();
    p = await startProxy([], { command });
  });
  after(async () => {
    if (skipReason) return;
    await p?.stop();
    await echo?.close();
  });

  test(
    `${name}: empty table, then POST 201 and GET shows target, data and last_activity`,
    { skip: skipReason },
    async () => {
      let r = await p.api('GET', '');
      assert.equal(r.status, 200);
      assert.deepEqual(r.json(), {});
      const before = Date.now();
      r = await p.api('POST', '/user/alice', { target: echo.url, user: 'alice', jupyterhub: true });
      assert.equal(r.status, 201);
      r = await p.api('GET', '');
      const all = r.json() as Record<string, Record<string, unknown>>;
      assert.deepEqual(Object.keys(all), ['/user/alice']);
      assert.equal(all['/user/alice']!.target, echo.url);
      assert.equal(all['/user/alice']!.user, 'alice');
      assert.equal(all['/user/alice']!.jupyterhub, true);
      const la = Date.parse(String(all['/user/alice']!.last_activity));
      assert.ok(
        la >= before - 1000,
        `last_activity ${all['/user/alice']!.last_activity} is an ISO date near now`,
      );
    },
  );

  test(
    `${name}: GET one route; trailing slash is the same route; 404 for unknown`,
    { skip: skipReason },
    async () => {
      await p.api('POST', '/user/bob/', { target: echo.url, user: 'bob' });
      let r = await p.api('GET', '/user/bob');
      assert.equal(r.status, 200);
      assert.equal((r.json() as { target: string }).target, echo.url);
      r = await p.api('GET', '/user/bob/');
      assert.equal(r.status, 200);
      r = await p.api('GET', '/user/nobody');
      assert.equal(r.status, 404);
    },
  );

  test(
    `${name}: POST without a string target is 400; invalid JSON is 400`,
    { skip: skipReason },
    async () => {
      let r = await p.api('POST', '/user/x', { user: 'x' });
      assert.equal(r.status, 400);
      r = await p.api('POST', '/user/x', { target: 5 });
      assert.equal(r.status, 400);
      r = await p.api('POST', '/user/x', '{not json');
      assert.equal(r.status, 400);
      r = await p.api('GET', '/user/x');
      assert.equal(r.status, 404);
    },
  );

  test(`${name}: DELETE is 204, then 404`, { skip: skipReason }, async () => {
    await p.api('POST', '/user/carol', { target: echo.url });
    let r = await p.api('DELETE', '/user/carol');
    assert.equal(r.status, 204);
    r = await p.api('DELETE', '/user/carol');
    assert.equal(r.status, 404);
    r = await p.api('GET', '/user/carol');
    assert.equal(r.status, 404);
  });

  test(
    `${name}: wrong or missing token is 403 for every method`,
    { skip: skipReason },
    async () => {
      for (const m of ['GET', 'POST', 'DELETE']) {
        const r = await p.api(
          m,
          '/user/alice',
          m === 'POST' ? { target: echo.url } : undefined,
          'wrong',
        );
        assert.equal(r.status, 403, `${m} with a wrong token`);
      }
      const r = await request(`${p.apiUrl}/api/routes`);
      await r.body.text();
      assert.equal(r.statusCode, 403);
    },
  );

  test(`${name}: POST replaces a route's data`, { skip: skipReason }, async () => {
    await p.api('POST', '/user/dan', { target: echo.url, v: 1 });
    await p.api('POST', '/user/dan', { target: echo.url, v: 2 });
    const r = await p.api('GET', '/user/dan');
    const d = r.json() as Record<string, unknown>;
    assert.equal(d.v, 2);
  });

  test(
    `${name}: inactive_since filters by last_activity; bad date is 400`,
    { skip: skipReason },
    async () => {
      const past = new Date(Date.now() - 3600_000).toISOString();
      const future = new Date(Date.now() + 3600_000).toISOString();
      let r = await p.api('GET', `?inactive_since=${encodeURIComponent(past)}`);
      assert.equal(r.status, 200);
      assert.deepEqual(r.json(), {});
      r = await p.api('GET', `?inactive_since=${encodeURIComponent(future)}`);
      assert.ok(Object.keys(r.json() as object).includes('/user/alice'));
      r = await p.api('GET', '?inactive_since=not-a-date');
      assert.equal(r.status, 400);
    },
  );

  test(
    `${name}: traffic through a route bumps its last_activity`,
    { skip: skipReason },
    async () => {
      await p.api('POST', '/user/erin', { target: echo.url });
      const t0 = Date.parse(
        String(
          ((await p.api('GET', '/user/erin')).json() as { last_activity: string }).last_activity,
        ),
      );
      await new Promise((r) => setTimeout(r, 30));
      const res = await request(`${p.url}/user/erin/api/status`);
      await res.body.text();
      assert.equal(res.statusCode, 200);
      const t1 = Date.parse(
        String(
          ((await p.api('GET', '/user/erin')).json() as { last_activity: string }).last_activity,
        ),
      );
      assert.ok(t1 > t0, `last_activity moved from ${t0} to ${t1}`);
    },
  );

  test(`${name}: URL-escaped route paths are stored unescaped`, { skip: skipReason }, async () => {
    let r = await p.api('POST', '/user/a%20b', { target: echo.url });
    assert.equal(r.status, 201);
    r = await p.api('GET', '');
    assert.ok(Object.keys(r.json() as object).includes('/user/a b'));
    r = await p.api('DELETE', '/user/a%20b');
    assert.equal(r.status, 204);
  });

  test(
    `${name}: unknown API path is 404, unsupported method 405`,
    { skip: skipReason },
    async () => {
      let r = await request(`${p.apiUrl}/api/other`, {
        headers: { authorization: `token ${p.token}` },
      });
      await r.body.text();
      assert.equal(r.statusCode, 404);
      r = await request(`${p.apiUrl}/api/routes/x`, {
        method: 'PUT',
        headers: { authorization: `token ${p.token}` },
        body: '{}',
      });
      await r.body.text();
      assert.equal(r.statusCode, 405);
    },
  );

  test(
    `${name}: routes to the target with longest prefix; 404 without route; healthz`,
    { skip: skipReason },
    async () => {
      const r = await request(`${p.url}/user/alice/tree?x=1`);
      const body = (await r.body.json()) as { url: string };
      assert.equal(r.statusCode, 200);
      assert.equal(body.url, '/user/alice/tree?x=1');
      const nf = await request(`${p.url}/nowhere/at/all`);
      await nf.body.text();
      assert.equal(nf.statusCode, 404);
      const h = await request(`${p.url}/_chp_healthz`);
      assert.deepEqual(await h.body.json(), { status: 'OK' });
    },
  );
}
