/** Shares and share codes (JupyterHub 5.0 sharing; tables of migration 002, types in schema.ts). */
import { randomBytes } from 'node:crypto';
import type { Db } from './connection.js';
import { QueryShapes } from './query-shapes.js';
import { fromIso, isoAfterSeconds, isoNow } from './time.js';
import { hashToken, verifyToken } from './token-hash.js';

/** The server a share or code is about. */
export interface SharedServer {
  id: number;
  ownerId: number;
  ownerName: string;
  name: string;
  status: string;
}

/** Scopes granted on one server to one user or one group. */
export interface Share {
  id: number;
  server: SharedServer;
  user: { id: number; name: string } | null;
  group: { id: number; name: string } | null;
  scopes: string[];
  createdAt: Date;
}

/** A code that can be exchanged (by any logged-in user) for a share of one server. */
export interface ShareCode {
  id: number;
  server: SharedServer;
  scopes: string[];
  createdAt: Date;
  expiresAt: Date | null;
  exchangeCount: number;
  lastExchangedAt: Date | null;
}

export type ShareTarget = { userId: number } | { groupId: number };

/** Whose shares a listing is about. */
export type ShareListing =
  | { ownerId: number; serverName?: string }
  | { userId: number; viaGroups: boolean }
  | { groupId: number };

const CODE_PREFIX_LENGTH = 4;

/** The server columns both share queries select. */
interface ServerColumns {
  server_id: number;
  server_name: string;
  server_status: string;
  owner_id: number;
  owner_name: string;
}

const SERVER_COLUMNS = [
  'servers.id as server_id',
  'servers.name as server_name',
  'servers.status as server_status',
  'owner.id as owner_id',
  'owner.name as owner_name',
] as const;

function sharedServer(r: ServerColumns): SharedServer {
  return {
    id: r.server_id,
    ownerId: r.owner_id,
    ownerName: r.owner_name,
    name: r.server_name,
    status: r.server_status,
  };
}

/** Shares, share codes and their listings; every listing is one SQL page. */
export class ShareRepo {
  /** The scope computation's reads (every start, every stale cached scope set), compiled once. */
  private readonly shapes: QueryShapes;
  constructor(private readonly db: Db) {
    this.shapes = new QueryShapes(db);
  }

  private shareQuery() {
    return this.db
      .selectFrom('shares')
      .innerJoin('servers', 'servers.id', 'shares.server_id')
      .innerJoin('users as owner', 'owner.id', 'servers.user_id')
      .leftJoin('users as target_user', 'target_user.id', 'shares.user_id')
      .leftJoin('groups as target_group', 'target_group.id', 'shares.group_id')
      .select([
        'shares.id as id',
        'shares.scopes as scopes',
        'shares.created_at as created_at',
        'shares.user_id as user_id',
        'shares.group_id as group_id',
        ...SERVER_COLUMNS,
        'target_user.name as user_name',
        'target_group.name as group_name',
      ]);
  }

  private static toShare(
    r: ServerColumns & {
      id: number;
      scopes: string;
      created_at: string;
      user_id: number | null;
      group_id: number | null;
      user_name: string | null;
      group_name: string | null;
    },
  ): Share {
    return {
      id: r.id,
      server: sharedServer(r),
      user: r.user_id != null ? { id: r.user_id, name: r.user_name ?? '' } : null,
      group: r.group_id != null ? { id: r.group_id, name: r.group_name ?? '' } : null,
      scopes: JSON.parse(r.scopes),
      createdAt: new Date(r.created_at),
    };
  }

  async get(serverId: number, target: ShareTarget): Promise<Share | null> {
    let q = this.shareQuery().where('shares.server_id', '=', serverId);
    q =
      'userId' in target
        ? q.where('shares.user_id', '=', target.userId)
        : q.where('shares.group_id', '=', target.groupId);
    const r = await q.executeTakeFirst();
    return r ? ShareRepo.toShare(r) : null;
  }

