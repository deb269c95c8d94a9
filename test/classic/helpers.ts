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
import { freeHubPorts, hubPlaces, mergeConfig } from '../helpers/hub-config.js';
import { FAKE_SERVER, ROOT } from '../helpers/test-hub.js';
export { waitFor } from '../helpers/wait.js';

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
  const ports = await freeHubPorts();
  const overrides = mergeConfig(
    hubPlaces(dir, ports),
    { Spawner: { cmd: [process.execPath, FAKE_SERVER], http_timeout: 20 } },
    opts.overrides ?? {},
  );
  const loaded = loadConfig({ file: join(dir, 'jupyterhub_config.py'), cwd: dir, overrides });
  const hub = new Hub({ loaded, log: opts.log, cwd: dir });
  await hub.start();
  return {
    hub,
    url: `http://127.0.0.1:${ports.port}`,
    dir,
    port: ports.port,
    hubPort: ports.hubPort,
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
