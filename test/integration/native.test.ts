/**
 * The native authenticator over real sockets, trait by trait, with NativeAuthenticator's meaning:
 * enable_signup, open_signup, ask_email_on_signup, check_common_password, allowed_failed_logins
 * with seconds_before_next_try, and the admins' approval page (/hub/signups).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestHub, type TestHub } from '../helpers/test-hub.js';
import { CookieClient, choosePassword } from '../helpers/cookie-client.js';
import { createInitialAdmin } from '../../src/auth/native.js';
import { hashPassword } from '../../src/auth/password-hash.js';

const form = (o: Record<string, string>) => ({
  method: 'POST',
  body: new URLSearchParams(o),
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
});

/** Posts the sign-up form as a browser would (with the page's XSRF token). */
async function signup(
  c: CookieClient,
  username: string,
  password: string,
  extra: Record<string, string> = {},
): Promise<{ status: number; html: string }> {
  const xsrf = await c.xsrf('/hub/signup');
  const res = await c.fetch(
    '/hub/signup',
    form({ username, password, password_confirm: password, _xsrf: xsrf, ...extra }),
  );
  return { status: res.status, html: await res.text() };
}

const alertText = (html: string) =>
  (/<div class="alert[^"]*" role="(?:alert|status)">([^<]*)</.exec(html)?.[1] ?? '').trim();

/** The first admin, as `labhub --admin NAME` makes it: an approved account with a one-time password. */
async function adminClient(t: TestHub, name: string): Promise<CookieClient> {
  const otp = await createInitialAdmin(t.hub.ctx.store.nativeAccounts, name);
  await t.hub.ctx.store.users.ensure(name, { admin: true });
  const c = new CookieClient(t.url);
  const first = await c.login(name, otp);
  assert.match(first.headers.get('location') ?? '', /\/hub\/new-password$/, 'it must be changed');
  assert.equal((await choosePassword(c, `${name}-new-secret`)).status, 302);
  return c;
}

test('enable_signup false: no sign-up page (a 404 that says why), no link on the login page', async () => {
  const t = await startTestHub({
    config: {
      JupyterHub: { authenticator_class: 'native' },
      NativeAuthenticator: { enable_signup: false, open_signup: true },
    },
  });
  try {
    const c = new CookieClient(t.url);
    const login = await (await c.fetch('/hub/login')).text();
    assert.doesNotMatch(login, /href="\/hub\/signup"/);
    const page = await c.fetch('/hub/signup');
    assert.equal(page.status, 404);
    assert.match(await page.text(), /Sign-up is turned off on this hub\. Ask an administrator/);
    const xsrf = await c.xsrf('/hub/login');
    const post = await c.fetch(
      '/hub/signup',
      form({
        username: 'eve',
        password: 'eve-pass-123',
        password_confirm: 'eve-pass-123',
        _xsrf: xsrf,
      }),
    );
    assert.equal(post.status, 404);
    assert.equal(await t.hub.ctx.store.nativeAccounts.get('eve'), null, 'no account was made');
  } finally {
    await t.stop();
  }
});

test('open_signup true: a sign-up logs in at once; check_common_password refuses "password" with a clear message', async () => {
  const t = await startTestHub({
    config: {
      JupyterHub: { authenticator_class: 'native' },
      NativeAuthenticator: {
        open_signup: true,
        check_common_password: true,
        minimum_password_length: 6,
      },
    },
  });
  try {
    const c = new CookieClient(t.url);
    assert.match(await (await c.fetch('/hub/login')).text(), /href="\/hub\/signup"/);
    for (const pw of ['password', 'Password', '12345678', 'qwerty123', 'iloveyou']) {
      const r = await signup(c, 'olga', pw);
      assert.equal(r.status, 400, pw);
      assert.equal(
        alertText(r.html),
        'This password is too common: it is on a list of often-used passwords. Choose another one.',
      );
      assert.match(r.html, /value="olga"/, 'the name is kept for the next try');
    }
    const short = await signup(c, 'olga', 'ab1');
    assert.equal(short.status, 400);
    assert.equal(alertText(short.html), 'The password must be at least 6 characters long.');
    const ok = await signup(c, 'Olga', 'violet-harbour-29');
    assert.equal(ok.status, 200);
    assert.equal(alertText(ok.html), 'Your account was created. You can sign in now.');
    const res = await new CookieClient(t.url).login('olga', 'violet-harbour-29');
    assert.equal(res.status, 302, 'no approval needed with open_signup');
    // Changing to a common password is refused too.
    const home = new CookieClient(t.url);
    await home.login('olga', 'violet-harbour-29');
    const xsrf = await home.xsrf('/hub/change-password');
    const change = await home.fetch(
      '/hub/change-password',
      form({
        current_password: 'violet-harbour-29',
        new_password: 'letmein',
        new_password_confirm: 'letmein',
        _xsrf: xsrf,
      }),
    );
    assert.equal(change.status, 400);
    assert.match(await change.text(), /too common/);
  } finally {
    await t.stop();
  }
});

