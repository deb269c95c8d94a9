/**
 * The OAuth 2 / OpenID Connect client of the OAuth authenticators, on openid-client (never a
 * hand-written protocol): authorization code with PKCE (S256) and `state` always, a nonce and ID
 * token verification for OpenID Connect (discovery from `issuer`), user data from the user-info
 * endpoint or the ID token, refresh, and the end-session URL. Constructors do no I/O: the
 * provider's metadata is fetched at the first login.
 */
import { createHash } from 'node:crypto';
import type * as Oidc from 'openid-client';
import { Agent } from 'undici';
import { HubError, isHubError } from '../../errors.js';
import type { JsonObject } from '../../util/json.js';
import { unverifiedJwtPayload } from './claims.js';
import { renameInTokenResponse, undiciFetch } from './transport.js';

/**
 * openid-client, loaded with the first provider configuration (every use below comes after
 * `configuration()`): a hub that logs in otherwise does not carry it.
 */
let oidc: typeof Oidc;
async function loadOidc(): Promise<void> {
  oidc ??= await import('openid-client');
}

/** The options the client needs (OAuthenticator trait names). */
export interface OAuthClientOptions {
  client_id: string;
  client_secret: string;
  authorize_url: string;
  token_url: string;
  userdata_url: string;
  userdata_from_id_token: boolean;
  scope: string[];
  extra_authorize_params: Record<string, string>;
  token_params: Record<string, unknown>;
  basic_auth: boolean;
  validate_server_cert: boolean;
  /** OpenID Connect with discovery (OpenIDOAuthenticator.issuer); '' for plain OAuth 2. */
  issuer: string;
  login_service: string;
}

/** What a completed login gives: the token response and the user data. */
export interface OAuthLoginData {
  tokens: JsonObject;
  /** The user data (OAuthenticator's `oauth_user`). */
  userdata: JsonObject;
}

/** The field a plain-OAuth token response's ID token is moved to (not verified, see below). */
const UNVERIFIED_ID_TOKEN = 'id_token';
const MOVED = 'labhub_unverified_id_token';

const oauthError = (status: number, message: string, logMessage?: string, cause?: unknown) =>
  new HubError('LABHUB_ERR_OAUTH_LOGIN', status, message, {
    logMessage: logMessage ?? message,
    cause,
  });

export class OAuthClient {
  private config: Promise<Oidc.Configuration> | null = null;
  private readonly insecureAgent: Agent | null;

  constructor(private readonly o: OAuthClientOptions) {
    this.insecureAgent = o.validate_server_cert
      ? null
      : new Agent({ connect: { rejectUnauthorized: false } });
  }

  /** OpenID Connect (ID tokens verified, nonce sent) rather than plain OAuth 2. */
  get isOidc(): boolean {
    return !!this.o.issuer;
  }

  private get where(): string {
    return this.o.issuer || this.o.token_url;
  }

  /** The provider's configuration: discovery (once it worked) or the configured endpoints. */
  configuration(): Promise<Oidc.Configuration> {
    this.config ??= this.build().catch((e: unknown) => {
      this.config = null; // try again at the next login
      throw e;
    });
    return this.config;
  }

  private auth(): Oidc.ClientAuth {
    if (!this.o.client_secret) return oidc.None();
    return this.o.basic_auth
      ? oidc.ClientSecretBasic(this.o.client_secret)
      : oidc.ClientSecretPost(this.o.client_secret);
  }

  private fetchImpl(): Oidc.CustomFetch {
    const send = undiciFetch(this.insecureAgent ?? undefined);
    // Plain OAuth 2 (GenericOAuthenticator): an ID token in the token response is not verified
    // (there is no issuer to check it against, as in OAuthenticator); it is kept aside for
    // userdata_from_id_token and as the logout hint, so openid-client does not reject it.
    return this.isOidc
      ? send
      : renameInTokenResponse(send, this.o.token_url, UNVERIFIED_ID_TOKEN, MOVED);
  }

  private async build(): Promise<Oidc.Configuration> {
    await loadOidc();
    const f = this.fetchImpl();
    if (this.o.issuer) {
      let issuer: URL;
      try {
        issuer = new URL(this.o.issuer);
      } catch {
        throw new HubError(
          'LABHUB_ERR_CONFIG',
          500,
          `OpenIDOAuthenticator.issuer must be a URL, got ${JSON.stringify(this.o.issuer)}.`,
        );
      }
      try {
        const c = await oidc.discovery(issuer, this.o.client_id, undefined, this.auth(), {
          ...(issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : {}),
          ...(f ? { [oidc.customFetch]: f } : {}),
        });
        if (f) c[oidc.customFetch] = f;
        return c;
      } catch (e) {
        throw oauthError(
          502,
          `The login provider (${this.o.login_service}) cannot be reached. Try again later, or tell the hub's administrator.`,
          `OpenID Connect discovery from ${issuer.href}.well-known/openid-configuration failed: ${(e as Error).message}`,
          e,
        );
      }
    }
    const metadata: Oidc.ServerMetadata = {
      issuer: new URL(this.o.token_url).origin,
      authorization_endpoint: this.o.authorize_url,
      token_endpoint: this.o.token_url,
      ...(this.o.userdata_url ? { userinfo_endpoint: this.o.userdata_url } : {}),
    };
    const c = new oidc.Configuration(metadata, this.o.client_id, undefined, this.auth());
    if (
      [this.o.authorize_url, this.o.token_url, this.o.userdata_url].some((u) =>
        u.startsWith('http:'),
      )
    )
      oidc.allowInsecureRequests(c);
    if (f) c[oidc.customFetch] = f;
    return c;
  }

