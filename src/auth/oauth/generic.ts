/**
 * The OAuth 2 / OpenID Connect authenticators with OAuthenticator 17's traits:
 * `generic-oauth` (GenericOAuthenticator: the endpoints are configured) and `openid` (the
 * endpoints come from the issuer's discovery document; ID tokens are verified). The login is a
 * redirect flow (`redirectLogin`): /hub/oauth_login → provider → /hub/oauth_callback. Who may log
 * in (allowed_users, allowed_groups, admin_groups, …) is the policy's (auth/policy.ts), fed with
 * the groups read here.
 */
import { z } from 'zod';
import { authenticatorTraits } from '../../config/schema-auth.js';
import { oauthenticatorTraits, openIdOAuthenticatorTraits } from '../../config/schema-oauth.js';
import { HubError } from '../../errors.js';
import type { JsonObject } from '../../util/json.js';
import type { Logger } from '../../log.js';
import type { AuthResult, Authenticator } from '../types.js';
import { defineAuthenticator } from '../define.js';
import { atPath, groupsFrom } from './claims.js';
import { compileUsernameClaim } from './username-template.js';
import { OAuthClient } from './client.js';

const oauthOptionsSchema = z.object({
  ...oauthenticatorTraits,
  issuer: openIdOAuthenticatorTraits.issuer,
  allow_all: authenticatorTraits.allow_all,
  enable_auth_state: authenticatorTraits.enable_auth_state,
  manage_groups: authenticatorTraits.manage_groups,
  refresh_pre_spawn: authenticatorTraits.refresh_pre_spawn,
});
export type OAuthOptions = z.output<typeof oauthOptionsSchema>;

/** How the tokens become auth_state (OAuthenticator's shape). */
export function authStateOf(tokens: JsonObject, userdata: JsonObject, now: number): JsonObject {
  const expiresIn = typeof tokens.expires_in === 'number' ? tokens.expires_in : null;
  return {
    access_token: (tokens.access_token as string | undefined) ?? null,
    refresh_token: (tokens.refresh_token as string | undefined) ?? null,
    id_token: (tokens.id_token as string | undefined) ?? null,
    scope: typeof tokens.scope === 'string' ? tokens.scope.split(' ').filter(Boolean) : [],
    token_type: (tokens.token_type as string | undefined) ?? null,
    expires_at: expiresIn === null ? null : Math.floor(now / 1000) + expiresIn,
    token_response: tokens,
    oauth_user: userdata,
  };
}

function requireSet(o: OAuthOptions, cls: string, keys: (keyof OAuthOptions)[]): void {
  const missing = keys.filter((k) => !o[k]);
  if (missing.length)
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      `${cls} needs ${missing.map((k) => `${cls}.${String(k)}`).join(', ')}: set ${missing.length > 1 ? 'them' : 'it'} in the configuration (the values come from registering the hub at the provider; see docs/authentication.md).`,
    );
}

/** What a preset adds to the generic flow. */
export interface OAuthFlavour {
  /** The config class named in messages (GenericOAuthenticator, GitHubOAuthenticator, …). */
  cls: string;
  describe: string;
  /**
   * After the user data was read: checks at the provider's API (organizations, groups) or on the
   * data (domain). `refuse`: the login is refused with this message (it follows "You signed in
   * at <service> as <name>, but "); `allowedVia`: a rule of the provider let the user in (the
   * policy's other rules still apply: blocked_users wins); `groups` are added to the user's groups;
   * `name` replaces the user name.
   */
  verify?(v: {
    userdata: JsonObject;
    name: string;
    api(url: string): Promise<{ status: number; body: unknown }>;
  }): Promise<{ refuse?: string; allowedVia?: string; groups?: string[]; name?: string }>;
}

