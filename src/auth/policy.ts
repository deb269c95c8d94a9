/**
 * Who may log in and who is admin — JupyterHub's Authenticator allow/block/admin policy, kept
 * apart from the plugins that verify credentials (DESIGN.md). The login handler calls
 * `authenticator.authenticate()` first, then `policy.check()` on the result.
 *
 * Options (JupyterHub trait names, read from the merged Authenticator/LocalAuthenticator/... options):
 * `allow_all`, `allowed_users`, `allowed_groups`, `blocked_users`, `admin_users`, `admin_groups`,
 * `allow_existing_users`, `username_pattern`, `username_map`. The legacy names (`whitelist`,
 * `blacklist`, `group_whitelist`) never reach the policy: config/renames.ts renames them (and
 * refuses a config that sets both names to different values) when the config is loaded.
 */
import type { Logger } from '../log.js';
import type { AuthResult } from './types.js';
import { HubError } from '../errors.js';
import { z } from 'zod';
import { logName } from './options.js';
import { parsePluginOptions } from '../plugins/options.js';
import { checkUserName } from '../util/names.js';

/** The one message a person sees for any refused login (never says which check failed). */
export const LOGIN_FAILED_MESSAGE = 'Invalid username or password.';

/** What the caller knows about the user when checking policy. */
export interface PolicyContext {
  /** The user already exists in the hub database (for `allow_existing_users`). */
  existsInDb: boolean;
  /**
   * The user's groups (for Linux: primary AND supplementary, e.g. pam.ts `groupsOfUser`). Only
   * called when `allowed_groups`/`admin_groups` are set and the result carries no `groups`.
   */
  groupsOf?(name: string): Promise<string[]>;
}

/** The outcome of {@link Policy.check}. */
export type PolicyDecision =
  | {
      allowed: true;
      /** The normalized username to use from now on. */
      name: string;
      admin: boolean;
      /** Which rule let the user in (for the log), e.g. `allowed_users`, `allowed_groups (jupyter)`. */
      via: string;
      /** The groups looked up, when they were needed. */
      groups?: string[];
    }
  | {
      allowed: false;
      name: string;
      /** Exactly why, for the log only (names truncated, see {@link logName}). */
      reason: string;
      /** Generic text for the page: {@link LOGIN_FAILED_MESSAGE}. */
      userMessage: string;
    };

export type ValidationResult = { ok: true } | { ok: false; reason: string };

/** The resolved settings, for `labhub doctor` and logs. */
export interface PolicySettings {
  allowAll: boolean;
  allowExistingUsers: boolean;
  allowedUsers: ReadonlySet<string>;
  allowedGroups: ReadonlySet<string>;
  blockedUsers: ReadonlySet<string>;
  adminUsers: ReadonlySet<string>;
  adminGroups: ReadonlySet<string>;
  usernamePattern: RegExp | null;
}

export interface Policy {
  /** trim + lower-case, then `username_map`. */
  normalize(name: string): string;
  /** Reject what {@link validateBasic} rejects, and names not matching `username_pattern` (whole name). */
  validate(name: string): ValidationResult;
  /** Apply blocked → admin → allowed, in that order (blocked beats everything). Never throws. */
  check(result: AuthResult, ctx: PolicyContext): Promise<PolicyDecision>;
  /** Configuration warnings found at creation (also logged if a logger was given). */
  readonly warnings: readonly string[];
  readonly settings: PolicySettings;
}

export interface PolicyMeta {
  /**
   * `allow_all` defaults to true without `allowed_users` (the authenticator's
   * `allowAllByDefault`: JupyterHub 5's DummyAuthenticator).
   */
  allowAllByDefault?: boolean;
  /** The authenticator's `normalizeUsername`, applied before `username_map` (default: {@link normalizeBasic}). */
  normalizeUsername?: (name: string) => string;
  log?: Logger;
}

/** Default normalization: trim, lower-case. */
export function normalizeBasic(name: string): string {
  return name.trim().toLowerCase();
}

