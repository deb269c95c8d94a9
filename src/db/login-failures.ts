import type { Db } from './connection.js';

/**
 * Failed logins in the database (migration 013), for a login rate limit shared by every hub
 * replica. Keys are what the limiter counts ('u:<name>', 'a:<address>'); times are ms on the
 * caller's clock (the limiter uses the database's, {@link ReplicaRepo.nowMs}).
 */
export class LoginFailureRepo {
  constructor(private readonly db: Db) {}

  async record(keys: string[], atMs: number): Promise<void> {
    if (!keys.length) return;
    await this.db
      .insertInto('login_failures')
      .values(keys.map((key) => ({ key, at_ms: atMs })))
      .execute();
  }

  /** The times of `key`'s failures after `sinceMs`, newest last, at most `limit` (the newest). */
  async recent(key: string, sinceMs: number, limit: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('login_failures')
      .select('at_ms')
      .where('key', '=', key)
      .where('at_ms', '>', sinceMs)
      .orderBy('at_ms', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => Number(r.at_ms)).reverse();
  }

  async clear(key: string): Promise<void> {
    await this.db.deleteFrom('login_failures').where('key', '=', key).execute();
  }

  /** Forget failures older than `beforeMs` (outside every window). */
  async prune(beforeMs: number): Promise<number> {
    const r = await this.db
      .deleteFrom('login_failures')
      .where('at_ms', '<', beforeMs)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
