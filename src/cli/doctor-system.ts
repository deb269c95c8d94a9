/**
 * `labhub doctor` checks of the Linux accounts around the config: the accounts and groups named
 * by the policy, and PAM (root, the service file, a backend). Each check returns results with the
 * fix in words. Other machine checks: doctor-spawner.ts, doctor-tls.ts, doctor-statsd.ts,
 * doctor-files.ts.
 */
import { accessSync, constants } from 'node:fs';
import type { Settings } from '../core/settings.js';
import { availablePamBackends, pamServiceExists } from '../auth/pam.js';
import { run } from '../auth/system-users.js';
import type { CheckResult } from './doctor-checks.js';

/** True when labhub runs as root (the checks of PAM, servers and ports depend on it). */
export const isRoot = (): boolean => process.getuid?.() === 0;

function list(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

/** getent lookups: null when the name is unknown. */
async function getent(db: 'passwd' | 'group', name: string): Promise<string[] | null> {
  if (!/^[A-Za-z0-9._][A-Za-z0-9._-]*\$?$/.test(name)) return null;
  const r = await run('getent', [db, name]);
  if (r.error || r.code !== 0) return null;
  return r.stdout.trim().split(':');
}

/**
 * Accounts and groups the policy names, and what a person can and cannot do with them. The hub
 * logs the non-ok results at start (`countMembers: false`: only the names in the config are looked up).
 */
export async function accountChecks(
  s: Pick<Settings, 'authenticatorOptions'>,
  authId: string,
  opts: { countMembers?: boolean } = {},
): Promise<CheckResult[]> {
  if (authId !== 'pam') return [];
  const out: CheckResult[] = [];
  const a = s.authenticatorOptions as Record<string, unknown>;
  const createUsers = a.create_system_users === true;
  for (const name of list(a.admin_users)) {
    const pw = await getent('passwd', name);
    if (pw)
      out.push({
        name: `admin ${name}`,
        status: 'ok',
        detail: `Linux account ${name} exists (uid ${pw[2]}); it is a hub admin`,
      });
    else
      out.push({
        name: `admin ${name}`,
        status: 'warn',
        detail: `${name} is in admin_users but has no Linux account, so with PAM nobody can log in as ${name}${createUsers ? ' (create_system_users will create the account when the hub adds the user, but it has no password until you set one)' : ''}. The hub still records ${name} as an admin in its database.`,
        fix: `Create it: useradd -m ${name} && passwd ${name} — or remove ${name} from admin_users.`,
      });
  }
  for (const g of list(a.allowed_groups)) {
    const gr = await getent('group', g);
    if (!gr) {
      out.push({
        name: `group ${g}`,
        status: 'warn',
        detail: `allowed_groups names ${g}, but there is no such Linux group: nobody gets in through it.`,
        fix: `Create it and add people: groupadd ${g} && usermod -aG ${g} <user> (or useradd -g ${g} <user> for new accounts).`,
      });
      continue;
    }
    if (opts.countMembers === false) continue; // the hub at start: no enumeration of all accounts
    const supp = (gr[3] ?? '').split(',').filter(Boolean);
    const prim = await run('getent', ['passwd']);
    const primaryMembers =
      prim.code === 0
        ? prim.stdout
            .split('\n')
            .filter((l) => l.split(':')[3] === gr[2])
            .map((l) => l.split(':')[0]!)
        : [];
    const members = [...new Set([...supp, ...primaryMembers])];
    out.push({
      name: `group ${g}`,
      status: members.length ? 'ok' : 'warn',
      detail: `group ${g} (gid ${gr[2]}) has ${members.length} member(s)${members.length ? `: ${members.slice(0, 10).join(', ')}${members.length > 10 ? ', …' : ''}` : ''} — primary and supplementary members both count`,
      ...(members.length ? {} : { fix: `Add people: usermod -aG ${g} <user>.` }),
    });
  }
  if (a.allow_all === true)
    out.push({
      name: 'allow_all',
      status: 'warn',
      detail:
        'Authenticator.allow_all is true: every Linux account with a password can log in and run code as itself.',
      fix: 'Restrict with LocalAuthenticator.allowed_groups (e.g. [jupyter]) unless every account on this machine should have access.',
    });
  return out;
}

/** PAM: root, the service file, a backend. */
export async function pamChecks(s: Settings, authId: string): Promise<CheckResult[]> {
  if (authId !== 'pam') return [];
  const out: CheckResult[] = [];
  const service = String((s.authenticatorOptions as Record<string, unknown>).service ?? 'login');
  out.push(
    pamServiceExists(service)
      ? {
          name: 'PAM service',
          status: 'ok',
          detail: `PAM service "${service}" is configured (/etc/pam.d/${service})`,
        }
      : {
          name: 'PAM service',
          status: 'error',
          detail: `PAM service "${service}" has no /etc/pam.d/${service}: PAM would refuse every login`,
          fix: `Set PAMAuthenticator.service to one of the files in /etc/pam.d (default login), or create /etc/pam.d/${service}.`,
        },
  );
  const backends = await availablePamBackends();
  out.push(
    backends.length
      ? {
          name: 'PAM backend',
          status: 'ok',
          detail: `password checks use ${backends[0]}${backends.length > 1 ? ` (also available: ${backends.slice(1).join(', ')})` : ''}`,
        }
      : {
          name: 'PAM backend',
          status: 'error',
          detail:
            'neither the node-linux-pam binding nor pamtester is available: no password can be checked',
          fix: 'apt-get install pamtester (no compiler needed), or npm install node-linux-pam (needs libpam0g-dev and build tools).',
        },
  );
  if (!isRoot()) {
    let shadow = false;
    try {
      accessSync('/etc/shadow', constants.R_OK);
      shadow = true;
    } catch {
      /* not readable */
    }
    out.push(
      shadow
        ? {
            name: 'root for PAM',
            status: 'warn',
            detail:
              "not root, but /etc/shadow is readable (group shadow): PAM can check passwords, yet servers will run as the hub's own user",
            fix: 'Run labhub as root to run each server as its user.',
          }
        : {
            name: 'root for PAM',
            status: 'error',
            detail:
              'not root and /etc/shadow is not readable: PAM can only check the password of the account labhub runs as',
            fix: 'Run labhub as root (sudo labhub, or the systemd unit in the README), or set JupyterHub.authenticator_class = native.',
          },
    );
  }
  return out;
}
