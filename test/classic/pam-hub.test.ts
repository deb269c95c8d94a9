// The classic deployment, end to end through a real hub (in this process) and its real proxy:
// Linux accounts checked by PAM, a group whitelist written like the first user's file
// (set('<group>')), an admin named with JupyterHub.admin_users, and servers run as each user.
// Root only: the test makes its own users and groups (unique names) and removes them after.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CookieClient } from '../helpers/cookie-client.js';
import { LinuxAccounts, isRootLinux, needsRoot, shadowCommand } from '../helpers/linux-users.js';
import { recorder, startClassicHub, waitFor, type ClassicHub } from './helpers.js';

const acc = new LinuxAccounts('clpam');
const passwords = new Map<string, string>();
let GROUP = '';
const N = { admin: '', prim: '', supp: '', none: '', expired: '' };
const rec = recorder();
let h: ClassicHub;
let nbRoot = '';
let adminToken = '';

before(async () => {
  if (!isRootLinux) return;
  GROUP = acc.group();
  const made = {
    admin: acc.user(),
    prim: acc.user({ primaryGroup: GROUP }), // primary group: JupyterHub's check misses these
    supp: acc.user({ groups: [GROUP] }),
    none: acc.user(),
    expired: acc.user({ groups: [GROUP] }),
  };
  for (const [k, u] of Object.entries(made)) {
    N[k as keyof typeof N] = u.name;
    passwords.set(u.name, u.password);
  }
  shadowCommand('chage', ['-E', '0', N.expired]);
  const dir = mkdtempSync(join(tmpdir(), 'labhub-classic-'));
  nbRoot = join(dir, 'home/jupyter/notebooks');
  h = await startClassicHub({
    dir,
    log: rec.log,
    // The first user's style, with this test's names (labhub reads set('word') as {'word'}).
    pyLines: [
      "c.JupyterHub.authenticator_class = 'pam'",
      "c.PAMAuthenticator.encoding = 'utf8'",
      'c.LocalAuthenticator.create_system_users = False',
      'c.Authenticator.whitelist = set()',
      `c.JupyterHub.admin_users = set('${N.admin}')`,
      `c.LocalAuthenticator.group_whitelist = set('${GROUP}')`,
      `c.Spawner.notebook_dir = '${nbRoot}/{username}'`,
      "c.Spawner.environment = {'FIXTURE_WRITE': 'written-by-server.txt'}",
    ],
    overrides: { LocalProcessSpawner: { run_as_user: 'auto' } },
  });
});

after(async () => {
  await h?.stop();
  if (isRootLinux) acc.cleanup();
});

const pw = (n: string) => passwords.get(n)!;
const failedLoginLog = (name: string) =>
  rec.lines
    .filter((l) => l.level >= 40 && l.msg.includes(`Failed login for "${name}"`))
    .map((l) => l.msg);

async function login(
  name: string,
  password: string,
): Promise<{ res: Response; body: string; client: CookieClient }> {
  const client = new CookieClient(h.url);
  const res = await client.login(name, password);
  return { res, body: res.status === 302 ? '' : await res.text(), client };
}

function assertRefused(r: { res: Response; body: string; client: CookieClient }) {
  assert.equal(r.res.status, 403);
  assert.match(r.body, /Invalid username or password\./, 'the one generic message');
  assert.ok(
    ![...r.client.jar.keys()].some(
      (k) => k.startsWith('jupyterhub-hub-login') || k === 'jupyterhub-session-id',
    ),
    'no session cookie',
  );
}

test(
  'the config file was read verbatim, with its old names mapped and the set-of-letters fixed',
  { skip: needsRoot },
  () => {
    const warnings = rec.lines
      .filter((l) => l.level >= 40 && l.msg.startsWith('config: '))
      .map((l) => l.msg);
    assert.ok(
      warnings.some((m) => m.includes(`set('${GROUP}')`) && m.includes(`{'${GROUP}'}`)),
      warnings.join('\n'),
    );
    assert.ok(
      warnings.some((m) =>
        m.includes('group_whitelist was renamed to LocalAuthenticator.allowed_groups'),
      ),
    );
    assert.ok(warnings.some((m) => m.includes('JupyterHub.admin_users is deprecated')));
    assert.deepEqual([...h.hub.ctx.login.policy.settings.allowedGroups], [GROUP]);
    assert.deepEqual([...h.hub.ctx.login.policy.settings.adminUsers], [N.admin]);
  },
);

test(
  'PAM login through the login page: right password in, wrong password out',
  { skip: needsRoot },
  async () => {
    const ok = await login(N.supp, pw(N.supp));
    assert.equal(ok.res.status, 302, 'a supplementary member of the group logs in');
    assert.ok(ok.client.jar.has('jupyterhub-session-id'));
    const home = await ok.client.fetch('/hub/home');
    assert.equal(home.status, 200);

    const bad = await login(N.prim, `${pw(N.prim)}x`);
    assertRefused(bad);
    assert.ok(
      failedLoginLog(N.prim).some((m) => /wrong username or password/.test(m)),
      'the log says why',
    );
  },
);

