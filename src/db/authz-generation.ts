import type { CompiledQuery } from 'kysely';
import type { Db } from './connection.js';

/**
 * The authorization generation (migration 011): a number that changes whenever roles, role
 * assignments, group membership, admin flags, user or server names, shares or OAuth clients
 * change, whoever changed them. Read on every authenticated request, so its query is compiled once.
 */
export class AuthzGenerationRepo {
  private readonly query: CompiledQuery<{ n: number | string | bigint }>;

  constructor(private readonly db: Db) {
    this.query = db.selectFrom('authz_generation').select('n').where('id', '=', 1).compile();
  }

  async current(): Promise<number> {
    const r = await this.db.executeQuery(this.query);
    return Number(r.rows[0]?.n ?? 0);
  }
}