  /** The authorization URL and what to keep until the callback (state, PKCE verifier, nonce). */
  async begin(callbackUrl: string): Promise<{ url: string; pending: JsonObject }> {
    const config = await this.configuration();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = this.isOidc ? oidc.randomNonce() : null;
    const params: Record<string, string> = {
      ...this.o.extra_authorize_params,
      redirect_uri: callbackUrl,
      response_type: 'code',
      code_challenge: pkceChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      ...(nonce ? { nonce } : {}),
    };
    if (this.o.scope.length) params.scope = this.o.scope.join(' ');
    const url = oidc.buildAuthorizationUrl(config, params);
    return { url: url.href, pending: { state, verifier, ...(nonce ? { nonce } : {}) } };
  }

  /** Exchange the code at the callback (state, PKCE, ID token checked) and read the user data. */
  async complete(input: {
    callbackUrl: string;
    currentUrl: URL;
    pending: JsonObject;
  }): Promise<OAuthLoginData> {
    const config = await this.configuration();
    const p = input.pending;
    const err = input.currentUrl.searchParams.get('error');
    if (err) {
      const desc = input.currentUrl.searchParams.get('error_description') ?? '';
      throw oauthError(
        403,
        err === 'access_denied'
          ? `The login at ${this.o.login_service} was cancelled or refused${desc ? ` (${desc.slice(0, 200)})` : ''}. Try again, or use another account.`
          : `${this.o.login_service} refused the login: ${err}${desc ? ` (${desc.slice(0, 200)})` : ''}. Try again; if it keeps failing, tell the hub's administrator.`,
      );
    }
    // The code is checked against the redirect_uri the provider saw: the callback URL, with the
    // query of this request.
    const current = new URL(input.callbackUrl);
    current.search = input.currentUrl.search;
    let tokens: Oidc.TokenEndpointResponse & Oidc.TokenEndpointResponseHelpers;
    try {
      tokens = await oidc.authorizationCodeGrant(
        config,
        current,
        {
          pkceCodeVerifier: String(p.verifier ?? ''),
          expectedState: String(p.state ?? ''),
          ...(this.isOidc ? { expectedNonce: String(p.nonce ?? ''), idTokenExpected: true } : {}),
        },
        stringParams(this.o.token_params),
      );
    } catch (e) {
      throw this.translate(e, 'the code exchange');
    }
    const tokenJson = { ...(tokens as unknown as JsonObject) };
    const idToken =
      typeof tokenJson.id_token === 'string'
        ? tokenJson.id_token
        : typeof tokenJson[MOVED] === 'string'
          ? (tokenJson[MOVED] as string)
          : null;
    if (tokenJson[MOVED]) {
      delete tokenJson[MOVED];
      tokenJson.id_token = idToken;
    }
    let userdata: JsonObject | null = null;
    const verified = this.isOidc ? (tokens.claims() as JsonObject | undefined) : undefined;
    if (this.o.userdata_from_id_token) {
      userdata = verified ?? (idToken ? unverifiedJwtPayload(idToken) : null);
      if (!userdata)
        throw oauthError(
          502,
          `${this.o.login_service} sent no ID token. Tell the hub's administrator.`,
          `userdata_from_id_token is set, but the token response from ${this.where} has no id_token (is "openid" in scope?)`,
        );
    } else {
      const u = await this.userinfo(tokens.access_token);
      if (u === 'unauthorized')
        throw this.translate(
          new Error('the user-info endpoint refused the new access token'),
          'reading the user data',
        );
      userdata = u;
      // OpenID Connect Core 5.3.2: the user-info `sub` must be the ID token's.
      if (verified && userdata.sub !== undefined && userdata.sub !== verified.sub)
        throw oauthError(
          403,
          `The answer of ${this.o.login_service} did not check out. Start the login again.`,
          `user-info sub ${JSON.stringify(userdata.sub)} differs from the ID token's ${JSON.stringify(verified.sub)}`,
        );
    }
    return { tokens: tokenJson, userdata };
  }