let hub: TestHub;
before(async () => {
  hub = await startTestHub({
    config: {
      JupyterHub: { authenticator_class: 'native' },
      Authenticator: { admin_users: ['chief'] },
      NativeAuthenticator: {
        ask_email_on_signup: true,
        allowed_failed_logins: 3,
        seconds_before_next_try: 2,
      },
    },
  });
});
after(async () => {
  await hub?.stop();
});

test('open_signup false: a sign-up awaits approval, the admin approves it on the page linked from the admin panel, then login works', async () => {
  const admin = await adminClient(hub, 'root-admin');
  const carol = new CookieClient(hub.url);
  const r = await signup(carol, 'Carol', 'carol-secret-1', { email: 'carol@example.org' });
  assert.equal(r.status, 200);
  assert.equal(
    alertText(r.html),
    'Your account was created. An administrator must approve it before you can sign in.',
  );
  const refused = await carol.login('carol', 'carol-secret-1');
  assert.equal(refused.status, 403);
  assert.equal(
    alertText(await refused.text()),
    'Your account is waiting for an administrator’s approval. You can sign in once it is approved.',
  );
  const wrong = await carol.login('carol', 'not-her-password');
  assert.equal(alertText(await wrong.text()), 'Invalid username or password.');

  // The admin panel links to the approvals with the number waiting.
  const panel = await (await admin.fetch('/hub/admin')).text();
  assert.match(
    panel,
    /<a href="\/hub\/signups" id="signups-link">1 sign-up awaiting approval<\/a>/,
  );
  // NativeAuthenticator's address for the page still leads there.
  const old = await admin.fetch('/hub/authorize');
  assert.equal(old.status, 302);
  assert.equal(old.headers.get('location'), '/hub/signups');

  const page = await admin.fetch('/hub/signups');
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /<tr data-signup="carol">/);
  assert.match(html, /carol@example\.org/, 'the admin sees the address');
  const xsrf = /<meta name="xsrf" content="([^"]+)"/.exec(html)![1]!;
  assert.equal(
    (await admin.fetch('/hub/signups', form({ name: 'carol', action: 'approve' }))).status,
    403,
    'no XSRF token → refused',
  );
  assert.equal((await carol.fetch('/hub/signups')).status, 302, 'anonymous → login page');
  const approve = await admin.fetch(
    '/hub/signups',
    form({ name: 'carol', action: 'approve', _xsrf: xsrf }),
  );
  assert.equal(approve.status, 200);
  assert.equal(alertText(await approve.text()), 'Approved carol: they can sign in now.');
  assert.equal((await carol.login('carol', 'carol-secret-1')).status, 302, 'approved → signs in');
  assert.equal((await carol.fetch('/hub/signups')).status, 403, 'a non-admin cannot approve');
  assert.match(
    await (await admin.fetch('/hub/admin')).text(),
    /id="signups-link">Sign-ups: none awaiting approval</,
  );
});

