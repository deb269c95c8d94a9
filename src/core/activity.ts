/**
 * Activity reported by user servers (`POST /hub/api/users/{name}/activity`, JupyterHub §2.2):
 * every timestamp checked before any is stored (no partial update), none further in the future
 * than clock skew allows, and a stored time never moves backwards (the repositories' touch).
 */
import type { Store, User } from '../db/index.js';
import { HubError } from '../errors.js';
import { boundedDate } from './bounded-input.js';

/** Timestamps more than this far in the future are refused (JupyterHub: 59 minutes). */
const MAX_FUTURE_MS = 59 * 60 * 1000;

/** What a server reports: the user's last activity and/or per server name. */
export interface ActivityReport {
  lastActivity?: unknown;
  servers?: Record<string, unknown>;
}

const bad = (msg: string) => new HubError('LABHUB_ERR_BAD_REQUEST', 400, msg);

export class ActivityService {
  constructor(
    private readonly d: {
      store: Pick<Store, 'servers' | 'users'>;
      now?: () => number;
    },
  ) {}

  async record(user: User, report: ActivityReport): Promise<void> {
    if (report.lastActivity === undefined && report.servers === undefined)
      throw bad('body has no activity: expected last_activity and/or servers');
    const now = this.d.now?.() ?? Date.now();
    // Not further in the future than MAX_FUTURE_MS (clock skew); never past year 9999.
    const when = (v: unknown, name: string) =>
      boundedDate(v, name, { max: new Date(now + MAX_FUTURE_MS), maxReason: 'is in the future' });
    const { servers, users } = this.d.store;
    const updates: Array<() => Promise<void>> = [];
    for (const [serverName, info] of Object.entries(report.servers ?? {})) {
      const rec = await servers.get(user.id, serverName);
      if (!rec) throw bad(`No such server '${serverName}' for user ${user.name}`);
      const la = (info as Record<string, unknown> | null)?.last_activity;
      if (la === undefined) throw bad(`servers['${serverName}'] needs last_activity`);
      const at = when(la, `servers['${serverName}'].last_activity`);
      updates.push(() => servers.touch(rec.id, at));
    }
    if (report.lastActivity !== undefined) {
      const at = when(report.lastActivity, 'last_activity');
      updates.push(() => users.touch(user.id, at));
    }
    for (const u of updates) await u();
  }
}
