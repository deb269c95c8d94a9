// A one-time password is one-time (native accounts, through the database): the login with it
// leads to /hub/new-password with no session; the new password must be new, long enough and
// confirmed; the change is single-use and completes the login; the old password then fails, and
// neither the API nor a replayed ticket gets around the change.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHub, type TestHub } from '../helpers/test-hub.js';
import { CookieClient, choosePassword } from '../helpers/cookie-client.js';
import { createInitialAdmin } from '../../src/auth/native.js';
import { PASSWORD_CHANGE_COOKIE } from '../../src/http/cookies.js';

let t: TestHub;
before(async () => {
  t = await startTestHub({
    config: {
      JupyterHub: { authenticator_class: 'native' },
      Authenticator: { allow_all: false },
    },
  });
});
after(async () => {
  await t?.stop();
});

const hasSession = (c: CookieClient) =>
  [...c.jar.keys()].some((k) => k === 'jupyterhub-session-id' || k.startsWith('jupyterhub-hub'));

/** POST the form with an XSRF token from the login page (for a ticket the GET would refuse). */
async function postNewPassword(c: CookieClient, pw: string): Promise<Response> {
  const xsrf = await c.xsrf('/hub/login');
  return c.fetch('/hub/new-password', {
    method: 'POST',
    body: new URLSearchParams({ new_password: pw, new_password_confirm: pw, _xsrf: xsrf }),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
}

async function admin(name: string): Promise<string> {
  const otp = await createInitialAdmin(t.hub.ctx.store.nativeAccounts, name);
  await t.hub.ctx.store.users.ensure(name, { admin: true });
  return otp;
}

test('the one-time password leads to the new-password page, not into the hub', async () => {
  const otp = await admin('ada');
  const c = new CookieClient(t.url);
  const res = await c.login('ada', otp, '/hub/token');
  assert.equal(res.status, 302);
  assert.equal(
    res.headers.get('location'),
    `/hub/new-password?next=${encodeURIComponent('/hub/token')}`,
  );
  const cookie = res.headers.getSetCookie().find((x) => x.startsWith(PASSWORD_CHANGE_COOKIE));
  assert.ok(cookie, 'a ticket cookie');
  assert.match(cookie, /HttpOnly/i);
  assert.match(cookie, /SameSite=Strict/i);
  assert.match(cookie, /Path=\/hub\//);
  assert.equal(hasSession(c), false, 'no session yet');
  assert.equal((await c.fetch('/hub/home')).status, 302, 'the hub still needs a login');

  const page = await c.fetch('/hub/new-password?next=%2Fhub%2Ftoken');
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /Choose a new password/);
  assert.match(html, /The password of ada was a one-time password/);
  assert.doesNotMatch(html, new RegExp(otp), 'the old password is never echoed');
});

test('the new password must match its confirmation, be long enough and differ from the old one', async () => {
  const otp = await admin('bea');
  const c = new CookieClient(t.url);
  await c.login('bea', otp);
  const mismatch = await choosePassword(c, 'bea-new-secret', 'bea-other-secret');
  assert.equal(mismatch.status, 400);
  assert.match(await mismatch.text(), /The two new passwords are different\./);
  const short = await choosePassword(c, 'short');
  assert.equal(short.status, 400);
  assert.match(await short.text(), /at least 8 characters/);
  const same = await choosePassword(c, otp);
  assert.equal(same.status, 400);
  assert.match(await same.text(), /must be different from the current one-time/);
  // Without the XSRF token: refused before anything is checked.
  const noXsrf = await c.fetch('/hub/new-password', {
    method: 'POST',
    body: new URLSearchParams({
      new_password: 'bea-new-secret',
      new_password_confirm: 'bea-new-secret',
    }),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(noXsrf.status, 403);
  // Still one-time: the old password leads to the change again.
  const again = new CookieClient(t.url);
  const res = await again.login('bea', otp);
  assert.match(res.headers.get('location') ?? '', /\/hub\/new-password$/);
});

test('choosing the new password completes the login once; the ticket cannot be replayed', async () => {
  const otp = await admin('cyd');
  const c = new CookieClient(t.url);
  await c.login('cyd', otp, '/hub/token');
  const ticket = c.jar.get(PASSWORD_CHANGE_COOKIE)!;
  const done = await choosePassword(c, 'cyd-new-secret', undefined, '/hub/token');
  assert.equal(done.status, 302);
  assert.equal(done.headers.get('location'), '/hub/token', 'on to where the login was going');
  assert.ok(hasSession(c), 'logged in');
  assert.equal(c.jar.has(PASSWORD_CHANGE_COOKIE), false, 'ticket cookie cleared');
  assert.equal((await c.fetch('/hub/home')).status, 200);

  // The same ticket again (say, a copied cookie): refused, and the password stays.
  const thief = new CookieClient(t.url);
  thief.jar.set(PASSWORD_CHANGE_COOKIE, ticket);
  assert.equal((await thief.fetch('/hub/new-password')).status, 302, 'GET → back to login');
  const replay = await postNewPassword(thief, 'thief-chosen-pw');
  assert.equal(replay.status, 403);
  assert.match(await replay.text(), /Sign in again with your current password/);
  assert.equal(hasSession(thief), false);

  const fresh = new CookieClient(t.url);
  assert.equal((await fresh.login('cyd', otp)).status, 403, 'the one-time password is used up');
  assert.equal((await fresh.login('cyd', 'thief-chosen-pw')).status, 403);
  const ok = await fresh.login('cyd', 'cyd-new-secret');
  assert.equal(ok.status, 302);
  assert.doesNotMatch(ok.headers.get('location') ?? '', /new-password/, 'no second change');
});

test('an expired ticket sends the person back to the login page', async () => {
  const otp = await admin('dee');
  const c = new CookieClient(t.url);
  await c.login('dee', otp);
  await t.hub.ctx.store.db
    .updateTable('password_change_tickets')
    .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
    .where('user_name', '=', 'dee')
    .execute();
  assert.equal((await c.fetch('/hub/new-password')).status, 302, 'GET → back to login');
  const late = await postNewPassword(c, 'dee-new-secret');
  assert.equal(late.status, 403);
  assert.match(await late.text(), /It took too long to choose a new password/);
  assert.equal(hasSession(c), false);
});

test('a one-time password buys no API token', async () => {
  const otp = await admin('eve');
  const res = await fetch(`${t.api}/users/eve/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ auth: { username: 'eve', password: otp } }),
  });
  assert.equal(res.status, 403);
  assert.match(((await res.json()) as { message: string }).message, /must be changed first/);
});

test('labhub/linux-users is refused outside PAM-as-root, with what to do', async () => {
  const token = await t.token('ada', { admin: true });
  const res = await fetch(`${t.api}/labhub/linux-users`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `token ${token}` },
    body: JSON.stringify({ usernames: ['fin'] }),
  });
  assert.equal(res.status, 400);
  assert.match(
    ((await res.json()) as { message: string }).message,
    /only with the PAM authenticator/,
  );
  assert.equal(await t.hub.ctx.store.users.byName('fin'), null, 'nothing created');
});