test('the admin discards a sign-up: the account is gone and the name is free again', async () => {
  const admin = await adminClient(hub, 'root-admin2');
  const c = new CookieClient(hub.url);
  await signup(c, 'spam', 'spam-pass-77', { email: 'spam@example.org' });
  const xsrf = await admin.xsrf('/hub/signups');
  const res = await admin.fetch(
    '/hub/signups',
    form({ name: 'spam', action: 'discard', _xsrf: xsrf }),
  );
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.equal(alertText(html), 'Discarded the sign-up of spam.');
  assert.doesNotMatch(html, /data-signup="spam"/);
  assert.equal(await hub.hub.ctx.store.nativeAccounts.get('spam'), null);
  assert.equal((await hub.hub.ctx.store.users.byName('spam')) ?? null, null);
  assert.equal((await signup(c, 'spam', 'spam-pass-78', { email: 's@example.org' })).status, 200);
  const carolAgain = await admin.fetch(
    '/hub/signups',
    form({ name: 'carol', action: 'discard', _xsrf: xsrf }),
  );
  assert.equal(carolAgain.status, 409, 'an approved account is not discarded (delete the user)');
});

test('names in admin_users are approved at sign-up, as in NativeAuthenticator', async () => {
  const c = new CookieClient(hub.url);
  const r = await signup(c, 'chief', 'chief-pass-42', { email: 'chief@example.org' });
  assert.equal(alertText(r.html), 'Your account was created. You can sign in now.');
  assert.equal((await c.login('chief', 'chief-pass-42')).status, 302);
  assert.equal((await hub.hub.ctx.store.users.byName('chief'))?.admin, true);
});

test('ask_email_on_signup: the form asks for the address; a missing or malformed one is refused', async () => {
  const c = new CookieClient(hub.url);
  const form0 = await (await c.fetch('/hub/signup')).text();
  assert.match(form0, /<input id="email" name="email" type="email"[^>]* required/);
  const none = await signup(c, 'dave', 'dave-pass-123');
  assert.equal(none.status, 400);
  assert.equal(alertText(none.html), 'Enter your e-mail address.');
  const bad = await signup(c, 'dave', 'dave-pass-123', { email: 'dave at home' });
  assert.equal(bad.status, 400);
  assert.equal(
    alertText(bad.html),
    'The e-mail address is not valid: it must look like name@example.org.',
  );
  assert.match(bad.html, /value="dave at home"/, 'what was typed is kept');
  const ok = await signup(c, 'dave', 'dave-pass-123', { email: 'dave@example.org' });
  assert.equal(ok.status, 200);
  assert.equal((await hub.hub.ctx.store.nativeAccounts.get('dave'))?.email, 'dave@example.org');
});

test('allowed_failed_logins locks an account after 3 failures for seconds_before_next_try, also for unknown names', async () => {
  const store = hub.hub.ctx.store.nativeAccounts;
  await store.create({
    name: 'frank',
    passwordHash: await hashPassword('frank-pass-1'),
    approved: true,
    createdAt: new Date(),
  });
  await hub.hub.ctx.store.users.ensure('frank');
  const c = new CookieClient(hub.url);
  for (const name of ['frank', 'nobody-here']) {
    for (let i = 0; i < 3; i++) {
      const r = await c.login(name, 'wrong-password');
      assert.equal(r.status, 403, `${name} failure ${i + 1}`);
      assert.equal(alertText(await r.text()), 'Invalid username or password.');
    }
    const locked = await c.login(name, name === 'frank' ? 'frank-pass-1' : 'wrong-password');
    assert.equal(locked.status, 429, `${name} is locked, even with the right password`);
    const retry = Number(locked.headers.get('retry-after'));
    assert.ok(retry >= 1 && retry <= 2, `Retry-After ${retry}`);
    assert.match(
      alertText(await locked.text()),
      /^Too many failed login attempts\. Try again in [12] seconds?\.$/,
    );
  }
  await sleep(2100);
  assert.equal((await c.login('frank', 'frank-pass-1')).status, 302, 'the lock is over');
  const row = await store.get('frank');
  assert.equal(row?.failedLogins, 0);
  assert.equal(row?.lockedUntil, null);
});

