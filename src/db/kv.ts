import type { Db } from './connection.js';

/** Small hub-wide settings that must survive restarts (e.g. the proxy auth token). */
export class KvRepo {
  constructor(private readonly db: Db) {}
  async get(key: string): Promise<string | null> {
    const r = await this.db
      .selectFrom('hub_kv')
      .select('value')
      .where('key', '=', key)
      .executeTakeFirst();
    return r?.value ?? null;
  }
  /**
   * Set `key` to `value` only if it still holds `expected` (null: only if it is not there).
   * True when this call wrote it: of several hubs or requests racing, exactly one wins.
   */
  async compareAndSet(key: string, expected: string | null, value: string): Promise<boolean> {
    if (expected === null) {
      const r = await this.db
        .insertInto('hub_kv')
        .values({ key, value })
        .onConflict((oc) => oc.column('key').doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
    }
    const r = await this.db
      .updateTable('hub_kv')
      .set({ value })
      .where('key', '=', key)
      .where('value', '=', expected)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
  async delete(key: string): Promise<void> {
    await this.db.deleteFrom('hub_kv').where('key', '=', key).execute();
  }
  async set(key: string, value: string): Promise<void> {
    await this.db
      .insertInto('hub_kv')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }
}
