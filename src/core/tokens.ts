/**
 * API tokens of users, for the REST API and `labhub token` alike: listing, looking up and
 * revoking a user's tokens, and issuing new ones under the hub's rules — the expiry cap
 * (`JupyterHub.token_expires_in_max_seconds`), known scopes, role expansion, and never more
 * than the owner (and the requester, when acting for someone else) holds.
 */
import type { Store, TokenRecord, User } from '../db/index.js';
import { HubError } from '../errors.js';
import { MAX_SQL_INT } from './bounded-input.js';
import type { Permissions } from './rbac/permissions.js';
import { roleScopes } from './rbac/roles.js';
import { expandScopes, isKnownScope, scopeError, scopesSubset } from './rbac/scopes.js';

export interface TokenServiceDeps {
  tokens: Store['tokens'];
  permissions: Permissions;
  settings: { readonly tokenExpiresInMaxSeconds: number };
}

/** Who asks for a token on someone's behalf (null: the owner, or the operator at the CLI). */
export interface TokenRequester {
  kind: 'user' | 'service';
  name: string;
  scopes: ReadonlySet<string>;
}

/** What a new token should be; types are already checked by the caller (the request parser). */
export interface TokenRequest {
  note: string;
  /** Seconds; null: no expiry of its own (the configured maximum may still apply). */
  expiresIn: number | null;
  /** Scopes to grant (wins over roles); default `['inherit']`. */
  scopes?: string[];
  /** Role names whose scopes to grant when no scopes are given. */
  roles?: string[];
}

const noSuchToken = (raw: string) =>
  new HubError('LABHUB_ERR_NOT_FOUND', 404, `No such token: ${raw.slice(0, 32)}`);

/** `a<id>` → id; anything else (also ids beyond an SQL integer) is an unknown token. */
export function parseTokenId(raw: string): number {
  const m = /^a(\d{1,10})$/.exec(raw);
  const id = m ? Number(m[1]) : 0;
  if (!id || id > MAX_SQL_INT) throw noSuchToken(raw);
  return id;
}

export class TokenService {
  constructor(private readonly d: TokenServiceDeps) {}

  /** The user's tokens (API tokens and OAuth tokens). */
  list(user: User): Promise<TokenRecord[]> {
    return this.d.tokens.forUser(user.id);
  }

  /** The user's token `a<id>`; 404 when it is not theirs or does not exist. */
  async get(user: User, rawId: string): Promise<TokenRecord> {
    const t = await this.d.tokens.byId(parseTokenId(rawId));
    if (!t || t.userId !== user.id) throw noSuchToken(rawId);
    return t;
  }

  /** Revoke the token; an OAuth token takes every token of this user from that client with it. */
  async revoke(user: User, rawId: string): Promise<void> {
    const t = await this.get(user, rawId);
    if (t.clientId !== 'jupyterhub') await this.d.tokens.deleteForClient(t.clientId, user.id);
    else await this.d.tokens.delete(t.id);
  }

  /**
   * The expiry of a new token in seconds: the requested one, capped by
   * token_expires_in_max_seconds (a token without expiry then gets the maximum; a longer one is
   * refused with 400).
   */
  expiresIn(requested: number | null): number | null {
    const max = this.d.settings.tokenExpiresInMaxSeconds;
    if (max <= 0) return requested;
    if (requested === null) return max;
    if (requested > max)
      throw new HubError(
        'LABHUB_ERR_BAD_REQUEST',
        400,
        `expires_in ${requested} exceeds the maximum of ${max} seconds (JupyterHub.token_expires_in_max_seconds)`,
      );
    return requested;
  }

  /** The raw scopes of a new token: the scopes given (each known), else the roles' scopes, else inherit. */
  requestedScopes(req: Pick<TokenRequest, 'scopes' | 'roles'>): string[] {
    const { customScopes } = this.d.permissions;
    if (req.scopes !== undefined) {
      for (const s of req.scopes)
        if (!isKnownScope(s, customScopes) && s !== 'inherit')
          throw new HubError(
            'LABHUB_ERR_BAD_REQUEST',
            400,
            scopeError(s, customScopes) ?? `Unknown scope '${s}'`,
          );
      return req.scopes;
    }
    if (req.roles !== undefined) {
      const roles = this.d.permissions.roles();
      for (const r of req.roles)
        if (!roles.has(r)) throw new HubError('LABHUB_ERR_BAD_REQUEST', 400, `Unknown role '${r}'`);
      return [...roleScopes(req.roles, roles)];
    }
    return ['inherit'];
  }

  /**
   * Issue a token for `owner`. Its scopes must be within the owner's scopes and, when someone
   * else asks, within the requester's (400 naming the scopes beyond). Returns the record and the
   * secret, which is shown this once.
   */
  async issue(
    owner: User,
    req: TokenRequest,
    requester: TokenRequester | null = null,
  ): Promise<{ record: TokenRecord; token: string }> {
    const expiresIn = this.expiresIn(req.expiresIn);
    const scopes = this.requestedScopes(req);
    const { permissions } = this.d;
    const ownerScopes = await permissions.userScopes(owner);
    const expanded = expandScopes(scopes, {
      owner: { kind: 'user', name: owner.name },
      ownerScopes,
      customScopes: permissions.customScopes,
    });
    const groupsOf = await permissions.groupsOf([owner.name]);
    const by = requester ?? { kind: 'user' as const, name: owner.name, scopes: ownerScopes };
    const beyond = [
      ...scopesSubset(expanded, ownerScopes, groupsOf),
      ...(by.name !== owner.name ? scopesSubset(expanded, by.scopes, groupsOf) : []),
    ];
    if (beyond.length)
      throw new HubError(
        'LABHUB_ERR_BAD_REQUEST',
        400,
        `Not assigning requested scopes ${[...new Set(beyond)].sort().join(', ')} not held by ${by.kind} ${by.name}`,
      );
    return this.d.tokens.create({
      userId: owner.id,
      scopes,
      note: req.note,
      expiresInSeconds: expiresIn,
    });
  }
}
