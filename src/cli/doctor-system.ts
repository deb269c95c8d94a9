/**
 * `labhub doctor` checks of the login side: which authenticator the hub will use and why, whether
 * PAM can run (the same rule and words as the hub's start, see auth/choice.ts: the root, the
 * service file, a backend, the reason the binding did not load), and the Linux accounts and groups
 * named by the policy. Each check returns results with the fix in words. Other machine checks:
 * doctor-spawner.ts, doctor-tls.ts, doctor-statsd.ts, doctor-files.ts.
 */
import type { HubConfig } from '../config/index.js';
import type { Settings } from '../core/settings.js';
import {
  chooseAuthenticator,
  pamFix,
  pamProblem,
  pamServiceOf,
  type AuthChoice,
} from '../auth/choice.js';
import { pamReadiness } from '../auth/pam-backends.js';
import { run } from '../auth/system-users.js';
import type { CheckResult } from './doctor-checks.js';

/** True when labhub runs as root (the checks of PAM, servers and ports depend on it). */
export const isRoot = (): boolean => process.getuid?.() === 0;

/**
 * The authenticator the hub will use (as its start would decide) and, for PAM, whether it can run:
 * an error with the start's own refusal when it cannot, the service file, the backends (with the
 * reason the node-linux-pam binding did not load), and root.
 */
export async function authenticatorChecks(config: HubConfig): Promise<CheckResult[]> {
  const choice = chooseAuthenticator(config);
  if (!choice.pam) return [nonPamCheck(choice)];
  const service = pamServiceOf(config);
  const r = await pamReadiness(service);
  const out: CheckResult[] = [
    r.problems.length
      ? {
          name: 'authenticator',
          status: 'error',
          detail: pamProblem(choice, r.problems),
          fix: pamFix(choice, r.problems),
        }
      : {
          name: 'authenticator',
          status: 'ok',
          detail: `PAM (${choice.why}): people log in with their Linux account and password`,
        },
  ];
  // A missing service file is part of the error above.
  if (r.serviceExists)
    out.push({
      name: 'PAM service',
      status: 'ok',
      detail: `PAM service "${service}" is configured (/etc/pam.d/${service})`,
    });
  if (r.backends.length)
    out.push({
      name: 'PAM backend',
      status: 'ok',
      detail: `password checks use ${r.backends[0]}${r.backends.length > 1 ? ` (also available: ${r.backends.slice(1).join(', ')})` : ''}`,
    });
  for (const w of r.warnings)
    out.push({ name: w.topic, status: 'warn', detail: w.text, fix: w.fix });
  return out;
}

/** Not PAM: say which and why, and flag PAM settings that will have no effect. */
function nonPamCheck(choice: AuthChoice): CheckResult {
  const name = 'authenticator';
  if (choice.pamSettings.length)
    return {
      name,
      status: 'warn',
      detail: `${choice.why}, so ${choice.pamSettings.join(', ')} (PAM settings) have no effect`,
      fix: `Remove them, or set JupyterHub.authenticator_class = 'pam' if people should log in with their Linux passwords.`,
    };
  return {
    name,
    status: 'ok',
    detail:
      choice.id === 'native'
        ? `labhub's own accounts, stored in the hub database (${choice.why})`
        : `${choice.id} (${choice.why})`,
  };
}

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