  /** Grant scopes (added to any already granted). Returns the resulting share. */
  async grant(serverId: number, target: ShareTarget, scopes: string[]): Promise<Share> {
    const existing = await this.get(serverId, target);
    if (existing) {
      const merged = [...new Set([...existing.scopes, ...scopes])].sort();
      await this.db
        .updateTable('shares')
        .set({ scopes: JSON.stringify(merged) })
        .where('id', '=', existing.id)
        .execute();
    } else {
      await this.db
        .insertInto('shares')
        .values({
          server_id: serverId,
          user_id: 'userId' in target ? target.userId : null,
          group_id: 'groupId' in target ? target.groupId : null,
          scopes: JSON.stringify([...new Set(scopes)].sort()),
          created_at: isoNow(),
        })
        .execute();
    }
    return (await this.get(serverId, target))!;
  }

  /** Revoke some scopes (all when `scopes` is undefined). Returns the share left, or null if none. */
  async revoke(serverId: number, target: ShareTarget, scopes?: string[]): Promise<Share | null> {
    const existing = await this.get(serverId, target);
    if (!existing) return null;
    const left = scopes ? existing.scopes.filter((s) => !scopes.includes(s)) : [];
    if (!left.length) {
      await this.db.deleteFrom('shares').where('id', '=', existing.id).execute();
      return null;
    }
    await this.db
      .updateTable('shares')
      .set({ scopes: JSON.stringify(left) })
      .where('id', '=', existing.id)
      .execute();
    return this.get(serverId, target);
  }

  /** Revoke every share of a server; returns how many were removed. */
  async revokeAll(serverId: number): Promise<number> {
    const r = await this.db
      .deleteFrom('shares')
      .where('server_id', '=', serverId)
      .executeTakeFirst();
    return Number(r.numDeletedRows ?? 0);
  }

  /** One page of shares, by owner (optionally one server), by recipient user (optionally via its groups), or by group. */
  async list(
    who: ShareListing,
    offset: number,
    limit: number,
  ): Promise<{ shares: Share[]; total: number }> {
    let q = this.shareQuery();
    if ('ownerId' in who) {
      q = q.where('owner.id', '=', who.ownerId);
      if (who.serverName !== undefined) q = q.where('servers.name', '=', who.serverName);
    } else if ('userId' in who) {
      const uid = who.userId;
      q = who.viaGroups
        ? q.where((eb) =>
            eb.or([
              eb('shares.user_id', '=', uid),
              eb(
                'shares.group_id',
                'in',
                eb.selectFrom('user_group_map').select('group_id').where('user_id', '=', uid),
              ),
            ]),
          )
        : q.where('shares.user_id', '=', uid);
    } else {
      q = q.where('shares.group_id', '=', who.groupId);
    }
    const total = await q
      .clearSelect()
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const rows = await q.orderBy('shares.id').offset(offset).limit(limit).execute();
    return { shares: rows.map(ShareRepo.toShare), total: Number(total.n) };
  }

  /** Scopes granted to a user by shares, directly or through its groups (for its effective scopes). */
  async scopesForUser(userId: number): Promise<string[]> {
    const rows = await this.shapes.run('scopesForUser', [userId, userId], (slot) =>
      this.db
        .selectFrom('shares')
        .select('scopes')
        .where((eb) =>
          eb.or([
            eb('user_id', '=', slot(0)),
            eb(
              'group_id',
              'in',
              eb.selectFrom('user_group_map').select('group_id').where('user_id', '=', slot(1)),
            ),
          ]),
        ),
    );
    return [...new Set(rows.flatMap((r) => JSON.parse(r.scopes) as string[]))];
  }

  // ---- share codes ----

  private codeQuery() {
    return this.db
      .selectFrom('share_codes')
      .innerJoin('servers', 'servers.id', 'share_codes.server_id')
      .innerJoin('users as owner', 'owner.id', 'servers.user_id')
      .select([
        'share_codes.id as id',
        'share_codes.scopes as scopes',
        'share_codes.created_at as created_at',
        'share_codes.expires_at as expires_at',
        'share_codes.exchange_count as exchange_count',
        'share_codes.last_exchanged_at as last_exchanged_at',
        'share_codes.hashed as hashed',
        ...SERVER_COLUMNS,
      ]);
  }

