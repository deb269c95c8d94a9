import type { Db } from './connection.js';
import type { NativeAccount, NativeAccountStore } from './native-account-types.js';

/** An account row (the native authenticator's own type). */
export type NativeAccountRow = NativeAccount;

/** The native authenticator's accounts, stored in the hub database. */
export class NativeAccountRepo implements NativeAccountStore {
  constructor(private readonly db: Db) {}

  private static toAccount(r: {
    name: string;
    password_hash: string;
    approved: number;
    created: string;
    failed_logins: number;
    locked_until: string | null;
    email: string | null;
    must_change_password: number;
  }): NativeAccountRow {
    return {
      name: r.name,
      passwordHash: r.password_hash,
      approved: !!r.approved,
      createdAt: new Date(r.created),
      failedLogins: r.failed_logins,
      lockedUntil: r.locked_until ? new Date(r.locked_until) : null,
      email: r.email,
      mustChangePassword: !!r.must_change_password,
    };
  }

  async get(name: string): Promise<NativeAccountRow | null> {
    const r = await this.db
      .selectFrom('native_accounts')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return r ? NativeAccountRepo.toAccount(r) : null;
  }

  async create(a: NativeAccountRow): Promise<void> {
    await this.db
      .insertInto('native_accounts')
      .values({
        name: a.name,
        password_hash: a.passwordHash,
        approved: a.approved ? 1 : 0,
        created: a.createdAt.toISOString(),
        failed_logins: a.failedLogins ?? 0,
        locked_until: a.lockedUntil ? a.lockedUntil.toISOString() : null,
        email: a.email ?? null,
        must_change_password: a.mustChangePassword ? 1 : 0,
      })
      .execute();
  }

  async update(name: string, patch: Partial<NativeAccountRow>): Promise<void> {
    const set: Record<string, unknown> = {};
    if (patch.passwordHash !== undefined) set.password_hash = patch.passwordHash;
    if (patch.approved !== undefined) set.approved = patch.approved ? 1 : 0;
    if (patch.failedLogins !== undefined) set.failed_logins = patch.failedLogins;
    if (patch.lockedUntil !== undefined)
      set.locked_until = patch.lockedUntil ? patch.lockedUntil.toISOString() : null;
    if (patch.email !== undefined) set.email = patch.email;
    if (patch.mustChangePassword !== undefined)
      set.must_change_password = patch.mustChangePassword ? 1 : 0;
    if (patch.name !== undefined) set.name = patch.name;
    if (Object.keys(set).length)
      await this.db.updateTable('native_accounts').set(set).where('name', '=', name).execute();
  }

  async list(opts: { pending?: boolean } = {}): Promise<NativeAccountRow[]> {
    let q = this.db.selectFrom('native_accounts').selectAll();
    if (opts.pending !== undefined) q = q.where('approved', '=', opts.pending ? 0 : 1);
    return (await q.orderBy('name').execute()).map(NativeAccountRepo.toAccount);
  }

  async countPending(): Promise<number> {
    const r = await this.db
      .selectFrom('native_accounts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('approved', '=', 0)
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  async rename(oldName: string, newName: string): Promise<void> {
    await this.db
      .updateTable('native_accounts')
      .set({ name: newName })
      .where('name', '=', oldName)
      .execute();
  }

  async delete(name: string): Promise<void> {
    await this.db.deleteFrom('native_accounts').where('name', '=', name).execute();
  }
}