/** Build an OAuth authenticator (used by `generic-oauth`, `openid` and the presets). */
export function createOAuthAuthenticator(
  o: OAuthOptions,
  deps: { log: Logger; now?: () => number },
  flavour: OAuthFlavour,
): Authenticator {
  const now = deps.now ?? Date.now;
  if (Object.keys(o.auth_state_env).length && !o.enable_auth_state)
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      `${flavour.cls}.auth_state_env needs ${flavour.cls}.enable_auth_state = True (the values come from the auth state, which is kept only then; it also needs JUPYTERHUB_CRYPT_KEY).`,
    );
  const usernameOf = compileUsernameClaim(o.username_claim, `${flavour.cls}.username_claim`);
  const client = new OAuthClient({ ...o });
  const groupsOf = (state: JsonObject) =>
    groupsFrom(state, { authStateKey: o.auth_state_groups_key, claimKey: o.claim_groups_key });

  function result(tokens: JsonObject, data: JsonObject): AuthResult {
    const name = usernameOf(data);
    if (!name)
      throw new HubError(
        'LABHUB_ERR_OAUTH_LOGIN',
        403,
        `${o.login_service} did not tell the hub your user name. Tell the hub's administrator.`,
        {
          logMessage: `The user data has no ${usernameOf.fields.map((f) => `"${f}"`).join(' or ')} (${flavour.cls}.username_claim = ${JSON.stringify(o.username_claim)}); its fields: ${Object.keys(data).slice(0, 30).join(', ')}`,
        },
      );
    const authState = authStateOf(tokens, data, now());
    return { name, groups: groupsOf(authState), authState };
  }

  /** The result of a login or refresh, after the preset's checks (a refusal throws 403). */
  async function checked(tokens: JsonObject, userdata: JsonObject): Promise<AuthResult> {
    const r = result(tokens, userdata);
    if (!flavour.verify) return r;
    const access = String(tokens.access_token ?? '');
    const v = await flavour.verify({
      userdata,
      name: r.name,
      api: (url) => client.api(access, url),
    });
    if (v.refuse)
      throw new HubError(
        'LABHUB_ERR_OAUTH_LOGIN',
        403,
        `You signed in at ${o.login_service} as "${r.name.slice(0, 64)}", but ${v.refuse}`,
      );
    const groups = [...new Set([...(r.groups ?? []), ...(v.groups ?? [])])];
    return {
      ...r,
      name: v.name ?? r.name,
      groups,
      ...(v.allowedVia ? { allowedVia: v.allowedVia } : {}),
    };
  }

  /**
   * OAuthenticator 17's refresh_user: renew an access token that has expired or expires within
   * `age` with the refresh token, then read the user data again (groups, the preset's checks).
   */
  async function refresh(state: JsonObject, ageMs: number): Promise<AuthResult | 'expired'> {
    const rt = typeof state.refresh_token === 'string' ? state.refresh_token : null;
    const expiresAt = typeof state.expires_at === 'number' ? state.expires_at * 1000 : null;
    let tokens = (state.token_response ?? {}) as JsonObject;
    let claims: JsonObject | undefined;
    let renewed = false;
    const renew = async (): Promise<boolean> => {
      if (!rt) return false;
      const t = await client.refresh(rt);
      if (!t) return false;
      // A provider may rotate or keep the refresh token and ID token.
      tokens = {
        refresh_token: rt,
        ...(state.id_token ? { id_token: state.id_token } : {}),
        ...t.tokens,
      };
      claims = t.claims;
      renewed = true;
      return true;
    };
    // No expiry known: trust the token until the provider refuses it (as OAuthenticator).
    if (expiresAt !== null && expiresAt <= now() + Math.max(ageMs, 60_000)) {
      if (rt) {
        if (!(await renew())) return 'expired';
      } else if (expiresAt <= now()) return 'expired';
    }
    const access = () => String(renewed ? tokens.access_token : state.access_token);
    let userdata: JsonObject;
    if (o.userdata_from_id_token) {
      userdata = claims ?? (state.oauth_user as JsonObject | null) ?? {};
    } else {
      let u = await client.userinfo(access());
      if (u === 'unauthorized' && !renewed && (await renew())) u = await client.userinfo(access());
      if (u === 'unauthorized') return 'expired';
      const sub = (state.oauth_user as JsonObject | null)?.sub;
      // The same account as at the login (OpenID Connect Core 5.3.2 for a new ID token).
      const expected = claims?.sub ?? sub;
      if (u.sub !== undefined && expected !== undefined && u.sub !== expected) return 'expired';
      userdata = u;
    }
    let r: AuthResult;
    try {
      r = await checked(tokens, userdata);
    } catch (e) {
      if (e instanceof HubError && e.status < 500) {
        deps.log.info(`${flavour.cls}: refreshing the login found: ${e.logMessage ?? e.message}`);
        return 'expired';
      }
      throw e;
    }
    // Tokens not renewed: the stored ones stay, with their expiry; only the user data is new.
    if (!renewed) r = { ...r, authState: { ...state, oauth_user: userdata } };
    return r;
  }

  return {
    description: `${flavour.describe} (${o.login_service})`,
    enableAuthState: o.enable_auth_state,
    passwordLogin: false,
    refreshPreSpawn: o.refresh_pre_spawn,
    manageGroups: o.manage_groups,
    async startupNotices() {
      // OpenID Connect: fetch the discovery document now, so a wrong issuer shows in the log at
      // start rather than at the first login.
      try {
        await client.configuration();
        return [];
      } catch (e) {
        const err = e as HubError;
        return [
          { level: 'warn' as const, message: `${flavour.cls}: ${err.logMessage ?? err.message}` },
        ];
      }
    },
    spawnEnv(state) {
      const env: Record<string, string> = {};
      for (const [k, path] of Object.entries(o.auth_state_env)) {
        const v = atPath(state, path);
        if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
          env[k] = String(v);
        else if (v !== undefined && v !== null) env[k] = JSON.stringify(v);
      }
      return env;
    },
    async authenticate(input) {
      deps.log.info(
        `${flavour.cls}: a password login for "${input.username.slice(0, 64)}" was refused: this hub logs in at ${o.login_service} (/hub/oauth_login)`,
      );
      return null;
    },
    redirectLogin: {
      label: o.login_service,
      begin: (callbackUrl) => client.begin(o.oauth_callback_url || callbackUrl),
      async complete(input) {
        const data = await client.complete({
          ...input,
          callbackUrl: o.oauth_callback_url || input.callbackUrl,
        });
        return checked(data.tokens, data.userdata);
      },
      async logoutUrl(authState, postLogoutUrl) {
        if (o.logout_redirect_url) return o.logout_redirect_url;
        const idToken = typeof authState?.id_token === 'string' ? authState.id_token : null;
        return client.endSessionUrl(idToken, postLogoutUrl);
      },
    },
    async refreshUser(_name, state, opts) {
      // No auth state kept: nothing to refresh (as OAuthenticator); kept but none: log in again.
      if (!o.enable_auth_state) return 'unchanged';
      if (!state || typeof state.access_token !== 'string') return 'expired';
      return refresh(state, (opts?.age ?? 0) * 1000);
    },
  };
}

