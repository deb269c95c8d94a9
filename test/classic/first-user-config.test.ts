// The first user's jupyterhub_config.py (test/config/fixtures/first-user), loaded verbatim by a
// real hub in this process: it starts (only ports, files and the server command are moved out
// of the way) and its log says, line by line, what was wrong in the file and what labhub does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hub } from '../../src/hub.js';
import { loadConfig } from '../../src/config/index.js';
import { freePort } from '../helpers/ports.js';
import { FAKE_SERVER, ROOT, needsRoot, recorder } from './helpers.js';

const FIXTURE = join(ROOT, 'test/config/fixtures/first-user');

test(
  "the first user's config, verbatim: the hub starts and logs every expected warning",
  { skip: needsRoot },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'labhub-first-user-'));
    const rec = recorder();
    const [port, hubPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const loaded = loadConfig({
      file: join(FIXTURE, 'jupyterhub_config.py'),
      cwd: dir,
      overrides: {
        JupyterHub: {
          port,
          hub_port: hubPort,
          db_url: `sqlite:///${join(dir, 'hub.sqlite')}`,
          cookie_secret_file: join(dir, 'cookie_secret'),
        },
        ConfigurableHTTPProxy: {
          api_url: `http://127.0.0.1:${apiPort}`,
          pid_file: join(dir, 'proxy.pid'),
        },
        Spawner: { cmd: [process.execPath, FAKE_SERVER] },
      },
    });
    const hub = new Hub({ loaded, log: rec.log, cwd: dir });
    try {
      await hub.start();
      const msgs = rec.lines.map((l) => l.msg);
      const warned = rec.lines.filter((l) => l.level === 40 && l.msg.startsWith('config: '));

      // Every warning of the golden file, except hub_port's, which the port override removes
      // (that one is checked by labhub doctor and by the verbatim run in wildcard-bind.test.ts).
      const expected = (
        JSON.parse(readFileSync(join(FIXTURE, 'expected-warnings.json'), 'utf8')) as Array<{
          code: string;
          key: string;
          line: number;
        }>
      ).filter((w) => w.code !== 'LABHUB_WARN_CONFIG_HUB_PORT_PUBLIC');
      assert.ok(expected.length >= 6);
      for (const w of expected) {
        assert.ok(
          warned.some((l) => l.code === w.code && l.key === w.key && l.line === w.line),
          `log has ${w.code} for ${w.key} (line ${w.line})\n${rec.text()}`,
        );
      }
      const text = warned.map((l) => l.msg).join('\n');
      assert.match(text, /set\('jupyter'\) is, in Python, the collection of its letters/);
      assert.match(text, /JupyterHub since 1\.2 silently IGNORES group_whitelist/);
      assert.match(text, /statsd_prefix is set but JupyterHub\.statsd_host is not/);

      // What it meant is what runs.
      const p = hub.ctx.login.policy.settings;
      assert.deepEqual([...p.allowedGroups], ['jupyter']);
      assert.deepEqual([...p.adminUsers], ['jupyter']);
      assert.equal(p.allowAll, false);
      assert.equal(hub.ctx.login.authenticatorId, 'pam');
      assert.equal(hub.settings.spawner.notebookDir, '/home/jupyter/notebooks/{username}');
      assert.equal(hub.settings.ip, '', "'*' means all interfaces");
      assert.equal(await hub.ctx.store.users.byName('j'), null, 'no one-letter admin users');
      assert.ok((await hub.ctx.store.users.byName('jupyter'))?.admin, 'jupyter is an admin');
      assert.ok(
        msgs.some((m) => /is running: users connect on all interfaces/.test(m)),
        msgs.join('\n'),
      );

      // And it serves: the login page through the proxy on the wildcard listener, via loopback.
      const r = await fetch(`http://127.0.0.1:${port}/hub/login`);
      assert.equal(r.status, 200);
      assert.match(await r.text(), /name="password"/);
    } finally {
      await hub.stop({ proxy: true, servers: true });
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
