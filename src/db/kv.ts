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
  async set(key: string, value: string): Promise<void> {
    await this.db
      .insertInto('hub_kv')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }
}