test('an admin sets a user’s password on /hub/change-password/<name>, which also lifts a lockout', async () => {
  const store = hub.hub.ctx.store.nativeAccounts;
  await store.create({
    name: 'jo',
    passwordHash: await hashPassword('jo-pass-1'),
    approved: true,
    createdAt: new Date(),
  });
  await hub.hub.ctx.store.users.ensure('jo');
  const jo = new CookieClient(hub.url);
  for (let i = 0; i < 3; i++) await jo.login('jo', 'forgotten');
  assert.equal((await jo.login('jo', 'jo-pass-1')).status, 429, 'locked');

  const admin = await adminClient(hub, 'root-admin3');
  // The form on /hub/signups leads to the user's page.
  const go = await admin.fetch('/hub/change-password?user=jo');
  assert.equal(go.status, 302);
  assert.equal(go.headers.get('location'), '/hub/change-password/jo');
  const page = await (await admin.fetch('/hub/change-password/jo')).text();
  assert.match(page, /<h1 id="cp-title">Set the password of jo<\/h1>/);
  assert.doesNotMatch(page, /current_password/, 'an admin needs no current password');
  const xsrf = /<meta name="xsrf" content="([^"]+)"/.exec(page)![1]!;
  const set = (pw: string, x = xsrf) =>
    admin.fetch(
      '/hub/change-password/jo',
      form({ new_password: pw, new_password_confirm: pw, _xsrf: x }),
    );
  assert.equal((await set('short')).status, 400);
  const ok = await set('jo-new-pass-2');
  assert.equal(ok.status, 200);
  assert.equal(
    alertText(await ok.text()),
    'The password of jo was changed; it also unlocks the account.',
  );
  assert.equal((await new CookieClient(hub.url).login('jo', 'jo-new-pass-2')).status, 302);
  assert.equal((await admin.fetch('/hub/change-password/nobody')).status, 404);
  const joSession = new CookieClient(hub.url);
  await joSession.login('jo', 'jo-new-pass-2');
  assert.equal((await joSession.fetch('/hub/change-password/jo')).status, 403, 'admins only');
});

test('a deleted user loses the native account (a re-added name does not open with the old password); a renamed one keeps it', async () => {
  const token = await hub.token('root-admin', { admin: true });
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${hub.api}/${path}`, {
      ...init,
      headers: { Authorization: `token ${token}`, 'Content-Type': 'application/json' },
    });
  const store = hub.hub.ctx.store.nativeAccounts;
  for (const name of ['gina', 'hal'])
    await store.create({
      name,
      passwordHash: await hashPassword(`${name}-pass-1`),
      approved: true,
      createdAt: new Date(),
    });
  for (const name of ['gina', 'hal']) await hub.hub.ctx.store.users.ensure(name);
  assert.equal((await new CookieClient(hub.url).login('gina', 'gina-pass-1')).status, 302);

  assert.equal((await api('users/gina', { method: 'DELETE' })).status, 204);
  assert.equal(await store.get('gina'), null);
  assert.equal((await api('users/gina', { method: 'POST' })).status, 201, 're-added');
  assert.equal((await new CookieClient(hub.url).login('gina', 'gina-pass-1')).status, 403);

  const renamed = await api('users/hal', {
    method: 'PATCH',
    body: JSON.stringify({ name: 'hal9' }),
  });
  assert.equal(renamed.status, 200);
  assert.equal(await store.get('hal'), null);
  assert.equal((await new CookieClient(hub.url).login('hal9', 'hal-pass-1')).status, 302);
  // A pending sign-up holding the new name blocks the rename with a clear 409.
  await signup(new CookieClient(hub.url), 'ivy', 'ivy-pass-123', { email: 'ivy@example.org' });
  const blocked = await api('users/hal9', {
    method: 'PATCH',
    body: JSON.stringify({ name: 'ivy' }),
  });
  assert.equal(blocked.status, 409);
  assert.match(
    ((await blocked.json()) as { message: string }).message,
    /Discard it on \/hub\/signups/,
  );
  assert.ok(await hub.hub.ctx.store.users.byName('hal9'), 'nothing was renamed');
});
