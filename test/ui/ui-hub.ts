/**
 * The hub the page tests run against: the real hub (test/helpers/test-hub.ts) with named servers,
 * an admin called `root`, and the slow stand-in server (fixtures/slow-server.mjs) so that
 * spawn-pending has something to show. `hold(user, server)` keeps a spawn waiting until released.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestHub, type ConfigObject, type TestHub } from '../helpers/test-hub.js';

export const SLOW_SERVER = fileURLToPath(new URL('./fixtures/slow-server.mjs', import.meta.url));

export interface UiHub extends TestHub {
  /** Keep the next start of `user`'s server (`server` '' = default) waiting; returns the release function. */
  hold(user: string, server?: string): () => void;
}

export async function startUiHub(extra: ConfigObject = {}): Promise<UiHub> {
  const holdDir = mkdtempSync(join(tmpdir(), 'labhub-ui-hold-'));
  const base: ConfigObject = {
    JupyterHub: { allow_named_servers: true },
    Authenticator: { admin_users: ['root'] },
    Spawner: {
      cmd: [process.execPath, SLOW_SERVER],
      http_timeout: 30,
      start_timeout: 60,
      environment: { SLOW_START_HOLD_DIR: holdDir },
    },
  };
  const config: ConfigObject = { ...base };
  for (const [cls, traits] of Object.entries(extra))
    config[cls] = { ...(config[cls] ?? {}), ...traits };
  const t = await startTestHub({ config });
  const ui = t as UiHub;
  const stop = t.stop.bind(t);
  ui.stop = async (o) => {
    await stop(o);
    rmSync(holdDir, { recursive: true, force: true });
  };
  ui.hold = (user, server = '') => {
    const file = join(holdDir, `hold-${user}${server ? `-${server}` : ''}`);
    writeFileSync(file, 'hold\n');
    return () => rmSync(file, { force: true });
  };
  return ui;
}
