/** The pid file of a proxy the hub started: stale ones are removed, ours is removed on stop. */
import fs from 'node:fs';

/** Remove `file` when the pid in it is not a running process (reported through `log`). */
export function cleanStalePidFile(file: string, log: { warn(msg: string): void }): void {
  if (!fs.existsSync(file)) return;
  const pid = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
  let alive = false;
  if (Number.isInteger(pid) && pid > 0) {
    try {
      process.kill(pid, 0);
      alive = true;
    } catch (e) {
      alive = (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
  if (!alive) {
    log.warn(
      `proxy: removed stale pid file ${file} (pid ${Number.isNaN(pid) ? 'unreadable' : pid} is not running)`,
    );
    fs.rmSync(file, { force: true });
  }
}

/** Remove `file` if it still holds `pid` (another proxy may have written its own since). */
export function removePidFile(file: string, pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    if (fs.readFileSync(file, 'utf8').trim() === String(pid)) fs.rmSync(file, { force: true });
  } catch {
    /* gone already */
  }
}
