#!/usr/bin/env node
// Screenshots of every page labhub shows, in English and Chinese, light and dark, on a desktop
// and (for a few pages) a phone, written to docs/screenshots/<page>-<lang>-<theme>-<device>.png.
// The PNG files are git-ignored (docs/screenshots/*.png); docs/screenshots/README.md lists them.
//
// Usage: npm run build && node scripts/screenshots.mjs [--out DIR] [--only SUBSTRING]
// Needs: Chromium at /usr/bin/chromium (or LABHUB_CHROMIUM); a CJK font for the Chinese pages
// (Debian: apt-get install fonts-noto-cjk). Starts two real hubs on free loopback ports (the
// test helpers, loaded through tsx) with the slow stand-in single-user server; no network.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const argOf = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const OUT = argOf('--out') ?? join(ROOT, 'docs/screenshots');
const ONLY = argOf('--only');

if (!existsSync(join(ROOT, 'dist/proxy'))) {
  console.error(
    'screenshots: dist/ is missing; run `npm run build` first (the hub starts its proxy from dist/).',
  );
  process.exit(1);
}
let cjk = '';
try {
  cjk = execFileSync('fc-list', [':lang=zh', 'family'], { encoding: 'utf8' }).trim();
} catch {
  cjk = '';
}
if (!cjk) {
  console.warn(
    'screenshots: WARNING: no font with Chinese glyphs was found, so the zh screenshots will show boxes.',
  );
  console.warn('screenshots: install one first: apt-get install fonts-noto-cjk');
}

register();
const { startUiHub } = await import('../test/ui/ui-hub.ts');
const { openPerson, login, DESKTOP, PHONE } = await import('../test/ui/ui.ts');
const { createInitialAdmin } = await import('../src/auth/native.ts');

mkdirSync(OUT, { recursive: true });
const written = [];

async function shot(page, name, lang, theme, device) {
  const base = `${name}-${lang}-${theme}-${device}`;
  if (ONLY && !base.includes(ONLY)) return;
  // Relative times and fonts settle after load; wait until the fonts are ready.
  await page.evaluate(() => document.fonts.ready.then(() => true));
  const file = join(OUT, `${base}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
  written.push(file);
}

async function api(hub, token, method, path, body) {
  const res = await fetch(`${hub.api}/${path}`, {
    method,
    headers: { Authorization: `token ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok && res.status !== 404)
    throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? null : res.json().catch(() => null);
}

async function waitFor(check, what) {
  for (let i = 0; i < 300; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`screenshots: timed out waiting for ${what}`);
}

const serverOf = async (hub, token, user, name) =>
  (await api(hub, token, 'GET', `users/${user}`)).servers?.[name];

