/**
 * `labhub doctor` checks of the machine around the config: Linux accounts and groups named by
 * the policy, PAM backends, running servers as other users, TLS files, statsd, the database
 * and cookie secret files, Node. Each check returns results with the fix in words.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { dirname, resolve } from 'node:path';
import type { LoadedConfig } from '../config/index.js';
import type { Settings } from '../core/settings.js';
import { availablePamBackends, pamServiceExists } from '../auth/pam.js';
import { run } from '../auth/system-users.js';
import { findOnPath } from '../spawner/proc.js';
import { describeLimitSupport } from '../spawner/limits.js';
import { SELF_SIGNED_CERT_FILE, SELF_SIGNED_KEY_FILE } from '../core/tls.js';
import type { CheckResult } from './doctor-checks.js';

const SYSTEM_PATH = '/usr/bin:/bin:/usr/sbin:/sbin';
const isRoot = () => process.getuid?.() === 0;

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

/** Running servers as each user: root, setpriv, resource limits. */
export function spawnerChecks(s: Settings): CheckResult[] {
  const out: CheckResult[] = [];
  const extra = s.spawner.extra as Record<string, unknown>;
  const mode = String(extra.run_as_user ?? extra.runAsUser ?? 'auto');
  if (s.spawnerClass.toLowerCase().includes('localprocess') || s.spawnerClass === 'local-process') {
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

/** TLS: files readable, a matching pair, not expired, naming this host; or what will be generated. */
export function tlsChecks(s: Settings, loaded: LoadedConfig): CheckResult[] {
  const out: CheckResult[] = [];
  const lab = loaded.config.Labhub as unknown as Record<string, unknown>;
  const generate = lab.generate_self_signed_cert === true;
  const redirect = Number(lab.http_redirect_port ?? 0);
  if (!s.sslCert && !s.sslKey && !generate) {
    out.push({
      name: 'HTTPS',
      status: 'warn',
      detail: 'the public port serves plain HTTP: passwords cross the network in clear text',
      fix: "Set JupyterHub.ssl_cert and ssl_key (e.g. from Let's Encrypt), or Labhub.generate_self_signed_cert = true; or put labhub behind a TLS reverse proxy.",
    });
    if (redirect)
      out.push({
        name: 'http_redirect_port',
        status: 'warn',
        detail: `Labhub.http_redirect_port = ${redirect} does nothing without HTTPS`,
        fix: 'Enable HTTPS or remove http_redirect_port.',
      });
    return out;
  }
  if (generate) {
    const dir = dirname(resolve(s.cookieSecretFile));
    const cert = s.sslCert ?? `${dir}/${SELF_SIGNED_CERT_FILE}`;
    const key = s.sslKey ?? `${dir}/${SELF_SIGNED_KEY_FILE}`;
    if (!existsSync(cert) || !existsSync(key)) {
      let d = dirname(resolve(cert));
      while (!existsSync(d)) d = dirname(d);
      try {
        accessSync(d, constants.W_OK);
        out.push({
          name: 'HTTPS',
          status: 'ok',
          detail: `a self-signed certificate will be created at ${cert} on the first start (browsers warn about it)`,
        });
      } catch {
        out.push({
          name: 'HTTPS',
          status: 'error',
          detail: `a self-signed certificate should be created at ${cert}, but ${d} is not writable`,
          fix: 'Run labhub where it may write, or set JupyterHub.ssl_cert/ssl_key to writable paths.',
        });
      }
      return out;
    }
    out.push(...certFileChecks(cert, key, true));
  } else if (!s.sslCert || !s.sslKey) {
    out.push({
      name: 'HTTPS',
      status: 'error',
      detail: `only JupyterHub.${s.sslCert ? 'ssl_cert' : 'ssl_key'} is set; HTTPS needs both`,
      fix: 'Set both ssl_cert and ssl_key, or Labhub.generate_self_signed_cert = true.',
    });
  } else out.push(...certFileChecks(s.sslCert, s.sslKey, false));
  if (redirect && redirect < 1024 && !isRoot())
    out.push({
      name: 'http_redirect_port',
      status: 'error',
      detail: `port ${redirect} needs root`,
      fix: 'Run labhub as root, or choose a port ≥ 1024.',
    });
  return out;
}

function certFileChecks(certFile: string, keyFile: string, generated: boolean): CheckResult[] {
  const out: CheckResult[] = [];
  let cert: X509Certificate | null = null;
  for (const [k, f] of [
    ['ssl_cert', certFile],
    ['ssl_key', keyFile],
  ] as const) {
    try {
      accessSync(f, constants.R_OK);
    } catch {
      out.push({
        name: k,
        status: 'error',
        detail: `${f} (JupyterHub.${k}) cannot be read`,
        fix: 'Check the path and its permissions (labhub reads it at start, as root).',
      });
      return out;
    }
  }
  try {
    cert = new X509Certificate(readFileSync(certFile));
  } catch (e) {
    out.push({
      name: 'ssl_cert',
      status: 'error',
      detail: `${certFile} is not a PEM certificate (${(e as Error).message})`,
      fix: 'Point JupyterHub.ssl_cert at the PEM file (-----BEGIN CERTIFICATE-----), with the chain appended for a CA-issued certificate.',
    });
    return out;
  }
  try {
    if (!cert.checkPrivateKey(createPrivateKey(readFileSync(keyFile)))) {
      out.push({
        name: 'ssl_key',
        status: 'error',
        detail: `${keyFile} is not the key of ${certFile}`,
        fix: 'Use the key that was generated with this certificate.',
      });
      return out;
    }
  } catch (e) {
    out.push({
      name: 'ssl_key',
      status: 'error',
      detail: `${keyFile} is not a PEM private key (${(e as Error).message})`,
      fix: 'Point JupyterHub.ssl_key at the PEM key file (an encrypted key is not supported: decrypt it with openssl pkey).',
    });
    return out;
  }
  const until = new Date(cert.validTo);
  const days = Math.floor((until.getTime() - Date.now()) / 86400_000);
  if (days < 0)
    out.push({
      name: 'ssl_cert',
      status: generated ? 'warn' : 'error',
      detail: `${certFile} expired on ${until.toISOString()}`,
      fix: generated
        ? 'labhub renews its self-signed certificate at start.'
        : 'Renew the certificate (certbot renew) and restart labhub.',
    });
  else if (days < 21)
    out.push({
      name: 'ssl_cert',
      status: 'warn',
      detail: `${certFile} expires in ${days} day(s)`,
      fix: generated
        ? 'labhub renews it at the next start.'
        : 'Renew it (certbot renew) and restart labhub.',
    });
  else
    out.push({
      name: 'ssl_cert',
      status: 'ok',
      detail: `${certFile}: ${cert.subject.replace(/\n/g, ', ')}, valid until ${until.toISOString().slice(0, 10)}${cert.issuer === cert.subject ? ' (self-signed: browsers warn)' : ''}`,
    });
  return out;
}

/** statsd: where metrics go, and whether that name resolves. */
export async function statsdChecks(s: Settings): Promise<CheckResult[]> {
  const host = s.statsd.host;
  if (!host) return [];
  if (isIP(host))
    return [
      {
        name: 'statsd',
        status: 'ok',
        detail: `metrics go to ${host}:${s.statsd.port} (UDP) as ${s.statsd.prefix}.*`,
      },
    ];
  try {
    const a = await lookup(host);
    return [
      {
        name: 'statsd',
        status: 'ok',
        detail: `metrics go to ${host} (${a.address}):${s.statsd.port} (UDP) as ${s.statsd.prefix}.*`,
      },
    ];
  } catch {
    return [
      {
        name: 'statsd',
        status: 'warn',
        detail: `JupyterHub.statsd_host = ${host} does not resolve: metrics would be dropped`,
        fix: 'Use the IP address of the statsd server, or fix DNS / /etc/hosts.',
      },
    ];
  }
}

/** Database and cookie secret files, Node version. */
export function fileChecks(s: Settings): CheckResult[] {
  const out: CheckResult[] = [];
  const m = /^sqlite:\/\/\/(.+)$/.exec(s.dbUrl);
  if (m && m[1] !== ':memory:') {
    const file = resolve(m[1]!);
    const dir = dirname(file);
    try {
      accessSync(existsSync(file) ? file : dir, constants.W_OK);
      out.push({
        name: 'database',
        status: 'ok',
        detail: `SQLite at ${file}${existsSync(file) ? '' : ' (created at first start)'}`,
      });
    } catch {
      out.push({
        name: 'database',
        status: 'error',
        detail: `SQLite at ${file}: ${existsSync(file) ? 'the file' : dir} is not writable`,
        fix: 'Start labhub in a directory it may write (e.g. /srv/labhub), or set JupyterHub.db_url to an absolute path.',
      });
    }
  }
  const secret = resolve(s.cookieSecretFile);
  if (existsSync(secret) && !process.env.JPY_COOKIE_SECRET) {
    const mode = statSync(secret).mode & 0o777;
    if (mode & 0o077)
      out.push({
        name: 'cookie secret',
        status: 'warn',
        detail: `${secret} is readable by other accounts (mode ${mode.toString(8)}): anyone who reads it can forge logins`,
        fix: `chmod 600 ${secret}`,
      });
  }
  const [maj, min] = process.versions.node.split('.').map(Number) as [number, number];
  if (maj < 20 || (maj === 20 && min < 19))
    out.push({
      name: 'node',
      status: 'error',
      detail: `Node ${process.versions.node} is too old`,
      fix: 'Install Node 20.19 or newer (Debian: the NodeSource packages, or nvm).',
    });
  return out;
}
