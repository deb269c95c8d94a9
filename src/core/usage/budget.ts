/**
 * Monthly server-hour budgets (Labhub.usage.monthly_server_hours and
 * monthly_server_hours_per_group): a user who has used their budget this calendar month (UTC)
 * cannot start another server; admins are exempt. Server time is the accounting's own
 * (usage_hourly), so the budget and the reports always agree.
 */
import { HubError } from '../../errors.js';
import type { Store } from '../../db/index.js';

/** The budget is used up (403). Carries the figures so a page can say them in its language. */
export class BudgetUsedUp extends HubError {
  constructor(
    readonly usedHours: number,
    readonly limitHours: number,
    /** When the next month begins (UTC). */
    readonly resetsAt: Date,
  ) {
    super(
      'LABHUB_ERR_FORBIDDEN',
      403,
      `You have used ${usedHours} of your ${limitHours} server-hours this month, so no server can start now. A new month begins on ${resetsAt.toISOString().slice(0, 10)} (UTC); an administrator can raise the budget (Labhub.usage.monthly_server_hours).`,
    );
  }
}

export interface BudgetSettings {
  monthlyServerHours?: number;
  monthlyServerHoursPerGroup?: Readonly<Record<string, number>>;
}

/** A user's monthly budget in hours (0 = none): the largest of their groups', else the default. */
export async function budgetOf(store: Store, s: BudgetSettings, userId: number): Promise<number> {
  const perGroup = s.monthlyServerHoursPerGroup ?? {};
  let best: number | null = null;
  if (Object.keys(perGroup).length)
    for (const g of await store.groups.groupNamesOfUser(userId))
      if (g in perGroup) best = Math.max(best ?? 0, perGroup[g]!);
  return best ?? s.monthlyServerHours ?? 0;
}

/**
 * Throws {@link BudgetUsedUp} when `user` (not an admin) has no server-hours left this month.
 * The caller brings the accounting's current hour up to date first.
 */
export async function checkBudget(
  store: Store,
  s: BudgetSettings,
  user: { id: number; admin: boolean },
  now: Date,
): Promise<void> {
  if (user.admin) return;
  const limit = await budgetOf(store, s, user.id);
  if (limit <= 0) return;
  const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const seconds = await store.usage.serverSecondsOfUser(user.id, month.toISOString());
  if (seconds < limit * 3600) return;
  const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  throw new BudgetUsedUp(Math.round((seconds / 3600) * 100) / 100, limit, next);
}
