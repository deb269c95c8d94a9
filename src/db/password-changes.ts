import type { Db } from './connection.js';
import { isoNow } from './time.js';

/** A pending password change: a login whose old password was right but must be replaced. */
export interface PasswordChangeTicket {
  userName: string;
  /** scrypt hash of the old password. */
  oldPasswordHash: string;
  expiresAt: Date;
}

/** Password-change tickets, keyed by the sha256 of the secret the browser holds. */
export class PasswordChangeRepo {
  constructor(private readonly db: Db) {}

  async create(idHash: string, t: PasswordChangeTicket): Promise<void> {
    // Expired tickets of abandoned logins are swept whenever a new one is made.
    await this.db
      .deleteFrom('password_change_tickets')
      .where('expires_at', '<=', isoNow())
      .execute();
    await this.db
      .insertInto('password_change_tickets')
      .values({
        id_hash: idHash,
        user_name: t.userName,
        old_password_hash: t.oldPasswordHash,
        expires_at: t.expiresAt.toISOString(),
      })
      .execute();
  }

  /** The ticket if it exists and has not expired. */
  async get(idHash: string): Promise<PasswordChangeTicket | null> {
    const r = await this.db
      .selectFrom('password_change_tickets')
      .selectAll()
      .where('id_hash', '=', idHash)
      .where('expires_at', '>', isoNow())
      .executeTakeFirst();
    return r
      ? {
          userName: r.user_name,
          oldPasswordHash: r.old_password_hash,
          expiresAt: new Date(r.expires_at),
        }
      : null;
  }

  /** Remove the ticket; true only for the one caller that removed it while it was valid. */
  async take(idHash: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('password_change_tickets')
      .where('id_hash', '=', idHash)
      .where('expires_at', '>', isoNow())
      .executeTakeFirst();
    return Number(r.numDeletedRows ?? 0) === 1;
  }
}
