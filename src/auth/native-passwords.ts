/**
 * The native authenticator's rules for new passwords and sign-up e-mail addresses:
 * `minimum_password_length`, a maximum, and `check_common_password` (a list of about 49,000
 * common passwords from the `@zxcvbn-ts/language-common` package, compared case-insensitively).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { HubError } from '../errors.js';

/** Longest password accepted (longer ones are refused without hashing). */
export const MAX_PASSWORD_LENGTH = 1024;
/** Longest e-mail address accepted (RFC 5321's path limit). */
export const MAX_EMAIL_LENGTH = 254;

let common: Set<string> | undefined;

/** The common-password list, loaded once on first use (only when check_common_password is on). */
export function commonPasswords(): Set<string> {
  if (!common) {
    const require = createRequire(import.meta.url);
    const pkg = require.resolve('@zxcvbn-ts/language-common/package.json');
    const list = JSON.parse(
      readFileSync(join(dirname(pkg), 'src', 'passwords.json'), 'utf8'),
    ) as unknown;
    if (!Array.isArray(list) || list.length < 1000)
      throw new HubError(
        'LABHUB_ERR_INTERNAL',
        500,
        'The list of common passwords could not be read.',
        {
          logMessage: `@zxcvbn-ts/language-common/src/passwords.json is not a list of passwords (reinstall the npm dependencies)`,
        },
      );
    common = new Set(list.map((p) => String(p).toLowerCase()));
  }
  return common;
}

export interface PasswordRules {
  minLength: number;
  checkCommon: boolean;
}

/** Throws HubError LABHUB_ERR_BAD_REQUEST (400) when `password` breaks a rule; the message says which. */
export function checkNewPassword(password: string, rules: PasswordRules): void {
  const bad = (msg: string) => new HubError('LABHUB_ERR_BAD_REQUEST', 400, msg);
  if (password.length < rules.minLength)
    throw bad(`The password must be at least ${rules.minLength} characters long.`);
  if (password.length > MAX_PASSWORD_LENGTH)
    throw bad(`The password must be at most ${MAX_PASSWORD_LENGTH} characters long.`);
  // scrypt's HMAC pads short keys with zero bytes: "pw" and "pw\0" would be the same password.
  if (password.includes('\0')) throw bad('The password must not contain a NUL character.');
  if (rules.checkCommon && commonPasswords().has(password.toLowerCase()))
    throw bad(
      'This password is too common: it is on a list of often-used passwords. Choose another one.',
    );
}

/**
 * The sign-up e-mail address, trimmed; throws HubError LABHUB_ERR_BAD_REQUEST when it is missing
 * or does not look like `name@domain`.
 */
export function checkEmail(raw: string | undefined): string {
  const email = (raw ?? '').trim();
  if (!email) throw new HubError('LABHUB_ERR_BAD_REQUEST', 400, 'Enter your e-mail address.');
  if (email.length > MAX_EMAIL_LENGTH || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))
    throw new HubError(
      'LABHUB_ERR_BAD_REQUEST',
      400,
      'The e-mail address is not valid: it must look like name@example.org.',
    );
  return email;
}
