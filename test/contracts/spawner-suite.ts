/**
 * The shared Spawner contract test suite. Each spawner's test file calls
 * {@link spawnerContractSuite} with its definition and a way to build contexts that run a small
 * HTTP server (it must listen where JUPYTERHUB_SERVICE_URL says and answer any path).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isHubError } from '../../src/errors.js';
import type { Spawner, SpawnerContext, SpawnerDefinition } from '../../src/spawner/types.js';

/** What a test asks of the context factory. */
export interface ContractContextRequest {
  /** Unique per test: use as the user name (or part of it). */
  userName: string;
  /** Override of Spawner.cmd (the missing-command test passes a command that does not exist). */
  cmd?: string[];
  /** Spawner.notebook_dir for this test ('' = not configured). */
  notebookDir?: string;
}

export interface ContractSuiteOptions {
  definition: SpawnerDefinition;
  makeContext(req: ContractContextRequest): SpawnerContext | Promise<SpawnerContext>;
  /** Prefix for test names (default the definition id). */
  label?: string;
  /**
   * Contract items that do not apply to this spawner, with the reason (shown as the skip
   * message): `notebookDir` — the directory is inside the server's own file system (a pod's),
   * where the hub cannot look.
   */
  notApplicable?: { notebookDir?: string };
}

/** GETs `<url><prefix>` and returns the status (any answer counts as "answers HTTP"). */
async function httpStatus(url: string, prefix: string): Promise<number> {
  const res = await fetch(url.replace(/\/$/, '') + prefix, { redirect: 'manual' });
  await res.arrayBuffer();
  return res.status;
}

/** Registers the contract tests for one spawner definition with node:test. */
export function spawnerContractSuite(opts: ContractSuiteOptions): void {
  const { definition } = opts;
  const label = opts.label ?? definition.id;
  const stamp = `${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
  let n = 0;
  const uniqueUser = () => `ct${stamp}u${++n}`;
  const live: Spawner[] = [];
  const tmpDirs: string[] = [];

  async function started(
    req: ContractContextRequest,
  ): Promise<{ sp: Spawner; ctx: SpawnerContext; url: string }> {
    const ctx = await opts.makeContext(req);
    const sp = definition.create(ctx);
    live.push(sp);
    const { url } = await sp.start();
    return { sp, ctx, url };
  }

  test.after(async () => {
    for (const sp of live) await sp.stop({ now: true }).catch(() => {});
    for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
  });

  test(`${label} contract: start returns a URL that answers HTTP; poll is null while running; stop makes poll a number`, async () => {
    const { sp, ctx, url } = await started({ userName: uniqueUser() });
    assert.match(url, /^https?:\/\/[^/]+(\/)?$/, 'start() returns an origin');
    const prefix = ctx.hubEnv.JUPYTERHUB_SERVICE_PREFIX ?? '/';
    assert.ok((await httpStatus(url, prefix)) < 500, 'server answers HTTP');
    assert.equal(await sp.poll(), null);
    await sp.stop();
    const status = await sp.poll();
    assert.equal(typeof status, 'number', `poll() after stop is a number, got ${status}`);
    await assert.rejects(httpStatus(url, prefix), 'server no longer answers after stop');
  });

  test(`${label} contract: state round-trip reattaches; stop is idempotent`, async () => {
    const user = uniqueUser();
    const { sp, url } = await started({ userName: user });
    const state = JSON.parse(JSON.stringify(sp.getState()));
    assert.ok(Object.keys(state).length > 0, 'getState() of a running server is not empty');
    const again = definition.create(await opts.makeContext({ userName: user }));
    live.push(again);
    assert.equal(await again.poll(), 0, 'a fresh instance without state is not running');
    again.loadState(state);
    assert.equal(await again.poll(), null, 'reattached instance sees the running server');
    await again.stop();
    assert.equal(typeof (await again.poll()), 'number');
    await assert.rejects(httpStatus(url, '/'), 'server stopped through the reattached instance');
    // The original instance learns of the exit from its child's 'exit' event, which may arrive a
    // moment after the reattached instance saw the process gone in /proc.
    let original = await sp.poll();
    for (let i = 0; i < 50 && original === null; i++) {
      await new Promise((r) => setTimeout(r, 50));
      original = await sp.poll();
    }
    assert.equal(typeof original, 'number', 'original instance also sees it stopped');
    await again.stop();
    await sp.stop();
    await Promise.all([sp.stop(), sp.stop({ now: true })]);
    assert.equal(typeof (await sp.poll()), 'number');
  });

  test(`${label} contract: stop() while start() is under way wins: start() rejects and no server is left running`, async () => {
    // The hub stops a spawner whose start passed start_timeout; a start that went on to launch
    // the server anyway left a process nobody tracked (found by hand on a loaded machine).
    const ctx = await opts.makeContext({ userName: uniqueUser() });
    const sp = definition.create(ctx);
    live.push(sp);
    // The outcome is taken at once: a spawner may reject start() before stop() has resolved.
    const starting = sp.start().then(
      ({ url }) => url,
      (e: unknown) => e,
    );
    await sp.stop({ now: true });
    const outcome = await starting;
    assert.ok(typeof outcome !== 'string', `start() resolved with ${String(outcome)} after stop()`);
    assert.ok(isHubError(outcome), `HubError expected, got ${String(outcome)}`);
    assert.equal(typeof (await sp.poll()), 'number', 'nothing left running');
  });

  test(`${label} contract: a missing command fails start() with LABHUB_ERR_SPAWN_FAILED naming it`, async () => {
    const ctx = await opts.makeContext({
      userName: uniqueUser(),
      cmd: ['labhub-no-such-command-3f9a'],
    });
    const sp = definition.create(ctx);
    live.push(sp);
    await assert.rejects(sp.start(), (e: unknown) => {
      assert.ok(isHubError(e), `HubError expected, got ${String(e)}`);
      assert.equal(e.code, 'LABHUB_ERR_SPAWN_FAILED');
      assert.match(e.userMessage, /labhub-no-such-command-3f9a/);
      return true;
    });
    assert.equal(typeof (await sp.poll()), 'number', 'nothing left running');
  });

  test(
    `${label} contract: a missing notebook directory is created`,
    {
      skip: opts.notApplicable?.notebookDir,
    },
    async () => {
      const base = mkdtempSync(join(tmpdir(), 'labhub-contract-'));
      tmpDirs.push(base);
      const dir = join(base, 'notebooks', 'deep', 'dir');
      assert.equal(existsSync(dir), false);
      const { sp, url } = await started({ userName: uniqueUser(), notebookDir: dir });
      assert.ok(statSync(dir).isDirectory(), 'notebook dir exists after start');
      assert.ok((await httpStatus(url, '/')) < 500);
      await sp.stop();
    },
  );
}
