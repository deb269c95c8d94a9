/**
 * Share codes: a secret link that gives whoever accepts it a share of a server. Creation (the
 * same scope rules as shares, an expiry of one minute to one year, a day by default), listing,
 * revocation by code, by id or all, and acceptance (never of one's own server).
 */
import type { ShareCode, Store, User } from '../db/index.js';
import { HubError } from '../errors.js';
import { MAX_SQL_INT, boundedInt } from './bounded-input.js';
import { noSuchServer, type Granter, type ShareService } from './shares.js';

export const CODE_MIN_EXPIRES = 60;
export const CODE_MAX_EXPIRES = 365 * 24 * 3600;
export const CODE_DEFAULT_EXPIRES = 24 * 3600;

export interface ShareCodeServiceDeps {
  shares: Store['shares'];
  /** For the server and scope rules, which codes share with shares. */
  shareRules: ShareService;
}

export class ShareCodeService {
  constructor(private readonly d: ShareCodeServiceDeps) {}

  /** The owner's codes (of one server with `serverName`) that have not expired, one page. */
  async list(
    owner: User,
    serverName: string | undefined,
    offset: number,
    limit: number,
  ): Promise<{ codes: ShareCode[]; total: number }> {
    if (serverName === undefined)
      return this.d.shares.listCodes(owner.id, undefined, offset, limit);
    const rec = await this.d.shareRules.existingServer(owner, serverName);
    if (!rec) return { codes: [], total: 0 };
    return this.d.shares.listCodes(owner.id, serverName, offset, limit);
  }

  /** A new code for the server; the secret is returned this once. */
  async create(
    by: Granter,
    owner: User,
    serverName: string,
    spec: { scopes?: unknown; expires_in?: unknown },
  ): Promise<{ record: ShareCode; code: string }> {
    const full = `${owner.name}/${serverName}`;
    const scopes = this.d.shareRules.scopes(by, spec.scopes, full, true)!;
    const expiresIn =
      spec.expires_in === undefined || spec.expires_in === null
        ? CODE_DEFAULT_EXPIRES
        : boundedInt(spec.expires_in, 'expires_in', {
            min: CODE_MIN_EXPIRES,
            max: CODE_MAX_EXPIRES,
            hint: '(seconds)',
            floor: true, // fractions of a second are dropped, as before
          });
    const rec = (await this.d.shareRules.server(owner, serverName, true))!;
    return this.d.shares.createCode(rec.id, scopes, expiresIn);
  }

  /**
   * Revoke the server's code given as `code` (the secret) or `id` (`sc_<n>`), or all its codes
   * when neither is given. 404 for a code of another server or an unknown one.
   */
  async revoke(
    owner: User,
    serverName: string,
    which: { code?: string; id?: string },
  ): Promise<void> {
    const rec = await this.d.shareRules.server(owner, serverName);
    const notFound = () =>
      new HubError(
        'LABHUB_ERR_NOT_FOUND',
        404,
        `No such share code for ${owner.name}/${serverName}`,
      );
    if (!rec) {
      if (serverName) throw noSuchServer(owner, serverName);
      return;
    }
    if (which.code !== undefined) {
      const c = await this.d.shares.findCode(which.code);
      if (!c || c.server.id !== rec.id) throw notFound();
      await this.d.shares.deleteCodes(rec.id, c.id);
    } else if (which.id !== undefined) {
      const m = /^sc_(\d{1,10})$/.exec(which.id);
      const id = m ? Number(m[1]) : 0;
      if (!id || id > MAX_SQL_INT || !(await this.d.shares.deleteCodes(rec.id, id)))
        throw notFound();
    } else {
      await this.d.shares.deleteCodes(rec.id);
    }
  }

  /**
   * The code a user is about to accept: 404 when unknown or expired, 403 for the user's own
   * server.
   */
  async forAcceptance(code: string, user: User): Promise<ShareCode> {
    const found = code ? await this.d.shares.findCode(code) : null;
    if (!found)
      throw new HubError(
        'LABHUB_ERR_NOT_FOUND',
        404,
        'This share code is unknown or has expired. Ask for a new link.',
      );
    if (found.server.ownerId === user.id)
      throw new HubError(
        'LABHUB_ERR_FORBIDDEN',
        403,
        'This is your own server: you do not need to accept a share of it.',
      );
    return found;
  }

  /** Accept the code: the user now holds its share (the code counts one more exchange). */
  async accept(code: string, user: User): Promise<ShareCode> {
    const found = await this.forAcceptance(code, user);
    await this.d.shares.exchangeCode(code, user.id);
    return found;
  }
}
