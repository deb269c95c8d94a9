// Set-up check of the proxy's HAProxy engine (labhub-proxy --engine haproxy): its tests need
// HAProxy 2.4 or newer, which scripts/install-system-deps.sh installs (Debian package `haproxy`).
// Fast (one `haproxy -v`) and idempotent; installs nothing itself. Plain Node, no dependencies.
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';

function findHaproxy() {
  if (process.env.LABHUB_HAPROXY) return process.env.LABHUB_HAPROXY;
  for (const d of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin']) {
    if (!d) continue;
    try {
      accessSync(join(d, 'haproxy'), constants.X_OK);
      return join(d, 'haproxy');
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** 0 when a usable HAProxy is there, else 1 with the command to run. */
export async function setupDataplane() {
  const bin = findHaproxy();
  const fix =
    'install it as root: sudo bash scripts/install-system-deps.sh (apt-get install haproxy)';
  if (!bin) {
    console.error(`HAProxy is missing (the proxy's HAProxy engine tests need it): ${fix}`);
    return 1;
  }
  let out = '';
  try {
    out = execFileSync(bin, ['-v'], { encoding: 'utf8' });
  } catch (e) {
    console.error(`${bin} -v failed (${e.message}): ${fix}`);
    return 1;
  }
  const m = /version (\d+)\.(\d+)/.exec(out);
  if (!m || Number(m[1]) < 2 || (Number(m[1]) === 2 && Number(m[2]) < 4)) {
    console.error(`${bin} is too old for labhub-proxy (needs HAProxy 2.4+): ${out.split('\n')[0]}`);
    return 1;
  }
  return 0;
}
