/**
 * A private dockerd for the Docker spawner tests: its own data root, exec root, pid file and
 * socket in a temporary directory (no iptables, overlay2 storage), started by the test and stopped by
 * PID. The cached test image (scripts/setup-docker.mjs) is loaded into it with `docker load`.
 * A missing dockerd or image fails with the command to run.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
// @ts-expect-error plain .mjs set-up script without types
import { dockerImageInfo } from '../../scripts/setup-docker.mjs';

export interface PrivateDockerd {
  socketPath: string;
  /** Tag of the loaded test image (jupyterhub-singleuser 6 in /opt/singleuser). */
  image: string;
  /** Runs the docker CLI against this daemon; returns stdout. Throws on failure. */
  cli(args: string[]): string;
  stop(): Promise<void>;
}

const info = dockerImageInfo() as { tar: string; tag: string };

function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

/** Starts a private dockerd and loads the test image into it. */
export async function startDockerd(): Promise<PrivateDockerd> {
  if (spawnSync('sh', ['-c', 'command -v dockerd']).status !== 0)
    throw new Error('dockerd is missing: run (as root) bash scripts/install-system-deps.sh');
  if (!existsSync(info.tar))
    throw new Error(
      `the Docker test image ${info.tar} is missing: run node scripts/setup-docker.mjs (or npm run pretest)`,
    );
  const dir = mkdtempSync('/tmp/labhub-dockerd-');
  const socketPath = join(dir, 'docker.sock');
  const proc: ChildProcess = spawn(
    'dockerd',
    [
      `--data-root=${dir}/root`,
      `--exec-root=${dir}/exec`,
      `--pidfile=${dir}/docker.pid`,
      `-H=unix://${socketPath}`,
      '--iptables=false',
      '--ip-forward=false',
      '--ip-masq=false',
      '--storage-driver=overlay2',
      '--shutdown-timeout=2',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  // A test process that ends without its after() hooks (force exit, timeout) takes dockerd along.
  const killOnExit = () => proc.kill('SIGTERM');
  process.once('exit', killOnExit);
  let stderr = '';
  proc.stderr?.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  const cli = (args: string[]): string => {
    const r = spawnSync('docker', ['-H', `unix://${socketPath}`, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    }
    // dockerd may leave mounts behind (the default network namespace): unmount them first.
    const mounts = readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[1] ?? '')
      .filter((m) => m.startsWith(dir + '/'))
      .sort((a, b) => b.length - a.length);
    for (const m of mounts) spawnSync('umount', ['-l', m]);
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      /* still busy: the directory stays in /tmp */
    }
  };
  for (let i = 0; !(await ping(socketPath)); i++) {
    if (proc.exitCode !== null || i > 600) {
      await stop();
      throw new Error(`dockerd did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    cli(['load', '-q', '-i', info.tar]);
  } catch (e) {
    await stop();
    throw e;
  }
  return { socketPath, image: info.tag, cli, stop };
}