// ---- hub 1: dummy authenticator, named servers, a small class of users ----
const hub = await startUiHub({
  JupyterHub: { named_server_limit_per_user: 5 },
  Spawner: {
    profile_list: [
      {
        display_name: 'Small (1 CPU, 2 GB)',
        slug: 'small',
        description: 'For homework and reading data',
        default: true,
      },
      {
        display_name: 'GPU (4 CPU, 16 GB, 1 GPU)',
        slug: 'gpu',
        description: 'For training models',
      },
    ],
  },
});
const release = [];
try {
  const root = await hub.token('root', { admin: true });
  await api(hub, root, 'POST', 'users', {
    usernames: ['alice', 'bob', 'carol', 'dmitri', 'erin', 'wang-fang', 'li-na'],
  });
  await api(hub, root, 'PATCH', 'users/carol', { admin: true });
  // alice: default server running, a stopped named server, one starting (held), a token.
  await api(hub, root, 'POST', 'users/alice/server');
  await api(hub, root, 'POST', 'users/alice/servers/analysis');
  await api(hub, root, 'POST', 'users/bob/server');
  await waitFor(
    async () =>
      (await serverOf(hub, root, 'alice', ''))?.ready &&
      (await serverOf(hub, root, 'alice', 'analysis'))?.ready &&
      (await serverOf(hub, root, 'bob', ''))?.ready,
    'the first servers',
  );
  await api(hub, root, 'DELETE', 'users/alice/servers/analysis');
  await waitFor(
    async () => !(await serverOf(hub, root, 'alice', 'analysis'))?.pending,
    'analysis to stop',
  );
  release.push(hub.hold('alice', 'big-model'));
  await api(hub, root, 'POST', 'users/alice/servers/big-model');
  await api(hub, root, 'POST', 'users/alice/tokens', {
    note: 'nightly sync script',
    expires_in: 30 * 86400,
    scopes: ['read:users:activity!user'],
  });
  await api(hub, root, 'POST', 'groups/class-2026');
  await api(hub, root, 'POST', 'groups/class-2026/users', { users: ['alice', 'bob', 'li-na'] });
  await api(hub, root, 'PUT', 'groups/class-2026/properties', {
    course: 'Data 101',
    term: 'autumn',
  });
  await api(hub, root, 'POST', 'groups/teaching-staff');
  await api(hub, root, 'POST', 'groups/teaching-staff/users', { users: ['carol'] });

  for (const lang of ['en', 'zh']) {
    const locale = lang === 'zh' ? 'zh-CN' : 'en-US';
    for (const theme of ['light', 'dark']) {
      const p = await openPerson(`shots-${lang}-${theme}`, {
        locale,
        colorScheme: theme,
        viewport: DESKTOP,
      });
      const { page } = p;
      try {
        await page.goto(`${hub.url}/hub/login`);
        await shot(page, 'login', lang, theme, 'desktop');
        await page.locator('#username').fill('alice');
        await page.locator('#password').fill('wrong');
        await Promise.all([
          page.waitForResponse((r) => r.request().method() === 'POST'),
          page.locator('form button[type="submit"]').click(),
        ]);
        await page.waitForLoadState();
        await shot(page, 'login-error', lang, theme, 'desktop');
        await login(page, hub.url, 'alice', 'pw', `?next=${encodeURIComponent('/hub/home')}`);
        await shot(page, 'home', lang, theme, 'desktop');
        await page.goto(`${hub.url}/hub/spawn/alice/analysis`);
        await shot(page, 'spawn-options', lang, theme, 'desktop');
        await page.goto(`${hub.url}/hub/spawn-pending/alice/big-model`);
        await page.locator('#progress-log li').nth(1).waitFor();
        await shot(page, 'spawn-pending', lang, theme, 'desktop');
        // Through the hub: via the proxy, /user/alice/analysis/ would reach the running default server.
        await page.goto(`${hub.url}/hub/user/alice/analysis/lab`);
        await shot(page, 'not-running-424', lang, theme, 'desktop');
        await page.goto(`${hub.url}/hub/token`);
        await page.locator('#token-note').fill(lang === 'zh' ? '作业提交脚本' : 'homework upload');
        await page.locator('#token-form button[type="submit"]').click();
        await page.locator('#new-token').waitFor({ state: 'visible' });
        await shot(page, 'token', lang, theme, 'desktop');
        await page.goto(`${hub.url}/hub/no-such-page`);
        await shot(page, 'error-404', lang, theme, 'desktop');
        // The admin panel, as root.
        await page.goto(`${hub.url}/hub/logout`);
        await login(page, hub.url, 'root', 'pw', `?next=${encodeURIComponent('/hub/admin')}`);
        await page.locator('tr[data-user-row="wang-fang"]').waitFor();
        await page.locator('#show-add-users').click();
        await page.locator('#add-usernames').fill('student01\nstudent02\nstudent03');
        await shot(page, 'admin-users', lang, theme, 'desktop');
        await page.locator('#tab-running').click();
        await page.locator('#running-body tr', { hasText: 'bob' }).waitFor();
        await shot(page, 'admin-running', lang, theme, 'desktop');
        await page.locator('#tab-groups').click();
        await page.locator('section[data-group="class-2026"]').waitFor();
        await shot(page, 'admin-groups', lang, theme, 'desktop');
      } finally {
        await p.close();
      }
    }
    // Phone, light: login, home, token, admin.
    const phone = await openPerson(`shots-${lang}-phone`, {
      locale,
      colorScheme: 'light',
      viewport: PHONE,
    });
    try {
      const { page } = phone;
      await page.goto(`${hub.url}/hub/login`);
      await shot(page, 'login', lang, 'light', 'phone');
      await login(page, hub.url, 'alice', 'pw', `?next=${encodeURIComponent('/hub/home')}`);
      await shot(page, 'home', lang, 'light', 'phone');
      await page.goto(`${hub.url}/hub/token`);
      await shot(page, 'token', lang, 'light', 'phone');
      await page.goto(`${hub.url}/hub/logout`);
      await login(page, hub.url, 'root', 'pw', `?next=${encodeURIComponent('/hub/admin')}`);
      await page.locator('tr[data-user-row="wang-fang"]').waitFor();
      await shot(page, 'admin-users', lang, 'light', 'phone');
    } finally {
      await phone.close();
    }
  }
} finally {
  for (const r of release) r();
  await hub.stop();
}

// ---- hub 2: native authenticator (sign-up, approvals, change password) ----
const native = await startUiHub({
  JupyterHub: { authenticator_class: 'native' },
  NativeAuthenticator: { open_signup: true },
  Authenticator: { allow_all: false, admin_users: [] },
});
try {
  const pw = await createInitialAdmin(native.hub.ctx.store.nativeAccounts, 'boss');
  await native.hub.ctx.store.users.ensure('boss', { admin: true });
  await native.hub.ctx.login.authenticator.signup('zhang-wei', 'a-long-secret-1');
  for (const lang of ['en', 'zh']) {
    for (const theme of ['light', 'dark']) {
      const p = await openPerson(`shots-native-${lang}-${theme}`, {
        locale: lang === 'zh' ? 'zh-CN' : 'en-US',
        colorScheme: theme,
        viewport: DESKTOP,
      });
      const { page } = p;
      try {
        await page.goto(`${native.url}/hub/signup`);
        await shot(page, 'signup', lang, theme, 'desktop');
        await login(page, native.url, 'boss', pw, `?next=${encodeURIComponent('/hub/signups')}`);
        await shot(page, 'signups-approval', lang, theme, 'desktop');
        await page.goto(`${native.url}/hub/change-password`);
        await shot(page, 'change-password', lang, theme, 'desktop');
      } finally {
        await p.close();
      }
    }
  }
} finally {
  await native.stop();
}

console.log(`screenshots: wrote ${written.length} files to ${OUT}`);
for (const f of written) console.log(`  ${f.slice(ROOT.length)}`);
