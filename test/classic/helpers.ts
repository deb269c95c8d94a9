/**
 * Shared pieces of the classic-deployment tests: a hub started in-process from a
 * jupyterhub_config.py file with the ports overridden to free ones, and a logger that records
 * every line. Real Linux users and groups come from ../helpers/linux-users.ts.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { Hub } from '../../src/hub.js';
import { loadConfig } from '../../src/config/index.js';
import { freePort } from '../helpers/ports.js';
import { FAKE_SERVER, ROOT } from '../helpers/test-hub.js';

export { ROOT, FAKE_SERVER };
export { isRootLinux, needsRoot } from '../helpers/linux-users.js';

/** One recorded log line (pino object: level number, msg, and bound fields). */
export interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

/** A real pino logger that keeps every line (child loggers included). */
export function recorder(): { log: Logger; lines: LogLine[]; text(): string } {
  const lines: LogLine[] = [];
  const log = pino(
    { level: 'debug', base: undefined },
    { write: (chunk: string) => void lines.push(JSON.parse(chunk) as LogLine) },
  );
  return {
    log,
    lines,
    text: () => lines.map((l) => `${l.level >= 40 ? 'W' : 'I'} ${l.msg}`).join('\n'),
  };
}

export interface ClassicHub {
  hub: Hub;
  url: string;
  dir: string;
  port: number;
  hubPort: number;
  stop(): Promise<void>;
}

/**
 * Write `pyLines` as `<dir>/jupyterhub_config.py`, load it as the CLI would (file + overrides),
 * start the hub in this process on free loopback ports with its own proxy, as root.
 */
export async function startClassicHub(opts: {
  pyLines: string[];
  overrides?: Record<string, Record<string, unknown>>;
  log: Logger;
  dir?: string;
}): Promise<ClassicHub> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'labhub-classic-'));
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'jupyterhub_config.py'), opts.pyLines.join('\n') + '\n');
  const [port, hubPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const base: Record<string, Record<string, unknown>> = {
    JupyterHub: {
      ip: '127.0.0.1',
      port,
      hub_port: hubPort,
      db_url: `sqlite:///${join(dir, 'hub.sqlite')}`,
      cookie_secret_file: join(dir, 'cookie_secret'),
    },
    ConfigurableHTTPProxy: {
      api_url: `http://127.0.0.1:${apiPort}`,
      pid_file: join(dir, 'proxy.pid'),
    },
    Spawner: { cmd: [process.execPath, FAKE_SERVER], http_timeout: 20 },
    Labhub: { server_log_dir: join(dir, 'server-logs') },
  };
  const overrides = { ...base };
  for (const [cls, traits] of Object.entries(opts.overrides ?? {}))
    overrides[cls] = { ...(overrides[cls] ?? {}), ...traits };
  const loaded = loadConfig({ file: join(dir, 'jupyterhub_config.py'), cwd: dir, overrides });
  const hub = new Hub({ loaded, log: opts.log, cwd: dir });
  await hub.start();
  return {
    hub,
    url: `http://127.0.0.1:${port}`,
    dir,
    port,
    hubPort,
    async stop() {
      await hub.stop({ servers: true, proxy: true });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** true if a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Poll `fn` until it returns a truthy value or `ms` pass (then throw with `what`). */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  ms = 20_000,
): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