/**
 * The checks every username passes, whatever the configuration: the hub's name rules
 * (src/util/names.ts — no `/`, `\`, `%`, `?`, `#`, no `.`/`..` however spelled, no control
 * characters, at most 255 characters, no leading or trailing space).
 */
export function validateBasic(name: string): ValidationResult {
  return checkUserName(name);
}

/** A set of names: a list (or a Set) of strings; a bare string is refused (it is not a set). */
const names = z.preprocess(
  (v) => (v instanceof Set ? [...(v as Set<unknown>)] : v),
  z.array(z.string()).nullish(),
);

/**
 * The policy's options (Authenticator and LocalAuthenticator traits). Absent values keep their
 * meaning: `allow_all` then depends on the authenticator, `allow_existing_users` on allowed_users.
 */
const policyOptionsSchema = z.object({
  allowed_users: names,
  blocked_users: names,
  admin_users: names,
  allowed_groups: names,
  admin_groups: names,
  allow_all: z.boolean().nullish(),
  allow_existing_users: z.boolean().nullish(),
  username_pattern: z.string().nullish(),
  username_map: z.record(z.string(), z.string()).nullish(),
});

function looksLikeSplitWord(set: Set<string>): boolean {
  return set.size > 1 && [...set].every((n) => n.length === 1);
}

/**
 * Build the policy from options. Throws HubError LABHUB_ERR_CONFIG for values of the wrong type
 * or an invalid `username_pattern`.
 */
