import type { Selectable } from 'kysely';
import type { Db } from './connection.js';
import { QueryShapes } from './query-shapes.js';
import type { ApiTokensTable } from './schema.js';
import { fromIso, isoAfterSeconds, isoNow } from './time.js';
import { TOKEN_PREFIX_LENGTH, hashToken, newToken, verifyToken } from './token-hash.js';

/** An API or OAuth token row (never holds the secret itself). */
export interface TokenRecord {
  id: number;
  userId: number | null;
  serviceName: string | null;
  clientId: string;
  scopes: string[];
  note: string;
  created: Date;
  lastActivity: Date | null;
  expiresAt: Date | null;
  sessionId: string | null;
}

export interface NewToken {
  userId?: number | null;
  serviceName?: string | null;
  clientId?: string;
  scopes: string[];
  note?: string;
  expiresInSeconds?: number | null;
  sessionId?: string | null;
  /** A token chosen by a person (config api_token); otherwise one is generated. */
  supplied?: string;
}

/** A token row as read back (the prefix and hash stay in the database). */
type Row = Omit<Selectable<ApiTokensTable>, 'prefix' | 'hashed'>;
const toRecord = (r: Row): TokenRecord => ({
  id: r.id,
  userId: r.user_id,
  serviceName: r.service_name,
  clientId: r.client_id,
  scopes: JSON.parse(r.scopes),
  note: r.note,
  created: new Date(r.created),
  lastActivity: fromIso(r.last_activity),
  expiresAt: fromIso(r.expires_at),
  sessionId: r.session_id,
});

/** Token repository: tokens are stored hashed, found by a 4-character prefix. */
export class TokenRepo {
  /** The spawn and stop path's statements, compiled once. */
  private readonly shapes: QueryShapes;
  constructor(private readonly db: Db) {
    this.shapes = new QueryShapes(db);
  }

  async create(t: NewToken): Promise<{ record: TokenRecord; token: string }> {
    const token = t.supplied ?? newToken();
    const expires = t.expiresInSeconds ? isoAfterSeconds(t.expiresInSeconds) : null;
    const values = [
      token.slice(0, TOKEN_PREFIX_LENGTH),
      hashToken(token, t.supplied !== undefined),
      t.userId ?? null,
      t.serviceName ?? null,
      t.clientId ?? 'jupyterhub',
      JSON.stringify(t.scopes),
      t.note ?? '',
      isoNow(),
      expires,
      t.sessionId ?? null,
    ];
    const [row] = await this.shapes.run('create', values, (slot) =>
      this.db
        .insertInto('api_tokens')
        .values({
          prefix: slot(0),
          hashed: slot(1),
          user_id: slot(2),
          service_name: slot(3),
          client_id: slot(4),
          scopes: slot(5),
          note: slot(6),
          created: slot(7),
          last_activity: null,
          expires_at: slot(8),
          session_id: slot(9),
        })
        .returningAll(),
    );
    if (!row) throw new Error('api_tokens insert returned no row');
    return { record: toRecord(row), token };
  }

  /** Find a valid (unexpired) token by its secret. */
  async find(token: string): Promise<TokenRecord | null> {
    if (token.length < 8) return null;
    // Every API request: compiled once.
    const rows = await this.shapes.run('find', [token.slice(0, TOKEN_PREFIX_LENGTH)], (slot) =>
      this.db.selectFrom('api_tokens').selectAll().where('prefix', '=', slot(0)),
    );
    const now = isoNow();
    for (const r of rows) {
      if (r.expires_at && r.expires_at <= now) continue;
      if (verifyToken(token, r.hashed)) return toRecord(r);
    }
    return null;
  }

  async byId(id: number): Promise<TokenRecord | null> {
    const r = await this.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return r ? toRecord(r) : null;
  }

  async forUser(userId: number): Promise<TokenRecord[]> {
    await this.purgeExpired();
    const rows = await this.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('last_activity', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map(toRecord);
  }

  async forService(name: string): Promise<TokenRecord[]> {
    const rows = await this.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('service_name', '=', name)
      .execute();
    return rows.map(toRecord);
  }

  async touch(id: number, when = new Date()): Promise<void> {
    await this.shapes.run('touch', [when.toISOString(), id], (slot) =>
      this.db
        .updateTable('api_tokens')
        .set({ last_activity: slot(0) })
        .where('id', '=', slot(1)),
    );
  }

  async delete(id: number): Promise<void> {
    await this.db.deleteFrom('api_tokens').where('id', '=', id).execute();
  }

  async deleteForClient(clientId: string, userId?: number): Promise<void> {
    if (userId === undefined)
      await this.shapes.run('deleteForClient', [clientId], (slot) =>
        this.db.deleteFrom('api_tokens').where('client_id', '=', slot(0)),
      );
    else
      await this.shapes.run('deleteForClientUser', [clientId, userId], (slot) =>
        this.db
          .deleteFrom('api_tokens')
          .where('client_id', '=', slot(0))
          .where('user_id', '=', slot(1)),
      );
  }

  /** Logout: every OAuth token issued within this login session. */
  async deleteForSession(sessionId: string): Promise<void> {
    await this.db.deleteFrom('api_tokens').where('session_id', '=', sessionId).execute();
  }

  /** A user's tokens with exactly this note (a server's own API token: `Server at <prefix>`). */
  async deleteForUserNote(userId: number, note: string): Promise<void> {
    await this.shapes.run('deleteForUserNote', [userId, note], (slot) =>
      this.db
        .deleteFrom('api_tokens')
        .where('user_id', '=', slot(0))
        .where('note', '=', slot(1))
        .where('client_id', '=', 'jupyterhub'),
    );
  }

  /** A service's tokens (but the one with id `except`). */
  async deleteForService(name: string, except?: number): Promise<void> {
    let q = this.db.deleteFrom('api_tokens').where('service_name', '=', name);
    if (except !== undefined) q = q.where('id', '!=', except);
    await q.execute();
  }

  async purgeExpired(): Promise<void> {
    await this.db
      .deleteFrom('api_tokens')
      .where('expires_at', 'is not', null)
      .where('expires_at', '<=', isoNow())
      .execute();
  }
}
