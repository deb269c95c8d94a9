/** Services created at runtime through the REST API (`api_services`): name → JSON spec. */
import type { Db } from './connection.js';
import { isoNow } from './time.js';

export class ApiServiceRepo {
  constructor(private readonly db: Db) {}

  async all(): Promise<Array<{ name: string; spec: Record<string, unknown> }>> {
    const rows = await this.db.selectFrom('api_services').selectAll().orderBy('name').execute();
    return rows.map((r) => ({ name: r.name, spec: JSON.parse(r.spec) }));
  }

  async put(name: string, spec: Record<string, unknown>): Promise<void> {
    await this.db
      .insertInto('api_services')
      .values({ name, spec: JSON.stringify(spec), created: isoNow() })
      .onConflict((oc) => oc.column('name').doUpdateSet({ spec: JSON.stringify(spec) }))
      .execute();
  }

  async delete(name: string): Promise<void> {
    await this.db.deleteFrom('api_services').where('name', '=', name).execute();
  }
}
