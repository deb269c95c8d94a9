import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT, startTestHub, type TestHub } from '../helpers/test-hub.js';
import { assertError, call, readEvents, until } from './helpers.js';

/** Fast, slow (user names slow*) and failing (fail*) fake single-user servers. */
const FIXTURE = join(ROOT, 'test/api/fixtures/slow-server.mjs');
const spawner = {
  cmd: [process.execPath, FIXTURE],
  http_timeout: 60,
  start_timeout: 60,
  environment: { FIXTURE_DELAY_MS: '11000' },
};

describe('servers API (named servers on, concurrent_spawn_limit 1)', () => {
  let t: TestHub;
  let admin: string;
  before(async () => {
    t = await startTestHub({
      config: {
        JupyterHub: {
          allow_named_servers: true,
          named_server_limit_per_user: 2,
          concurrent_spawn_limit: 1,
        },
        Spawner: spawner,
      },
    });
    admin = await t.token('root', { admin: true });
    await call(t, 'POST', '/users', {
      token: admin,
      body: { usernames: ['ann', 'slowpoke', 'failer', 'idle'] },
    });
  });
  after(async () => {
    await t.stop();
  });

  it('slow spawn: 202 after slow_spawn_timeout, 202 again while pending, 429 + Retry-After at the spawn limit, progress stream to ready', async () => {
    const first = call(t, 'POST', '/users/slowpoke/server', { token: admin });
    await until(
      async () =>
        (await call(t, 'GET', '/users/slowpoke', { token: admin })).body.pending === 'spawn',
      'slowpoke pending spawn',
    );
    const model = (await call(t, 'GET', '/users/slowpoke/server', { token: admin })).body;
    assert.deepEqual(
      [model.ready, model.pending, model.stopped, model.progress_url],
      [false, 'spawn', false, '/hub/api/users/slowpoke/server/progress'],
    );

    const again = await call(t, 'POST', '/users/slowpoke/server', { token: admin });
    assert.equal(again.status, 202, 'already pending: 202');
    assert.equal(again.text, '');

    const throttled = await call(t, 'POST', '/users/ann/server', { token: admin });
    assertError(throttled, 429, /Try again/, 'LABHUB_ERR_TOO_MANY_REQUESTS');
    assert.match(throttled.headers.get('retry-after') ?? '', /^\d+$/);
    assert.equal(
      (await call(t, 'GET', '/users/ann', { token: admin })).body.pending,
      null,
      'a throttled start leaves nothing pending',
    );

    const stream = readEvents(t, '/users/slowpoke/server/progress', admin);
    const r = await first;
    assert.equal(r.status, 202, `not ready within 10 s: 202 (${r.text})`);
    assert.equal(r.headers.get('content-type')?.split(';')[0], 'text/plain');
    assert.equal(r.text, '');

    const { status, contentType, events, raw } = await stream;
    assert.equal(status, 200);
    assert.equal(contentType?.split(';')[0], 'text/event-stream');
    assert.match(raw, /^data: \{.*\}\n\n/, 'each event is one data: line and a blank line');
    assert.deepEqual(events[0], { progress: 0, message: 'Server requested' });
    assert.deepEqual(events.at(-1), {
      progress: 100,
      ready: true,
      message: 'Server ready at /user/slowpoke/',
      html_message: 'Server ready at <a href="/user/slowpoke/">/user/slowpoke/</a>',
      url: '/user/slowpoke/',
    });
    assert.equal(events.filter((e) => e.ready).length, 1);
    for (const e of events.slice(0, -1))
      assert.equal(e.ready, undefined, 'no ready key before the end');

    const done = await readEvents(t, '/users/slowpoke/server/progress', admin);
    assert.deepEqual(
      done.events.map((e) => e.ready),
      [true],
      'already ready: a single ready event',
    );
    const ready = await call(t, 'GET', '/users/slowpoke', { token: admin });
    assert.equal(ready.body.servers[''].ready, true);
    assertError(
      await call(t, 'POST', '/users/slowpoke/server', { token: admin }),
      400,
      /already running/,
    );
    assert.equal((await call(t, 'DELETE', '/users/slowpoke/server', { token: admin })).status, 204);
  });

  it('spawn failure: 500 with the reason, then a single failed progress event; never started → 400 not starting', async () => {
    const r = await call(t, 'POST', '/users/failer/server', { token: admin });
    assertError(r, 500, /exited with status 3/);
    const { events } = await readEvents(t, '/users/failer/server/progress', admin);
    assert.equal(events.length, 1);
    assert.equal(events[0].failed, true);
    assert.equal(events[0].progress, 100);
    assert.match(events[0].message, /^Spawn failed: .*exited with status 3/);
    assertError(
      await call(t, 'GET', '/users/idle/server/progress', { token: admin }),
      400,
      /idle is not starting/,
    );
    assertError(await call(t, 'GET', '/users/idle/servers/nope/progress', { token: admin }), 404);
    assertError(await call(t, 'GET', '/users/ghost/server/progress', { token: admin }), 404);
    assertError(
      await call(t, 'GET', '/users/idle/server/progress', { token: await t.token('ann') }),
      404,
      /No access/,
    );
  });

  it('PUT creates a named server without starting it: 201; 409 default/exists; 400 invalid name/limit/fields', async () => {
    const r = await call(t, 'PUT', '/users/ann/servers/nb1', {
      token: admin,
      body: { display_name: 'Notebook one', user_options: { size: 'S' } },
    });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(
      [r.body.name, r.body.display_name, r.body.ready, r.body.stopped, r.body.pending, r.body.url],
      ['nb1', 'Notebook one', false, true, null, '/user/ann/nb1/'],
    );
    assert.deepEqual(r.body.user_options, { size: 'S' });
    assert.equal(r.body.progress_url, '/hub/api/users/ann/servers/nb1/progress');
    assert.equal(
      (await call(t, 'GET', '/users/ann', { token: admin })).body.pending,
      null,
      'not started',
    );
    assertError(
      await call(t, 'PUT', '/users/ann/servers/nb1', { token: admin, body: {} }),
      409,
      /already has a server/,
    );
    assertError(
      await call(t, 'PUT', '/users/ann/servers/', { token: admin, body: {} }),
      409,
      /default server/,
    );
    assertError(
      await call(t, 'PUT', '/users/ann/servers/bad%20name', { token: admin, body: {} }),
      400,
      /Invalid server name/,
    );
    assertError(
      await call(t, 'PUT', '/users/ann/servers/nb9', { token: admin, body: { colour: 1 } }),
      400,
      /Unknown server fields/,
    );
    assertError(
      await call(t, 'PUT', '/users/ann/servers/nb9', { token: admin, body: { user_options: [1] } }),
      400,
      /JSON object/,
    );
    assert.equal((await call(t, 'PUT', '/users/ann/servers/nb2', { token: admin })).status, 201);
    assertError(
      await call(t, 'PUT', '/users/ann/servers/nb3', { token: admin }),
      400,
      /maximum of 2 named servers/,
    );
    assertError(
      await call(t, 'POST', '/users/ann/servers/nb3', { token: admin }),
      400,
      /maximum of 2 named servers/,
    );
    assertError(await call(t, 'PUT', '/users/ghost/servers/x', { token: admin }), 404);
    assertError(
      await call(t, 'PUT', '/users/ann/servers/x', { token: await t.token('idle') }),
      404,
      /No access/,
    );
  });

  it('PATCH renames / changes a stopped named server: 200; 400 no or unknown fields / active; 404; 409', async () => {
    const r = await call(t, 'PATCH', '/users/ann/servers/nb1', {
      token: admin,
      body: { name: 'nb1r', display_name: 'Renamed', user_options: { size: 'L' } },
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(
      [r.body.name, r.body.display_name, r.body.user_options, r.body.url],
      ['nb1r', 'Renamed', { size: 'L' }, '/user/ann/nb1r/'],
    );
    assertError(await call(t, 'GET', '/users/ann/servers/nb1', { token: admin }), 404);
    assert.equal(
      (await call(t, 'GET', '/users/ann/servers/nb1r', { token: admin })).body.display_name,
      'Renamed',
    );
    assertError(
      await call(t, 'PATCH', '/users/ann/servers/nb1r', { token: admin, body: {} }),
      400,
      /Nothing to change/,
    );
    assertError(
      await call(t, 'PATCH', '/users/ann/servers/nb1r', { token: admin, body: { colour: 'red' } }),
      400,
      /Unknown server fields/,
    );
    assertError(
      await call(t, 'PATCH', '/users/ann/servers/nb1r', { token: admin, body: { name: 'nb2' } }),
      409,
    );
    assertError(
      await call(t, 'PATCH', '/users/ann/servers/nb1r', { token: admin, body: { name: 'no way' } }),
      400,
      /Invalid server name/,
    );
    assertError(
      await call(t, 'PATCH', '/users/ann/servers/ghost', {
        token: admin,
        body: { display_name: 'x' },
      }),
      404,
    );

    // Start it (6.0 body: display_name + user_options), then it can no longer be changed.
    const start = await call(t, 'POST', '/users/ann/servers/nb1r', {
      token: admin,
      body: { display_name: 'Running', user_options: { size: 'M' } },
    });
    assert.equal(start.status, 201, start.text);
    const running = (await call(t, 'GET', '/users/ann/servers/nb1r', { token: admin })).body;
    assert.deepEqual(
      [running.ready, running.display_name, running.user_options],
      [true, 'Running', { size: 'M' }],
    );
    assertError(
      await call(t, 'PATCH', '/users/ann/servers/nb1r', {
        token: admin,
        body: { display_name: 'x' },
      }),
      400,
      /running; stop it/,
    );

    // Stop with remove deletes the named server; remove on the default server is refused.
    assertError(
      await call(t, 'DELETE', '/users/ann/server', { token: admin, body: { remove: true } }),
      400,
      /Cannot remove the default server/,
    );
    assert.equal(
      (await call(t, 'DELETE', '/users/ann/servers/nb1r', { token: admin, body: { remove: true } }))
        .status,
      204,
    );
    assertError(await call(t, 'GET', '/users/ann/servers/nb1r', { token: admin }), 404);
    assertError(await call(t, 'DELETE', '/users/ann/servers/nb1r', { token: admin }), 404);
    assertError(await call(t, 'DELETE', '/users/ghost/server', { token: admin }), 404);
    // Pre-6.0 body: the whole body is user_options.
    assert.equal(
      (await call(t, 'POST', '/users/ann/servers/nb2', { token: admin, body: { size: 'XL' } }))
        .status,
      201,
    );
    assert.deepEqual(
      (await call(t, 'GET', '/users/ann/servers/nb2', { token: admin })).body.user_options,
      { size: 'XL' },
    );
    assert.equal((await call(t, 'DELETE', '/users/ann/servers/nb2', { token: admin })).status, 204);
    const stopped = (await call(t, 'GET', '/users/ann/servers/nb2', { token: admin })).body;
    assert.deepEqual(
      [stopped.stopped, stopped.ready],
      [true, false],
      'stop without remove keeps the server',
    );
  });
});

describe('servers API (named servers off, active_server_limit 1)', () => {
  let t: TestHub;
  let admin: string;
  before(async () => {
    t = await startTestHub({
      config: { JupyterHub: { active_server_limit: 1 }, Spawner: spawner },
    });
    admin = await t.token('root', { admin: true });
    await call(t, 'POST', '/users', { token: admin, body: { usernames: ['xa', 'xb'] } });
  });
  after(async () => {
    await t.stop();
  });

  it('named-server routes answer 400 when allow_named_servers is off', async () => {
    for (const [m, body] of [
      ['PUT', {}],
      ['POST', undefined],
      ['DELETE', undefined],
    ] as const) {
      assertError(
        await call(t, m, '/users/xa/servers/nb', { token: admin, body }),
        400,
        /Named servers are not enabled/,
      );
    }
    assertError(await call(t, 'POST', '/users/ghost/server', { token: admin }), 404);
  });

  it('active_server_limit → 429 with Retry-After', async () => {
    assert.equal((await call(t, 'POST', '/users/xa/server', { token: admin })).status, 201);
    const r = await call(t, 'POST', '/users/xb/server', { token: admin });
    assertError(r, 429, /Active user limit \(1\)/, 'LABHUB_ERR_TOO_MANY_REQUESTS');
    assert.match(r.headers.get('retry-after') ?? '', /^\d+$/);
    assert.equal((await call(t, 'DELETE', '/users/xa/server', { token: admin })).status, 204);
    assert.equal(
      (await call(t, 'POST', '/users/xb/server', { token: admin })).status,
      201,
      'room again after a stop',
    );
    assert.equal((await call(t, 'DELETE', '/users/xb/server', { token: admin })).status, 204);
  });
});
