/**
 * The account table contract between the authenticators that keep their own accounts (native)
 * and the database that stores them (db/native-accounts.ts).
 */
/** One account as stored by the hub for an authenticator with {@link SelfServiceAccounts}. */
export interface NativeAccount {
  /** Normalized username (primary key). */
  name: string;
  /** `scrypt$…` (see password-hash.ts). */
  passwordHash: string;
  approved: boolean;
  createdAt: Date;
  failedLogins?: number;
  lockedUntil?: Date | null;
  /** Given on the sign-up page when `ask_email_on_signup` is on. */
  email?: string | null;
  /** The password is a one-time password: the next login must choose a new one. */
  mustChangePassword?: boolean;
}

/** Where accounts live; the hub implements it on its database (native-accounts.ts). */
export interface NativeAccountStore {
  get(name: string): Promise<NativeAccount | null>;
  /** Rejects if an account with this name exists. */
  create(a: NativeAccount): Promise<void>;
  update(name: string, patch: Partial<Omit<NativeAccount, 'name'>>): Promise<void>;
  list(opts?: { pending?: boolean }): Promise<NativeAccount[]>;
  /** Number of accounts awaiting approval. */
  countPending(): Promise<number>;
  /** Removes the account (no error if there is none). */
  delete(name: string): Promise<void>;
  /** Gives the account a new name (no error if there is none). */
  rename(oldName: string, newName: string): Promise<void>;
}
