import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHub } from '../helpers/test-hub.js';
import { CookieClient, choosePassword } from '../helpers/cookie-client.js';
import { createInitialAdmin } from '../../src/auth/native.js';

const form = (o: Record<string, string>) => ({
  method: 'POST',
  body: new URLSearchParams(o),
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
});

test('native accounts: first admin with a one-time password, sign-up, approval, change password', async () => {
  const t = await startTestHub({
    config: {
      JupyterHub: { authenticator_class: 'native' },
      NativeAuthenticator: { open_signup: true },
      Authenticator: { allow_all: false },
    },
  });
  try {
    const store = t.hub.ctx.store;
    const otp = await createInitialAdmin(store.nativeAccounts, 'root-admin');
    await store.users.ensure('root-admin', { admin: true });
    const admin = new CookieClient(t.url);
    assert.equal((await admin.login('root-admin', 'wrong-password')).status, 403);
    const first = await admin.login('root-admin', otp);
    assert.equal(first.status, 302, 'the one-time password is right…');
    assert.match(
      first.headers.get('location') ?? '',
      /\/hub\/new-password$/,
      '…but must be changed',
    );
    assert.equal((await choosePassword(admin, 'root-admin-secret')).status, 302);

    // A person signs up; until approved, they cannot sign in.
    const carol = new CookieClient(t.url);
    const xsrf = await carol.xsrf('/hub/signup');
    const signup = await carol.fetch(
      '/hub/signup',
      form({
        username: 'Carol',
        password: 'carol-secret-1',
        password_confirm: 'carol-secret-1',
        _xsrf: xsrf,
      }),
    );
    assert.equal(signup.status, 200);
    assert.match(await signup.text(), /administrator must approve/i);
    assert.equal((await carol.login('carol', 'carol-secret-1')).status, 403);

    // The admin approves on /hub/signups (XSRF-protected form).
    const page = await admin.fetch('/hub/signups');
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /carol/);
    const adminXsrf = /<meta name="xsrf" content="([^"]+)"/.exec(html)![1];
    assert.equal(
      (await admin.fetch('/hub/signups', form({ name: 'carol' }))).status,
      403,
      'no XSRF token → refused',
    );
    const approve = await admin.fetch('/hub/signups', form({ name: 'carol', _xsrf: adminXsrf }));
    assert.equal(approve.status, 200);
    assert.equal(
      (await carol.login('carol', 'carol-secret-1')).status,
      302,
      'approved → can sign in',
    );

    // A non-admin cannot approve.
    assert.equal((await carol.fetch('/hub/signups')).status, 403);

    // Change password: wrong current password refused, right one works, the new one logs in.
    const cx = await carol.xsrf('/hub/change-password');
    assert.equal(
      (
        await carol.fetch(
          '/hub/change-password',
          form({
            current_password: 'nope',
            new_password: 'carol-secret-2',
            new_password_confirm: 'carol-secret-2',
            _xsrf: cx,
          }),
        )
      ).status,
      403,
    );
    assert.equal(
      (
        await carol.fetch(
          '/hub/change-password',
          form({
            current_password: 'carol-secret-1',
            new_password: 'carol-secret-2',
            new_password_confirm: 'carol-secret-2',
            _xsrf: cx,
          }),
        )
      ).status,
      200,
    );
    const again = new CookieClient(t.url);
    assert.equal((await again.login('carol', 'carol-secret-1')).status, 403);
    assert.equal((await again.login('carol', 'carol-secret-2')).status, 302);
  } finally {
    await t.stop();
  }
});