/** `generic-oauth`: GenericOAuthenticator, the endpoints given in the configuration. */
export const genericOAuthenticatorDefinition = defineAuthenticator({
  id: 'generic-oauth',
  aliases: [
    'generic-oauth',
    'generic',
    'GenericOAuthenticator',
    'oauthenticator.generic.GenericOAuthenticator',
    'oauthenticator.GenericOAuthenticator',
  ],
  configClasses: ['Authenticator', 'OAuthenticator', 'GenericOAuthenticator'],
  options: oauthOptionsSchema,
  create(o, deps) {
    requireSet(o, 'GenericOAuthenticator', ['client_id', 'authorize_url', 'token_url']);
    if (!o.userdata_url && !o.userdata_from_id_token)
      requireSet(o, 'GenericOAuthenticator', ['userdata_url']);
    return createOAuthAuthenticator({ ...o, issuer: '' }, deps, {
      cls: 'GenericOAuthenticator',
      describe: 'OAuth 2',
    });
  },
});

/** `openid`: OpenID Connect, the endpoints from `issuer`'s discovery document. */
export const openIdAuthenticatorDefinition = defineAuthenticator({
  id: 'openid',
  aliases: ['openid', 'oidc', 'OpenIDOAuthenticator', 'labhub.OpenIDOAuthenticator'],
  configClasses: [
    'Authenticator',
    'OAuthenticator',
    'GenericOAuthenticator',
    'OpenIDOAuthenticator',
  ],
  options: oauthOptionsSchema,
  create(o, deps) {
    requireSet(o, 'OpenIDOAuthenticator', ['client_id', 'issuer']);
    return createOAuthAuthenticator(o, deps, {
      cls: 'OpenIDOAuthenticator',
      describe: 'OpenID Connect',
    });
  },
});
