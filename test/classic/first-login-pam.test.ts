// Under PAM as root, through a real hub and its proxy: the admin adds people with "create the
// Linux accounts with one-time passwords" (POST /hub/api/labhub/linux-users, what the admin page
// calls). Each account gets a private home and a one-time password that PAM makes the person
// change at the first login, in the hub's login flow. Without the option, a missing account is
// refused with a fix that really lets the person in. Root only; every account is removed after.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { CookieClient, choosePassword } from '../helpers/cookie-client.js';
import { systemUserEntry } from '../../src/auth/system-users.js';
import { pamCheck } from '../../src/auth/pam.js';
import { PASSWORD_CHANGE_COOKIE } from '../../src/http/cookies.js';
import { LinuxAccounts, isRootLinux, needsRoot } from '../helpers/linux-users.js';
import { recorder, startClassicHub, type ClassicHub } from './helpers.js';

const acc = new LinuxAccounts('cflog');
const passwords = new Map<string, string>();
let ADMIN = '';
let NEW1 = ''; // made by the hub (the API under test); removed with ours
let NEW2 = '';
let EXISTING = ''; // has a Linux account and password already
let MISSING = ''; // never created
const rec = recorder();
let h: ClassicHub;
let adminToken = '';
/** The one-time passwords the API returned (the second test), for the login test. */
let otps: Record<string, string> = {};

before(async () => {
  if (!isRootLinux) return;
  for (const u of [acc.user(), acc.user()]) passwords.set(u.name, u.password);
  [ADMIN, EXISTING] = [...passwords.keys()] as [string, string];
  [NEW1, NEW2, MISSING] = [acc.reserveName(), acc.reserveName(), acc.reserveName()];
  h = await startClassicHub({
    log: rec.log,
    pyLines: [
      "c.JupyterHub.authenticator_class = 'pam'",
      `c.Authenticator.admin_users = {'${ADMIN}'}`,
      'c.Authenticator.allow_all = True',
    ],
  });
  const admin = await h.hub.ctx.store.users.ensure(ADMIN, { admin: true });
  adminToken = (
    await h.hub.ctx.store.tokens.create({ userId: admin.id, scopes: ['inherit'], note: 'test' })
  ).token;
});

after(async () => {
  await h?.stop();
  if (!isRootLinux) return;
  acc.cleanup();
});

const api = (path: string, body: unknown, token = adminToken) =>
  fetch(`${h.url}/hub/api/${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `token ${token}` },
    body: JSON.stringify(body),
  });

const mustChange = (name: string) =>
  /password must be changed/.test(
    execFileSync('chage', ['-l', name], { env: { ...process.env, LANG: 'C' } }).toString(),
  );

test(
  'without the option, a missing Linux account is refused with a fix that lets the person log in',
  { skip: needsRoot },
  async () => {
    const res = await api('users', { usernames: [MISSING] });
    assert.equal(res.status, 400);
    const { message } = (await res.json()) as { message: string };
    assert.match(message, new RegExp(`The Linux user "${MISSING}" does not exist`));
    assert.ok(
      message.includes(`useradd -m ${MISSING} && chmod 700 /home/${MISSING} && passwd ${MISSING}`),
      message,
    );
    assert.match(message, /one-time passwords/);
    assert.equal(await h.hub.ctx.store.users.byName(MISSING), null);
    assert.equal(await systemUserEntry(MISSING), null, 'no account was made');
  },
);

test(
  'the admin page offers the option, and the API creates accounts with private homes and one-time passwords',
  { skip: needsRoot },
  async () => {
    const page = new CookieClient(h.url);
    assert.equal((await page.login(ADMIN, passwords.get(ADMIN)!)).status, 302);
    const html = await (await page.fetch('/hub/admin')).text();
    assert.match(html, /id="add-linux"/);
    assert.match(html, /admin-accounts\.js/);

    const res = await api('labhub/linux-users', { usernames: [NEW1, NEW2, EXISTING] });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const body = (await res.json()) as {
      users: Array<{ name: string }>;
      one_time_passwords: Record<string, string>;
      existing_linux_accounts: string[];
      failed: unknown[];
    };
    assert.deepEqual(body.users.map((u) => u.name).sort(), [EXISTING, NEW1, NEW2].sort());
    assert.deepEqual(Object.keys(body.one_time_passwords).sort(), [NEW1, NEW2].sort());
    assert.deepEqual(body.existing_linux_accounts, [EXISTING]);
    assert.deepEqual(body.failed, []);
    for (const n of [NEW1, NEW2]) {
      const e = (await systemUserEntry(n))!;
      assert.equal(statSync(e.home).mode & 0o777, 0o700, `${n}: home 0700`);
      assert.equal(mustChange(n), true, `${n}: must change at first login`);
    }
    assert.deepEqual(
      await pamCheck(EXISTING, passwords.get(EXISTING)!),
      { ok: true },
      'an existing account keeps its password',
    );
    assert.equal(mustChange(EXISTING), false);
    otps = body.one_time_passwords;

    // Names that cannot be Linux accounts: refused, nothing made. A non-admin: refused.
    const bad = await api('labhub/linux-users', { usernames: ['good1x', 'bad.name'] });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { message: string }).message, /cannot be a Linux account/);
    assert.equal(await systemUserEntry('good1x'), null);
    const user = await h.hub.ctx.store.tokens.create({
      userId: (await h.hub.ctx.store.users.byName(EXISTING))!.id,
      scopes: ['inherit'],
      note: 'test',
    });
    assert.equal(
      (await api('labhub/linux-users', { usernames: [MISSING] }, user.token)).status,
      403,
    );
  },
);

test(
  'the first login with the one-time password asks for a new Linux password; then the login completes',
  { skip: needsRoot },
  async () => {
    const otp = otps[NEW1];
    assert.ok(otp, 'the previous test made the account');

    // A wrong password on that account gets the usual refusal, and no ticket.
    const wrong = new CookieClient(h.url);
    const w = await wrong.login(NEW1, `${otp}x`);
    assert.equal(w.status, 403);
    assert.equal(wrong.jar.has(PASSWORD_CHANGE_COOKIE), false);

    const c = new CookieClient(h.url);
    const first = await c.login(NEW1, otp);
    assert.equal(first.status, 302);
    assert.match(first.headers.get('location') ?? '', /\/hub\/new-password$/);
    assert.ok(c.jar.has(PASSWORD_CHANGE_COOKIE));
    assert.equal(c.jar.has('jupyterhub-session-id'), false, 'no session before the change');

    const chosen = `chosen-${randomBytes(4).toString('hex')}-pw`;
    const done = await choosePassword(c, chosen);
    assert.equal(done.status, 302);
    assert.ok(c.jar.has('jupyterhub-session-id'), 'logged in');
    assert.equal((await c.fetch('/hub/home')).status, 200);
    assert.equal(mustChange(NEW1), false, 'the Linux password is no longer one-time');
    assert.deepEqual(await pamCheck(NEW1, chosen), { ok: true }, 'the new Linux password');
    assert.equal((await pamCheck(NEW1, otp)).ok, false, 'the one-time password is gone');

    const again = new CookieClient(h.url);
    const r = await again.login(NEW1, chosen);
    assert.equal(r.status, 302);
    assert.doesNotMatch(r.headers.get('location') ?? '', /new-password/);
    assert.ok(rec.lines.some((l) => l.msg.includes(`${NEW1} chose a new password`)));
  },
);
