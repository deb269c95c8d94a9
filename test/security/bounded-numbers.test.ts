/**
 * Audit R1 (BAD-1) and R2 (BAD-8): numbers and dates from requests that do not fit a JavaScript
 * Date or an SQL integer are a 400 naming the field, not a 500 (`RangeError: Invalid time value`,
 * SQLite `datatype mismatch`). Every place the REST API takes a number or a date is tried.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hubFetch, startTestHub, type TestHub } from '../helpers/test-hub.js';
import { assertError, call, PAGINATION, type ApiReply } from '../api/helpers.js';

let t: TestHub;
let admin: string;

before(async () => {
  t = await startTestHub({
    config: { JupyterHub: { allow_named_servers: true }, Authenticator: { allow_all: true } },
  });
  admin = await t.token('root', { admin: true });
  await t.token('alice');
  await call(t, 'POST', '/groups/team', { token: admin });
  // A server record for alice/gpu, for share codes and activity.
  const u = await t.hub.ctx.store.users.byName('alice');
  await t.hub.ctx.store.servers.ensure(u!.id, 'gpu');
});
after(async () => {
  await t?.stop();
});

/** 400, JupyterHub's error shape, and a message that names the field. */
function assertBad(r: ApiReply, field: RegExp, where: string): void {
  assert.notEqual(r.status, 500, `${where}: 500 ${r.text.slice(0, 200)}`);
  assertError(r, 400, field);
  assert.equal(r.body.code, 'LABHUB_ERR_BAD_REQUEST', where);
}

const HUGE_NUMBERS = [9000000000000, 1e300, -1, 0, 1.5, '3600', true, [], {}];

describe('token lifetimes (R1)', () => {
  test('POST /users/{name}/tokens refuses expires_in that is huge, negative, fractional or not a number, with a 400 that says the range', async () => {
    for (const expires_in of HUGE_NUMBERS) {
      const r = await call(t, 'POST', '/users/alice/tokens', {
        token: admin,
        body: { expires_in },
      });
      assertBad(r, /^expires_in must be an integer from 1 to \d+/, `expires_in ${expires_in}`);
    }
    // A raw 1e300 (JSON.stringify would write it the same way) and a 400-digit integer.
    for (const raw of ['{"expires_in": 1e300}', `{"expires_in": 9${'0'.repeat(400)}}`]) {
      const res = await hubFetch(`${t.api}/users/alice/tokens`, {
        method: 'POST',
        token: admin,
        headers: { 'Content-Type': 'application/json' },
        body: raw,
      });
      const text = await res.text();
      assertBad(
        { status: res.status, headers: res.headers, text, body: JSON.parse(text) },
        /^expires_in must be an integer/,
        raw.slice(0, 30),
      );
    }
    const ok = await call(t, 'POST', '/users/alice/tokens', {
      token: admin,
      body: { expires_in: 100 * 365 * 86400 },
    });
    assert.equal(ok.status, 201, ok.text);
    assert.match(ok.body.expires_at, /^2\d{3}-/);
    const never = await call(t, 'POST', '/users/alice/tokens', {
      token: admin,
      body: { expires_in: null },
    });
    assert.equal(never.status, 201, never.text);
    assert.equal(never.body.expires_at, null);
  });

  test('POST /share-codes/{owner}/{server} refuses huge and non-number expires_in with a 400', async () => {
    for (const expires_in of [9000000000000, 1e300, -1, '3600', 59.5]) {
      const r = await call(t, 'POST', '/share-codes/alice/gpu', {
        token: admin,
        body: { expires_in },
      });
      assertBad(r, /^expires_in must be an integer from 60 to /, `share code ${expires_in}`);
    }
  });

  test('token and share code ids beyond an SQL integer are unknown (404), not a database error', async () => {
    for (const id of ['a99999999999999999999', 'a2147483648', 'a0'])
      assertError(
        await call(t, 'GET', `/users/alice/tokens/${id}`, { token: admin }),
        404,
        /No such token/,
      );
    assertError(
      await call(t, 'DELETE', '/share-codes/alice/gpu?id=sc_99999999999999999999', {
        token: admin,
      }),
      404,
    );
  });
});

describe('pagination (R2)', () => {
  const LISTS = [
    '/users',
    '/groups',
    '/shares/alice',
    '/share-codes/alice',
    '/users/alice/shared',
    '/groups/team/shared',
  ];

  test('offset or limit above an SQL integer, or not an integer, is a 400 on every paginated list', async () => {
    for (const path of LISTS)
      for (const q of [
        'offset=99999999999999999999',
        'limit=99999999999999999999',
        'offset=-99999999999999999999',
        'offset=2147483648',
        'offset=1e20',
        'limit=1.5',
      ])
        for (const headers of [{}, { Accept: PAGINATION }] as Array<Record<string, string>>) {
          const r = await call(t, 'GET', `${path}?${q}`, { token: admin, headers });
          assertBad(r, /^(offset|limit) must be an integer from/, `${path}?${q}`);
        }
  });

  test('the largest accepted offset answers an empty page', async () => {
    const r = await call(t, 'GET', '/users?offset=2147483647', {
      token: admin,
      headers: { Accept: PAGINATION },
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.items, []);
  });

  test('GET /labhub/spawn-failures limit must be a small integer', async () => {
    for (const q of ['limit=99999999999999999999', 'limit=1e2', 'limit=0', 'limit=x'])
      assertBad(
        await call(t, 'GET', `/labhub/spawn-failures?${q}`, { token: admin }),
        /^limit must be an integer from 1 to 200/,
        q,
      );
  });
});

describe('activity timestamps (R1)', () => {
  test('timestamps outside years 0001-9999, impossible dates or other formats are a 400 naming the field', async () => {
    const bad = [
      '+275760-09-13T00:00:00Z',
      '-000001-01-01T00:00:00Z',
      '0000-01-01T00:00:00Z',
      '2026-02-30T00:00:00Z',
      'March 7, 2026',
      '1',
      1e300,
      9000000000000,
      null,
    ];
    for (const v of bad) {
      const user = await call(t, 'POST', '/users/alice/activity', {
        token: admin,
        body: { last_activity: v },
      });
      assertBad(user, /^last_activity/, `last_activity ${v}`);
      const server = await call(t, 'POST', '/users/alice/activity', {
        token: admin,
        body: { servers: { gpu: { last_activity: v } } },
      });
      assertBad(server, /^servers\['gpu'\]\.last_activity/, `servers.gpu ${v}`);
    }
    const ok = await call(t, 'POST', '/users/alice/activity', {
      token: admin,
      body: { last_activity: '0001-01-01T00:00:00.000000Z' },
    });
    assert.equal(ok.status, 200, ok.text);
  });
});
