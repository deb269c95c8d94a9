import type { Db } from './connection.js';
import { QueryShapes } from './query-shapes.js';

/**
 * The authorization generation (migration 011): a number that changes whenever roles, role
 * assignments, group membership, admin flags, user or server names, shares or OAuth clients
 * change, whoever changed them. Read on every authenticated request, so its query is compiled once.
 */
export class AuthzGenerationRepo {
  private readonly shapes: QueryShapes;

  constructor(private readonly db: Db) {
    this.shapes = new QueryShapes(db);
  }

  async current(): Promise<number> {
    const [r] = await this.shapes.run('authz.current', [], () =>
      this.db.selectFrom('authz_generation').select('n').where('id', '=', 1),
    );
    return Number(r?.n ?? 0);
  }
}