  private static toCode(
    r: ServerColumns & {
      id: number;
      scopes: string;
      created_at: string;
      expires_at: string | null;
      exchange_count: number;
      last_exchanged_at: string | null;
    },
  ): ShareCode {
    return {
      id: r.id,
      server: sharedServer(r),
      scopes: JSON.parse(r.scopes),
      createdAt: new Date(r.created_at),
      expiresAt: fromIso(r.expires_at),
      exchangeCount: Number(r.exchange_count),
      lastExchangedAt: fromIso(r.last_exchanged_at),
    };
  }

  /** A new code (43 URL-safe characters, shown once); stored hashed with a lookup prefix. */
  async createCode(
    serverId: number,
    scopes: string[],
    expiresInSeconds: number,
  ): Promise<{ record: ShareCode; code: string }> {
    const code = randomBytes(32).toString('base64url');
    const r = await this.db
      .insertInto('share_codes')
      .values({
        server_id: serverId,
        prefix: code.slice(0, CODE_PREFIX_LENGTH),
        hashed: hashToken(code, false),
        scopes: JSON.stringify([...new Set(scopes)].sort()),
        created_at: isoNow(),
        expires_at: isoAfterSeconds(expiresInSeconds),
        exchange_count: 0,
        last_exchanged_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const record = await this.codeById(r.id);
    return { record: record!, code };
  }

  async codeById(id: number): Promise<ShareCode | null> {
    const r = await this.codeQuery().where('share_codes.id', '=', id).executeTakeFirst();
    return r ? ShareRepo.toCode(r) : null;
  }

  /** The unexpired code with this secret, or null. */
  async findCode(code: string): Promise<ShareCode | null> {
    if (code.length < 8) return null;
    const rows = await this.codeQuery()
      .where('share_codes.prefix', '=', code.slice(0, CODE_PREFIX_LENGTH))
      .execute();
    const now = isoNow();
    for (const r of rows) {
      if (r.expires_at && r.expires_at <= now) continue;
      if (verifyToken(code, r.hashed)) return ShareRepo.toCode(r);
    }
    return null;
  }

  /**
   * Exchange a code for a share of its server to `userId` (what `/hub/accept-share` does): counts
   * the exchange and grants the code's scopes. Returns null for an unknown or expired code.
   */
  async exchangeCode(code: string, userId: number): Promise<Share | null> {
    const c = await this.findCode(code);
    if (!c) return null;
    await this.db
      .updateTable('share_codes')
      .set((eb) => ({ exchange_count: eb('exchange_count', '+', 1), last_exchanged_at: isoNow() }))
      .where('id', '=', c.id)
      .execute();
    return this.grant(c.server.id, { userId }, c.scopes);
  }

  async listCodes(
    ownerId: number,
    serverName: string | undefined,
    offset: number,
    limit: number,
  ): Promise<{ codes: ShareCode[]; total: number }> {
    const now = isoNow();
    let q = this.codeQuery()
      .where('owner.id', '=', ownerId)
      .where((eb) =>
        eb.or([eb('share_codes.expires_at', 'is', null), eb('share_codes.expires_at', '>', now)]),
      );
    if (serverName !== undefined) q = q.where('servers.name', '=', serverName);
    const total = await q
      .clearSelect()
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const rows = await q.orderBy('share_codes.id').offset(offset).limit(limit).execute();
    return { codes: rows.map(ShareRepo.toCode), total: Number(total.n) };
  }

  /** Delete codes of a server: one by id, or all. Returns how many were deleted. */
  async deleteCodes(serverId: number, id?: number): Promise<number> {
    let q = this.db.deleteFrom('share_codes').where('server_id', '=', serverId);
    if (id !== undefined) q = q.where('id', '=', id);
    const r = await q.executeTakeFirst();
    return Number(r.numDeletedRows ?? 0);
  }

  async purgeExpiredCodes(): Promise<void> {
    await this.db
      .deleteFrom('share_codes')
      .where('expires_at', 'is not', null)
      .where('expires_at', '<=', isoNow())
      .execute();
  }
}
