/**
 * `labhub doctor`: the spawner's own notices (e.g. simple: every server as the hub's user), running
 * servers as each user (root, setpriv), notebook_dir access, limits.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Settings } from '../core/settings.js';
import { configuredSpawnerOptions } from '../core/spawn/spawner-options.js';
import { isHubError } from '../errors.js';
import { findOnPath } from '../spawner/proc.js';
import { findRegisteredSpawner } from '../spawner/registry.js';
import { describeLimitSupport } from '../spawner/limits.js';
import type { CheckResult } from './doctor-checks.js';
import { isRoot } from './doctor-system.js';

const SYSTEM_PATH = '/usr/bin:/bin:/usr/sbin:/sbin';

/** Running servers as each user: root, setpriv, resource limits. */
export function spawnerChecks(s: Settings): CheckResult[] {
  const out: CheckResult[] = [];
  const mode = s.spawner.extra.run_as_user;
  const def = findRegisteredSpawner(s.spawnerClass);
  try {
    for (const n of def?.startupNotices?.(configuredSpawnerOptions(s.spawner)) ?? [])
      out.push({
        name: 'spawner',
        status: n.level,
        detail: n.message,
        ...(n.fix ? { fix: n.fix } : {}),
      });
  } catch (e) {
    out.push({
      name: 'spawner',
      status: 'error',
      detail: isHubError(e) ? e.userMessage : String(e),
    });
  }
  if (def?.id === 'local-process') {
    if (mode === 'auto' && !isRoot())
      out.push({
        name: 'servers as users',
        status: 'warn',
        detail:
          "labhub is not root, so every server runs as the hub's own account, not as the person who logged in (their files, their permissions).",
        fix: 'Run labhub as root for per-user servers.',
      });
    else if (mode === 'auto') {
      const setpriv = findOnPath('setpriv', SYSTEM_PATH);
      out.push(
        setpriv
          ? {
              name: 'servers as users',
              status: 'ok',
              detail: `servers run as each user's uid, gid and groups (via ${setpriv})`,
            }
          : {
              name: 'servers as users',
              status: 'warn',
              detail:
                "setpriv is missing: servers run with the user's uid/gid but without their supplementary groups",
              fix: 'apt-get install util-linux (provides setpriv).',
            },
      );
    } else if (isRoot())
      out.push({
        name: 'servers as users',
        status: 'warn',
        detail: "LocalProcessSpawner.run_as_user = 'self' under root: every server runs as root",
        fix: "Remove run_as_user (default 'auto') so servers run as each user.",
      });
  }
  // Parents of a shared notebook root (e.g. /home/jupyter of /home/jupyter/notebooks/{username})
  // must let every user pass; Debian's adduser makes homes 0700.
  const nb = s.spawner.notebookDir;
  if (nb && nb.startsWith('/') && nb.includes('{username}')) {
    const fixed = nb.slice(0, nb.indexOf('{username}')).replace(/\/[^/]*$/, '') || '/';
    for (let p = fixed; ; p = dirname(p)) {
      if (existsSync(p)) {
        const st = statSync(p);
        if (!(st.mode & 0o001)) {
          out.push({
            name: 'notebook_dir access',
            status: 'warn',
            detail: `${p} (mode ${(st.mode & 0o777).toString(8)}) does not let other users pass, so their servers cannot reach ${nb}: spawns will fail with "cannot enter ${p}"`,
            fix: `chmod o+x ${p}  (enter only, no listing; or 755 to allow listing)`,
          });
          break;
        }
      }
      if (p === dirname(p)) break;
    }
  }
  if (s.spawner.memLimit || s.spawner.cpuLimit) {
    const d = describeLimitSupport();
    for (const [k, text, set] of [
      ['mem_limit', d.memory, s.spawner.memLimit],
      ['cpu_limit', d.cpu, s.spawner.cpuLimit],
    ] as const) {
      if (!set) continue;
      const enforced = !/NOT enforced/.test(text);
      out.push({
        name: k,
        status: enforced ? 'ok' : 'warn',
        detail: text,
        ...(enforced
          ? {}
          : {
              fix: 'Run labhub as root on a machine with systemd or cgroup v2 (most Debian servers).',
            }),
      });
    }
  }
  return out;
}
