/**
 * Linux passwords, set by root: `chpasswd` (the password goes on stdin, never in argv, where
 * every user could read it with `ps`) and `chage -d 0` (the password must be changed at the
 * next login: PAM's account management then answers PAM_NEW_AUTHTOK_REQD).
 */
import { randomBytes } from 'node:crypto';
import { HubError } from '../errors.js';
import { logName } from './options.js';
import { LINUX_USERNAME_RE, run, type SystemUserManager } from './system-users.js';

/** A random one-time password: 16 characters of [A-Za-z0-9_-] (96 bits). */
export function oneTimePassword(): string {
  return randomBytes(12).toString('base64url');
}

/**
 * Why a Linux password cannot be set through chpasswd, or null if it can. chpasswd reads
 * `name:password` lines: a line break would start another line, i.e. set ANOTHER account's
 * password (`x\nroot:known`); NUL ends the C string early.
 */
export function linuxPasswordProblem(password: string): string | null {
  if (password.length === 0) return 'the password is empty';
  if (/[\r\n\0]/.test(password)) return 'the password contains a line break or a NUL character';
  if (password.length > 1024) return 'the password is longer than 1024 characters';
  return null;
}

function checkName(name: string): void {
  if (!LINUX_USERNAME_RE.test(name))
    throw new HubError(
      'LABHUB_ERR_SYSTEM_USER',
      400,
      `"${logName(name)}" is not a valid Linux account name.`,
    );
}

function notRoot(what: string): HubError {
  return new HubError(
    'LABHUB_ERR_SYSTEM_USER',
    500,
    `labhub cannot ${what}: it does not run as root.`,
    {
      logMessage: `${what} needs root (chpasswd/chage); labhub runs as uid ${process.getuid?.()}. Run labhub as root, or change the password with passwd.`,
    },
  );
}

/** Set the Linux password of `name` (root only). Throws LABHUB_ERR_BAD_REQUEST for an unusable password. */
export async function setLinuxPassword(name: string, password: string): Promise<void> {
  checkName(name);
  const problem = linuxPasswordProblem(password);
  if (problem)
    throw new HubError('LABHUB_ERR_BAD_REQUEST', 400, `This password cannot be used: ${problem}.`);
  if (process.getuid?.() !== 0) throw notRoot(`set the Linux password of ${name}`);
  const r = await run('chpasswd', [], { input: `${name}:${password}\n` });
  if (r.code !== 0)
    throw new HubError(
      'LABHUB_ERR_SYSTEM_USER',
      500,
      `Could not set the Linux password of ${name}.`,
      {
        logMessage: `chpasswd for ${name} failed (${r.error?.message ?? `exit code ${r.code}: ${r.stderr.trim().slice(0, 300)}`}).`,
      },
    );
}

/** Make the Linux password of `name` one that must be changed at the next login (root only). */
export async function expireLinuxPassword(name: string): Promise<void> {
  checkName(name);
  if (process.getuid?.() !== 0) throw notRoot(`expire the Linux password of ${name}`);
  const r = await run('chage', ['-d', '0', '--', name]);
  if (r.code !== 0)
    throw new HubError(
      'LABHUB_ERR_SYSTEM_USER',
      500,
      `Could not mark the Linux password of ${name} as one-time.`,
      {
        logMessage: `chage -d 0 ${name} failed (${r.error?.message ?? `exit code ${r.code}: ${r.stderr.trim().slice(0, 300)}`}).`,
      },
    );
}

/**
 * The Linux account `name` with a one-time password: created (with the configured or default
 * add-user command, home 0700) when missing, its random password set with chpasswd and expired
 * with `chage -d 0`, so PAM asks for a new one at the first login. Returns that password, or null
 * when the account already existed (its password is never touched). Root only.
 */
export async function ensureLinuxAccountWithOneTimePassword(
  systemUsers: SystemUserManager,
  name: string,
): Promise<string | null> {
  if ((await systemUsers.ensureUser(name, { create: true })) === 'exists') return null;
  const password = oneTimePassword();
  await setLinuxPassword(name, password);
  await expireLinuxPassword(name);
  return password;
}