test(
  'a member whose PRIMARY group is the allowed group gets in (useradd -g)',
  { skip: needsRoot },
  async () => {
    const r = await login(N.prim, pw(N.prim));
    assert.equal(r.res.status, 302);
    const entry = rec.lines.find((l) => l.msg === `User logged in: ${N.prim}`);
    assert.ok(entry, 'logged in');
    assert.equal(entry.via, `allowed_groups (${GROUP})`);
  },
);

test(
  'an expired account is refused with the generic message; the log says PAM refused it',
  { skip: needsRoot },
  async () => {
    assertRefused(await login(N.expired, pw(N.expired)));
    assert.ok(
      rec.lines.some((l) => l.msg.startsWith(`PAM: login refused for "${N.expired}"`)),
      rec.text(),
    );
    assert.ok(failedLoginLog(N.expired).length > 0);
  },
);

test(
  'a non-member with the right password is refused with the generic message; the log says why',
  { skip: needsRoot },
  async () => {
    assertRefused(await login(N.none, pw(N.none)));
    const why = failedLoginLog(N.none).join('\n');
    assert.match(why, new RegExp(`none of allowed_groups \\[${GROUP}\\]`), why);
  },
);

test(
  'admin (from JupyterHub.admin_users) gets a token with its password and lists users; a member gets 403',
  { skip: needsRoot },
  async () => {
    const mk = async (name: string) => {
      const r = await fetch(`${h.url}/hub/api/users/${name}/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          auth: { username: name, password: pw(name) },
          note: 'classic test',
        }),
      });
      assert.equal(r.status, 201, `token for ${name}: ${r.status}`);
      return ((await r.json()) as { token: string }).token;
    };
    adminToken = await mk(N.admin);
    const list = await fetch(`${h.url}/hub/api/users`, {
      headers: { authorization: `token ${adminToken}` },
    });
    assert.equal(list.status, 200);
    const names = (await list.json()) as Array<{ name: string; admin: boolean }>;
    assert.ok(names.some((u) => u.name === N.admin && u.admin));

    const memberToken = await mk(N.supp);
    const denied = await fetch(`${h.url}/hub/api/users`, {
      headers: { authorization: `token ${memberToken}` },
    });
    assert.equal(denied.status, 403);
    const self = await fetch(`${h.url}/hub/api/user`, {
      headers: { authorization: `token ${memberToken}` },
    });
    assert.equal(self.status, 200, 'the member token itself works');
  },
);

test(
  "the server runs with the user's uid, gid and groups, in its notebook dir, writing files the user owns",
  { skip: needsRoot },
  async () => {
    assert.ok(adminToken, 'needs the admin token of the previous test');
    const auth = { authorization: `token ${adminToken}` };
    const user = N.supp;
    const start = await fetch(`${h.url}/hub/api/users/${user}/server`, {
      method: 'POST',
      headers: auth,
    });
    assert.ok(
      start.status === 201 || start.status === 202,
      `spawn: ${start.status} ${await start.clone().text()}`,
    );
    await waitFor('the server to be ready', async () => {
      const m = (await (
        await fetch(`${h.url}/hub/api/users/${user}`, { headers: auth })
      ).json()) as { servers?: Record<string, { ready: boolean }> };
      return m.servers?.['']?.ready;
    });
    const info = (await (await fetch(`${h.url}/user/${user}/`)).json()) as {
      uid: number[];
      gid: number[];
      groups: number[];
      cwd: string;
    };
    const id = (flag: string) =>
      execFileSync('id', [flag, user], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
    const [uid] = id('-u');
    const [gid] = id('-g');
    assert.deepEqual(
      new Set(info.uid),
      new Set([uid]),
      'real, effective, saved and fs uid are the user',
    );
    assert.deepEqual(new Set(info.gid), new Set([gid]), 'all gids are the primary group');
    assert.deepEqual(
      new Set(info.groups),
      new Set(id('-G')),
      'supplementary groups, incl. the allowed group',
    );
    const groupGid = Number(
      execFileSync('getent', ['group', GROUP], { encoding: 'utf8' }).split(':')[2],
    );
    assert.ok(info.groups.includes(groupGid));

    const dir = join(nbRoot, user);
    assert.equal(info.cwd, dir, 'the server starts in notebook_dir with {username} filled in');
    const st = statSync(dir);
    assert.equal(st.uid, uid, 'notebook dir owned by the user');
    const file = join(dir, 'written-by-server.txt');
    await waitFor('the server to write its file', () => existsSync(file));
    assert.equal(statSync(file).uid, uid, "file written by the server is the user's");
    assert.equal(statSync(file).gid, gid);
    assert.match(readFileSync(file, 'utf8'), /written by the fixture/);

    const stop = await fetch(`${h.url}/hub/api/users/${user}/server`, {
      method: 'DELETE',
      headers: auth,
    });
    assert.ok(stop.status === 204 || stop.status === 202, `stop: ${stop.status}`);
  },
);
