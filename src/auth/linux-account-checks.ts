/**
 * The Linux accounts and groups a PAM policy names (admin_users, allowed_groups, allow_all),
 * looked up with getent: the PAM authenticator's start-up notices, and `labhub doctor`'s checks.
 */
import { run } from './system-users.js';

/** One finding, with the fix in words (the shape of `labhub doctor`'s checks). */
interface AccountCheck {
  name: string;
  status: 'ok' | 'warn' | 'error';
  detail: string;
  fix?: string;
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
 * Accounts and groups the policy names, and what a person can and cannot do with them. The PAM
 * authenticator reports the non-ok results at start (`countMembers: false`: only the names in the config are looked up).
 */
export async function linuxAccountChecks(
  a: Readonly<Record<string, unknown>>,
  opts: { countMembers?: boolean } = {},
): Promise<AccountCheck[]> {
  const out: AccountCheck[] = [];
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