export function createPolicy(options: Record<string, unknown>, meta: PolicyMeta = {}): Policy {
  const W = 'Authenticator';
  const warnings: string[] = [];

  const o = parsePluginOptions(policyOptionsSchema, options, W);
  const normalizeUsername = meta.normalizeUsername ?? normalizeBasic;
  const norm = (list?: string[] | null) => new Set((list ?? []).map(normalizeUsername));
  const allowedUsers = norm(o.allowed_users);
  const allowedGroups = new Set(o.allowed_groups ?? []);
  const blockedUsers = norm(o.blocked_users);
  const adminUsers = norm(o.admin_users);
  const adminGroups = new Set(o.admin_groups ?? []);

  for (const [key, set] of [
    ['allowed_users', allowedUsers],
    ['admin_users', adminUsers],
    ['blocked_users', blockedUsers],
    ['allowed_groups', allowedGroups],
    ['admin_groups', adminGroups],
  ] as const) {
    if (looksLikeSplitWord(set))
      warnings.push(
        `${key} holds only one-letter names (${[...set].join(', ')}): this is what set('word') gives in Python. ` +
          `Did you mean ["${[...set].join('')}"]? The one-letter names are used as written.`,
      );
  }

  const dummyDefault = meta.allowAllByDefault === true && allowedUsers.size === 0;
  const allowAll = o.allow_all ?? dummyDefault;
  const allowExistingUsers = o.allow_existing_users ?? allowedUsers.size > 0;

  const patternSrc = o.username_pattern ?? '';
  let usernamePattern: RegExp | null = null;
  if (patternSrc) {
    try {
      usernamePattern = new RegExp(`^(?:${patternSrc})$`, 'u');
    } catch (e) {
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        500,
        `Authenticator.username_pattern must be a valid regular expression, but ${JSON.stringify(patternSrc)} is not ` +
          `(${(e as Error).message}). Fix it in the configuration file.`,
      );
    }
  }
  const usernameMap = new Map<string, string>();
  for (const [k, v] of Object.entries(o.username_map ?? {}))
    usernameMap.set(normalizeUsername(k), normalizeUsername(v));

  if (allowAll && (allowedUsers.size > 0 || allowedGroups.size > 0))
    warnings.push(
      'allow_all is true, so allowed_users and allowed_groups restrict nothing. Remove one or the other.',
    );
  for (const n of adminUsers)
    if (blockedUsers.has(n))
      warnings.push(`${logName(n)} is in both admin_users and blocked_users: blocked wins.`);
  if (
    !allowAll &&
    !allowExistingUsers &&
    allowedUsers.size === 0 &&
    allowedGroups.size === 0 &&
    adminUsers.size === 0 &&
    adminGroups.size === 0
  )
    warnings.push(
      'No one can log in: allow_all is false and allowed_users, allowed_groups, admin_users and admin_groups are empty. ' +
        'Set Authenticator.allowed_users or allowed_groups, or allow_all: true.',
    );
  for (const w of warnings) meta.log?.warn(w);

  const settings: PolicySettings = {
    allowAll,
    allowExistingUsers,
    allowedUsers,
    allowedGroups,
    blockedUsers,
    adminUsers,
    adminGroups,
    usernamePattern,
  };

  function normalize(name: string): string {
    const n = normalizeUsername(name);
    return usernameMap.get(n) ?? n;
  }

  function validate(name: string): ValidationResult {
    const basic = validateBasic(name);
    if (!basic.ok) return basic;
    if (usernamePattern && !usernamePattern.test(name))
      return { ok: false, reason: `the username does not match username_pattern ${patternSrc}` };
    return { ok: true };
  }

  async function check(result: AuthResult, ctx: PolicyContext): Promise<PolicyDecision> {
    const name = normalize(result.name ?? '');
    const deny = (reason: string): PolicyDecision => ({
      allowed: false,
      name,
      reason: `login refused for "${logName(name)}": ${reason}`,
      userMessage: LOGIN_FAILED_MESSAGE,
    });
    const v = validate(name);
    if (!v.ok) return deny(v.reason);
    if (blockedUsers.has(name)) return deny('the user is in blocked_users');

    let groups: string[] | undefined;
    let groupError: string | undefined;
    if (allowedGroups.size > 0 || adminGroups.size > 0) {
      if (result.groups) groups = result.groups;
      else if (ctx.groupsOf) {
        try {
          groups = await ctx.groupsOf(name);
        } catch (e) {
          // Fail closed: no group-based access or admin when groups cannot be read.
          groupError = `its groups could not be read (${(e as Error).message})`;
          meta.log?.warn({ user: logName(name) }, `policy: ${groupError}`);
        }
      }
    }
    const inSet = (set: ReadonlySet<string>) => (groups ?? []).find((g) => set.has(g));

    const adminGroup = inSet(adminGroups);
    const admin = result.admin === true || adminUsers.has(name) || adminGroup !== undefined;
    const withGroups = groups ? { groups } : {};
    if (admin) {
      const via =
        result.admin === true
          ? 'admin (identity source)'
          : adminUsers.has(name)
            ? 'admin_users'
            : `admin_groups (${adminGroup})`;
      return { allowed: true, name, admin: true, via, ...withGroups };
    }
    if (allowAll) return { allowed: true, name, admin: false, via: 'allow_all', ...withGroups };
    if (allowedUsers.has(name))
      return { allowed: true, name, admin: false, via: 'allowed_users', ...withGroups };
    if (result.allowedVia)
      return { allowed: true, name, admin: false, via: result.allowedVia, ...withGroups };
    if (allowExistingUsers && ctx.existsInDb)
      return {
        allowed: true,
        name,
        admin: false,
        via: 'allow_existing_users (already a hub user)',
        ...withGroups,
      };
    const allowedGroup = inSet(allowedGroups);
    if (allowedGroup !== undefined)
      return {
        allowed: true,
        name,
        admin: false,
        via: `allowed_groups (${allowedGroup})`,
        ...withGroups,
      };

    const parts = ['allow_all is false'];
    parts.push(allowedUsers.size ? 'the user is not in allowed_users' : 'allowed_users is empty');
    if (allowedGroups.size) {
      const shown = groups
        ? `its groups: ${groups.slice(0, 20).join(', ') || 'none'}`
        : (groupError ?? 'its groups are unknown');
      parts.push(`it is in none of allowed_groups [${[...allowedGroups].join(', ')}] (${shown})`);
    } else parts.push('allowed_groups is empty');
    parts.push(
      allowExistingUsers ? 'it is not an existing hub user' : 'allow_existing_users is false',
    );
    return deny(parts.join('; '));
  }

  return { normalize, validate, check, warnings, settings };
}
