/**
 * Expanded scopes of a credential (a token, a login session's user), kept with the authorization
 * generation they were computed at (db/authz-generation.ts). An entry answers only while the
 * generation is unchanged, so a change of roles, groups, admin flags, shares or names — on this hub
 * or any replica — is seen by the next request. Bounded: the least recently used entry goes first.
 */
export class ScopeCache {
  readonly #entries = new Map<string, { generation: number; scopes: Set<string> }>();

  constructor(private readonly capacity = 10_000) {}

  /** The scopes cached for `key` at `generation`, or undefined. */
  get(key: string, generation: number): Set<string> | undefined {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    this.#entries.delete(key);
    if (e.generation !== generation) return undefined;
    this.#entries.set(key, e); // most recently used last
    return e.scopes;
  }

  set(key: string, generation: number, scopes: Set<string>): void {
    this.#entries.delete(key);
    this.#entries.set(key, { generation, scopes });
    if (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
