import { randomBytes } from 'node:crypto';
import type { Db } from './connection.js';
import { isoNow } from './time.js';

export interface LoginSession {
  id: string;
  userId: number;
  created: Date;
  expiresAt: Date;
}

/** Browser login sessions. The id is also the `jupyterhub-session-id` cookie value. */
export class SessionRepo {
  constructor(private readonly db: Db) {}

  async create(userId: number, maxAgeSeconds: number): Promise<LoginSession> {
    const id = randomBytes(16).toString('hex');
    const now = new Date();
    const expiresAt = new Date(now.getTime() + maxAgeSeconds * 1000);
    await this.db
      .insertInto('login_sessions')
      .values({
        id,
        user_id: userId,
        created: now.toISOString(),
        expires_at: expiresAt.toISOString(),
      })
      .execute();
    return { id, userId, created: now, expiresAt };
  }

  async get(id: string): Promise<LoginSession | null> {
    const r = await this.db
      .selectFrom('login_sessions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!r || r.expires_at <= isoNow()) return null;
    return {
      id: r.id,
      userId: r.user_id,
      created: new Date(r.created),
      expiresAt: new Date(r.expires_at),
    };
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('login_sessions').where('id', '=', id).execute();
  }

  async deleteForUser(userId: number): Promise<void> {
    await this.db.deleteFrom('login_sessions').where('user_id', '=', userId).execute();
  }

  async forUser(userId: number): Promise<LoginSession[]> {
    const rows = await this.db
      .selectFrom('login_sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .where('expires_at', '>', isoNow())
      .execute();
    return rows.map((r) => ({
      id: r.id,
      userId: r.user_id,
      created: new Date(r.created),
      expiresAt: new Date(r.expires_at),
    }));
  }

  async purgeExpired(): Promise<void> {
    await this.db.deleteFrom('login_sessions').where('expires_at', '<=', isoNow()).execute();
  }
}
