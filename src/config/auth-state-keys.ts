/**
 * JupyterHub's base-class auth-state traits (`Authenticator.enable_auth_state`, `manage_groups`,
 * `refresh_pre_spawn`), as Z2JH-style configs set them. As in traitlets they apply to the
 * configured authenticator class unless it sets its own; they are refused (the hub does not
 * start) where the configured authenticator keeps no auth state (PAM, native, dummy, LDAP), so
 * nobody relies on tokens or group sync that would never happen.
 */
import { HubError } from '../errors.js';
import { classForId } from './inherit.js';
import { refusedHint } from './known-traits.js';
import { at, type RawConfig } from './raw.js';
import { ancestry, type ClassName } from './schema.js';
import type { Explicit } from './validate.js';

/** The keys, and what each does (for the message). */
const AUTH_STATE_KEYS: Record<string, string> = {
  enable_auth_state: 'keeping encrypted authentication state',
  manage_groups: 'group membership managed by the authenticator',
  refresh_pre_spawn: 'refreshing the login tokens before a server starts',
};

/** Classes whose authenticators hold tokens (and so honour the keys). */
const HOLDERS: readonly string[] = ['OAuthenticator', 'MultiAuthenticator'];

/**
 * The classes whose sections apply to the configured authenticator, most general first, or null
 * when it honours the keys (OAuth, several at once) or is a plugin labhub does not know (it reads
 * its own traits). `default` is PAM or native (auth/choice.ts): both keep no auth state.
 */
function chainWithoutAuthState(requested: string): ClassName[] | null {
  if (requested === 'default')
    return ['Authenticator', 'LocalAuthenticator', 'PAMAuthenticator', 'NativeAuthenticator'];
  const cls = classForId(requested);
  if (!cls) return null;
  const chain = ancestry(cls);
  return chain.some((c) => HOLDERS.includes(c)) ? null : chain;
}

/**
 * Throws HubError LABHUB_ERR_CONFIG naming every auth-state key set (not to false) on a class
 * of the configured authenticator when that authenticator keeps no auth state. With several
 * authenticators at once, the keys on Authenticator need at least one OAuth entry.
 */
export function refuseAuthStateKeys(raw: RawConfig, explicit: Explicit): void {
  const requested = (explicit.JupyterHub?.authenticator_class as string | undefined) ?? 'default';
  let chain = chainWithoutAuthState(requested);
  let leaf: string = chain?.at(-1) ?? '';
  if (requested === 'default') leaf = 'the default authenticator (PAM or native)';
  if (classForId(requested) === 'MultiAuthenticator') {
    // Refreshing on requests needs to know which entry a user logged in with: not built yet.
    for (const cls of ['Authenticator', 'MultiAuthenticator'] as const) {
      const v = explicit[cls]?.auth_refresh_age;
      if (v === undefined || v === 0) continue;
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        500,
        `Invalid configuration:\n${cls}.auth_refresh_age${at(raw.get(cls, 'auth_refresh_age') ?? {})} (refreshing the logins' auth state on requests) is not available with several authenticators yet, so it is refused rather than ignored. Remove it (or set it to 0).`,
      );
    }
  }
  if (!chain && classForId(requested) === 'MultiAuthenticator') {
    const entries = (explicit.MultiAuthenticator?.authenticators ?? []) as {
      authenticator_class: string;
    }[];
    const oauth = entries.some((e) => {
      const c = classForId(e.authenticator_class);
      return !!c && ancestry(c).includes('OAuthenticator');
    });
    if (entries.length && !oauth) {
      chain = ['Authenticator', 'MultiAuthenticator'];
      leaf = `MultiAuthenticator without an OAuth / OpenID Connect entry (${entries.map((e) => e.authenticator_class).join(', ')})`;
    }
  }
  if (!chain) return;
  const refused: string[] = [];
  for (const cls of chain) {
    for (const [trait, what] of Object.entries(AUTH_STATE_KEYS)) {
      const v = explicit[cls]?.[trait];
      if (v === undefined || v === false) continue;
      const e = raw.get(cls, trait) ?? {};
      refused.push(
        `${cls}.${trait}${at(e)} (${what}) is not implemented by ${leaf}, so it is refused rather than ignored. ` +
          `${refusedHint(['Authenticator'], trait)}.`,
      );
    }
  }
  if (refused.length)
    throw new HubError('LABHUB_ERR_CONFIG', 500, `Invalid configuration:\n${refused.join('\n')}`);
}
