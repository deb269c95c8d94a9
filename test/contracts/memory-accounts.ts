/** In-memory NativeAccountStore, for unit and contract tests only (the hub implements it on its DB). */
import type { NativeAccount, NativeAccountStore } from '../../src/auth/types.js';

export class MemoryAccounts implements NativeAccountStore {
  readonly rows = new Map<string, NativeAccount>();
  async get(name: string) {
    const r = this.rows.get(name);
    return r ? { ...r } : null;
  }
  async create(a: NativeAccount) {
    if (this.rows.has(a.name)) throw new Error(`duplicate ${a.name}`);
    this.rows.set(a.name, { ...a });
  }
  async update(name: string, patch: Partial<NativeAccount>) {
    const r = this.rows.get(name);
    if (!r) throw new Error(`no ${name}`);
    this.rows.set(name, { ...r, ...patch });
  }
  async list(opts: { pending?: boolean } = {}) {
    return [...this.rows.values()].filter(
      (r) => opts.pending === undefined || r.approved === !opts.pending,
    );
  }
  async countPending() {
    return (await this.list({ pending: true })).length;
  }
  async delete(name: string) {
    this.rows.delete(name);
  }
  async rename(oldName: string, newName: string) {
    const r = this.rows.get(oldName);
    if (!r) return;
    this.rows.delete(oldName);
    this.rows.set(newName, { ...r, name: newName });
  }
}
