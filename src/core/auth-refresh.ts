/**
 * Refreshing a login's auth info (JupyterHub's `refresh_auth` with `auth_refresh_age`, and
 * `refresh_pre_spawn`): the authenticator's `refreshUser` renews the tokens and re-reads the user
 * data; the result is stored like a login's (auth_state, admin, groups); a login that cannot be
 * refreshed must be made again.
 *
 * On requests it runs only for an authenticator that can refresh and keeps auth state, with
 * auth_refresh_age > 0; everyone else pays nothing. The time of the last refresh lives in the
 * database (hub_kv `auth-refresh:<user id>`: `ok:<ms>` or `expired:<ms>`), so several hubs share
 * it; each hub also remembers the fresh ones, so a fresh user costs no database read. One refresh
 * at a time per user: concurrent requests in this hub wait for the same one, and between hubs the
 * one that moves the stamp (compare-and-set) refreshes while the others go on with the state they
 * have.
 */
import type { Logger } from '../log.js';
import type { JsonObject } from '../util/json.js';
import type { Store, User } from '../db/index.js';
import type { AuthResult, Authenticator } from '../auth/types.js';

export type RefreshOutcome = { kind: 'fresh'; user: User } | { kind: 'expired'; why: string };

export interface AuthRefreshDeps {
  authenticator: Authenticator;
  store: Store;
  log: Logger;
  /** auth_refresh_age in seconds; 0 = no refresh on requests. */
  age: number;
  /** Store a refreshed result like a login's; a string says why the user may no longer log in. */
  apply(user: User, result: AuthResult): Promise<User | string>;
  now?: () => number;
}

type Stamp = { kind: 'ok' | 'expired'; at: number };

/** Parse a stored stamp (`ok:<ms>` / `expired:<ms>`); null for none or an unreadable one. */
export function parseStamp(v: string | null): Stamp | null {
  const m = v ? /^(ok|expired):(\d+)$/.exec(v) : null;
  return m ? { kind: m[1] as Stamp['kind'], at: Number(m[2]) } : null;
}

/**
 * What a request of a user with this stamp needs: nothing (`fresh`: refreshed less than `age`
 * seconds ago), a refresh (`due`: older, or never), or a new login (`expired`: the last refresh
 * failed; only a login writes a new stamp).
 */
export function refreshDue(
  stamp: string | null,
  now: number,
  ageSeconds: number,
): 'fresh' | 'due' | 'expired' {
  const s = parseStamp(stamp);
  if (!s) return 'due';
  if (s.kind === 'expired') return 'expired';
  return now - s.at >= 0 && now - s.at < ageSeconds * 1000 ? 'fresh' : 'due';
}

const keyOf = (u: User) => `auth-refresh:${u.id}`;

export class AuthRefresher {
  private readonly now: () => number;
  /** user id → when this hub last knew the user's auth to be fresh (ms). */
  private readonly freshAt = new Map<number, number>();
  /** user id → the refresh under way in this hub. */
  private readonly running = new Map<number, Promise<RefreshOutcome>>();

  constructor(private readonly d: AuthRefreshDeps) {
    this.now = d.now ?? Date.now;
  }

  /** Requests refresh at all: an authenticator that can, with auth state kept, and an age > 0. */
  get onRequests(): boolean {
    const a = this.d.authenticator;
    return this.d.age > 0 && !!a.refreshUser && a.enableAuthState === true;
  }

  /**
   * An authenticated request (cookie or token) of `user`: the user (with the refreshed auth
   * state when a refresh was due), or null when the person must log in again.
   */
  async onRequest(user: User): Promise<User | null> {
    if (!this.onRequests) return user;
    const known = this.freshAt.get(user.id);
    const now = this.now();
    if (known !== undefined && now - known >= 0 && now - known < this.d.age * 1000) return user;
    const r = await this.once(user, false);
    return r.kind === 'fresh' ? r.user : null;
  }

  /** refresh_pre_spawn: refresh now, whatever the age. */
  force(user: User): Promise<RefreshOutcome> {
    return this.once(user, true);
  }

  /** A login just stored new auth state: it is fresh from now (in every hub). */
  async loggedIn(user: User): Promise<void> {
    if (!this.onRequests) return;
    const at = this.now();
    this.freshAt.set(user.id, at);
    await this.d.store.kv.set(keyOf(user), `ok:${at}`);
  }

  private once(user: User, force: boolean): Promise<RefreshOutcome> {
    let p = this.running.get(user.id);
    if (!p) {
      p = this.run(user, force).finally(() => this.running.delete(user.id));
      this.running.set(user.id, p);
    }
    return p;
  }

  private async run(user: User, force: boolean): Promise<RefreshOutcome> {
    const kv = this.d.store.kv;
    const key = keyOf(user);
    const stamped = this.onRequests;
    const now = this.now();
    const mine = `ok:${now}`;
    let before: string | null = null;
    if (stamped && !force) {
      before = await kv.get(key);
      const due = refreshDue(before, now, this.d.age);
      if (due === 'expired')
        return { kind: 'expired', why: 'a refresh of the login failed earlier' };
      if (due === 'fresh') {
        this.freshAt.set(user.id, parseStamp(before)!.at);
        return { kind: 'fresh', user };
      }
      // Claim the refresh: of several hubs, the one that moves the stamp refreshes; the
      // others go on with the auth state they have (it was fresh a moment ago).
      if (!(await kv.compareAndSet(key, before, mine))) return { kind: 'fresh', user };
    }
    const current = (await this.d.store.users.byId(user.id)) ?? user;
    let r: Awaited<ReturnType<NonNullable<Authenticator['refreshUser']>>>;
    try {
      r = await this.d.authenticator.refreshUser!(
        current.name,
        (current.authState ?? null) as JsonObject | null,
        { age: this.d.age },
      );
    } catch (e) {
      // The provider could not be asked: nothing is decided, the next request tries again.
      if (stamped && !force) {
        if (before === null) await kv.delete(key);
        else await kv.compareAndSet(key, mine, before);
      }
      throw e;
    }
    let fresh = current;
    let why: string | null = r === 'expired' ? 'the provider did not renew the login' : null;
    if (r !== 'expired' && r !== 'unchanged') {
      const applied = await this.d.apply(current, r);
      if (typeof applied === 'string') why = applied;
      else fresh = applied;
    }
    if (why !== null) {
      this.freshAt.delete(user.id);
      // On a request the login is over until the person logs in again; before a spawn only the
      // start is refused (as JupyterHub: the other requests follow auth_refresh_age).
      if (stamped && !force) await kv.set(key, `expired:${now}`);
      this.d.log.warn(`${user.name} has stale auth info (${why}): a new login is required`);
      return { kind: 'expired', why };
    }
    if (stamped) {
      this.freshAt.set(user.id, now);
      if (force) await kv.set(key, mine);
    }
    this.d.log.info(`${user.name}: auth info refreshed${force ? ' before the server starts' : ''}`);
    return { kind: 'fresh', user: fresh };
  }
}