  /**
   * The user data from the user-info endpoint (userdata_url) with this access token, or
   * `unauthorized` when the provider refuses the token (expired or revoked). Throws HubError
   * for anything else.
   */
  async userinfo(accessToken: string): Promise<JsonObject | 'unauthorized'> {
    const config = await this.configuration();
    const url = config.serverMetadata().userinfo_endpoint;
    if (!url)
      throw oauthError(
        500,
        `The hub's login is not configured completely. Tell the hub's administrator.`,
        'No userdata_url (and no userinfo_endpoint in the discovery document), and userdata_from_id_token is false',
      );
    try {
      const res = await oidc.fetchProtectedResource(
        config,
        accessToken,
        new URL(url),
        'GET',
        undefined,
        new Headers({ Accept: 'application/json' }),
      );
      if (res.status === 401 || res.status === 403) return 'unauthorized';
      if (!res.ok) throw new Error(`HTTP ${res.status} from ${url}`);
      const v: unknown = await res.json();
      if (!v || typeof v !== 'object' || Array.isArray(v))
        throw new Error(`${url} did not answer with a JSON object`);
      return v as JsonObject;
    } catch (e) {
      if (e instanceof oidc.WWWAuthenticateChallengeError) return 'unauthorized';
      throw this.translate(e, 'reading the user data');
    }
  }

  /** GET a provider API URL with the access token: the status and the JSON body (null if none). */
  async api(accessToken: string, url: string): Promise<{ status: number; body: unknown }> {
    const config = await this.configuration();
    try {
      const res = await oidc.fetchProtectedResource(
        config,
        accessToken,
        new URL(url),
        'GET',
        undefined,
        new Headers({ Accept: 'application/json' }),
      );
      const text = await res.text();
      let body: unknown = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = null;
      }
      return { status: res.status, body };
    } catch (e) {
      throw this.translate(e, `GET ${url}`);
    }
  }

  /**
   * Refresh the tokens (an ID token in the answer is verified for OpenID Connect: its claims
   * are returned); null when the provider refuses the refresh token (log in again).
   */
  async refresh(refreshToken: string): Promise<{ tokens: JsonObject; claims?: JsonObject } | null> {
    const config = await this.configuration();
    try {
      const t = await oidc.refreshTokenGrant(
        config,
        refreshToken,
        stringParams(this.o.token_params),
      );
      const json = { ...(t as unknown as JsonObject) };
      if (json[MOVED]) {
        json.id_token = json[MOVED];
        delete json[MOVED];
      }
      const claims = this.isOidc ? (t.claims() as JsonObject | undefined) : undefined;
      return { tokens: json, ...(claims ? { claims } : {}) };
    } catch (e) {
      if (e instanceof oidc.ResponseBodyError && e.status < 500) return null;
      throw this.translate(e, 'the token refresh');
    }
  }

  /** The provider's end-session URL (RP-initiated logout), or null when it has none. */
  async endSessionUrl(idToken: string | null, postLogoutUrl: string): Promise<string | null> {
    if (!this.isOidc) return null;
    const config = await this.configuration();
    if (!config.serverMetadata().end_session_endpoint) return null;
    const params: Record<string, string> = {
      post_logout_redirect_uri: postLogoutUrl,
      client_id: this.o.client_id,
    };
    if (idToken) params.id_token_hint = idToken;
    return oidc.buildEndSessionUrl(config, params).href;
  }

  /** An openid-client error as what the person can do; the log keeps the detail. */
  private translate(e: unknown, step: string): HubError {
    if (isHubError(e)) return e;
    const detail = `${step} with ${this.where} failed: ${(e as Error)?.message ?? String(e)}`;
    if (e instanceof oidc.ResponseBodyError || e instanceof oidc.AuthorizationResponseError) {
      const body = e as { error?: string; error_description?: string };
      return oauthError(
        403,
        `${this.o.login_service} refused the login (${body.error ?? 'error'}). Start the login again; if it keeps failing, tell the hub's administrator.`,
        `${detail} (${body.error}: ${body.error_description ?? ''})`,
        e,
      );
    }
    if (e instanceof oidc.ClientError || (e as { code?: string })?.code?.startsWith?.('OAUTH_'))
      return oauthError(
        403,
        `The answer of ${this.o.login_service} did not check out (it may have been used already). Start the login again.`,
        detail,
        e,
      );
    return oauthError(
      502,
      `${this.o.login_service} cannot be reached. Try again later, or tell the hub's administrator.`,
      detail,
      e,
    );
  }
}

/**
 * The PKCE S256 challenge of a verifier (RFC 7636 4.2: BASE64URL(SHA256(ASCII(verifier)))), as
 * openid-client's calculatePKCECodeChallenge computes it, but synchronously with node:crypto:
 * its WebCrypto digest (a thread-pool job and promises) was the largest single cost of
 * /hub/oauth_login.
 */
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

function stringParams(p: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, String(v)]));
}
