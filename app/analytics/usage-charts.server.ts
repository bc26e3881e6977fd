// The organization dashboard's usage charts (SPEC §7, issue 14 §4): API calls per day this UTC month and the
// month's top event types, as two subqueries the dashboard's one statement carries (the dashboard is
// measured in statements per page, bench/request-path.ts). Both read counters, never the events: at most
// 31 daily rows (usage_daily_counters, migration 0020) and the month's counters, whatever the history.
// The plan's limit comes with the dashboard's own statement; api.call is left out of the top event types
// (it has its own chart).
import { type SQL, sql } from 'drizzle-orm';
import type { Actor } from '~/audit/audit.server';
import { authorize } from '~/orgs/access.server';
import { API_CALL_EVENT, monthDaysUpTo, utcMonth } from '~/usage/usage.server';
import { type Database, rowsOf } from '~db/client.server';

export const TOP_EVENT_TYPES = 5;

export interface DashboardUsage {
  /** YYYY-MM of the month shown. */
  month: string;
  /** Every day of the month up to today, zeros included. */
  daily: { day: string; calls: number }[];
  topEvents: { eventType: string; quantity: number }[];
}

interface UsageColumns {
  usage_daily: { day: string; calls: number | string }[] | null;
  usage_top: { event_type: string; quantity: number | string }[] | null;
}

/**
 * The two subqueries of the usage charts, as columns `usage_daily` and `usage_top` of another SELECT: the
 * dashboard's own statement carries them (getDashboard), so the page costs no extra statement.
 */
export function dashboardUsageColumns(organizationId: string, now = new Date()): SQL {
  const { from, to } = utcMonth(now);
  const month = from.toISOString().slice(0, 10);
  return sql`
        (SELECT json_agg(d ORDER BY d.day) FROM (
           SELECT to_char(day, 'YYYY-MM-DD') AS day, quantity AS calls
             FROM usage_daily_counters
            WHERE organization_id = ${organizationId} AND event_type = ${API_CALL_EVENT}
              AND day >= ${month}::date AND day < ${to.toISOString().slice(0, 10)}::date) d) AS usage_daily,
        (SELECT json_agg(c ORDER BY c.quantity DESC, c.event_type) FROM (
           SELECT event_type, quantity FROM usage_counters
            WHERE organization_id = ${organizationId} AND month = ${month}::date
              AND event_type <> ${API_CALL_EVENT} AND quantity > 0
            ORDER BY quantity DESC, event_type LIMIT ${TOP_EVENT_TYPES}) c) AS usage_top`;
}

/** The charts' data from a row that selected dashboardUsageColumns (zeros for the days without calls). */
export function dashboardUsageOf(row: UsageColumns | undefined, now = new Date()): DashboardUsage {
  const byDay = new Map((row?.usage_daily ?? []).map((d) => [d.day, Number(d.calls)]));
  return {
    month: utcMonth(now).from.toISOString().slice(0, 7),
    daily: monthDaysUpTo(now).map((day) => ({ day, calls: byDay.get(day) ?? 0 })),
    topEvents: (row?.usage_top ?? []).map((t) => ({ eventType: t.event_type, quantity: Number(t.quantity) })),
  };
}

/** The same data on its own (usage:view, every role). */
export async function dashboardUsage(
  db: Database,
  actor: Actor,
  organizationId: string,
  now = new Date(),
): Promise<DashboardUsage> {
  await authorize(db, actor, organizationId, 'usage:view');
  const [row] = rowsOf<UsageColumns>(
    await db.execute(sql`SELECT ${dashboardUsageColumns(organizationId, now)}`),
  );
  return dashboardUsageOf(row, now);
}
