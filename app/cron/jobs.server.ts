// The closed list of cron jobs served at POST /cron/<job> (SPEC §8).
import { sql } from 'drizzle-orm';
import { analyticsRollup } from '~/analytics/rollup.server';
import { billingRun } from '~/invoicing/billing-run.server';
import { subscriptionMaintenance } from '~/invoicing/subscription-maintenance.server';
import { utcMonth } from '~/usage/usage.server';
import { rowsOf } from '~db/client.server';
import { cleanupStaleSessions, cleanupTokens } from './cleanup.server';
import { expireInvitations } from './expire-invitations.server';
import { sendEmails } from './send-emails.server';
import type { CronJob } from './types';

/**
 * usage-rollup (SPEC §8, seeds 000, 004), for the run's UTC calendar month:
 * 1. usage_counters are recomputed from usage_events. Each counter is moved by its drift (events' sum −
 *    counter, both read in one snapshot), not overwritten: a batch committed meanwhile changed both the
 *    events and the counter, so it is in neither or both, and its increment survives. No lock is taken.
 *    The month's daily counters (usage_daily_counters, the dashboard's chart) are corrected the same way.
 * 2. subscriptions.current_period_usage := the month's counters by event_type, `{}` without any; IS
 *    DISTINCT FROM leaves equal rows untouched (no updated_at bump, and a second run counts 0).
 */
export const usageRollup: CronJob = {
  name: 'usage-rollup',
  async run(db, { now }) {
    const range = utcMonth(now);
    const from = range.from.toISOString();
    const to = range.to.toISOString();
    const month = from.slice(0, 10);
    const [fixed] = rowsOf<{ counters: number }>(
      await db.execute(sql`
        WITH fresh AS (
          SELECT organization_id, event_type, sum(quantity)::bigint AS quantity, count(*)::bigint AS events
            FROM usage_events
           WHERE "timestamp" >= ${from}::timestamptz AND "timestamp" < ${to}::timestamptz
           GROUP BY organization_id, event_type
        ), counted AS (
          SELECT organization_id, event_type, quantity, events FROM usage_counters WHERE month = ${month}::date
        ), drift AS (
          SELECT coalesce(f.organization_id, c.organization_id) AS organization_id,
                 coalesce(f.event_type, c.event_type) AS event_type,
                 coalesce(f.quantity, 0) - coalesce(c.quantity, 0) AS quantity,
                 coalesce(f.events, 0) - coalesce(c.events, 0) AS events
            FROM fresh f
            FULL JOIN counted c ON c.organization_id = f.organization_id AND c.event_type = f.event_type
           WHERE coalesce(f.quantity, 0) <> coalesce(c.quantity, 0) OR coalesce(f.events, 0) <> coalesce(c.events, 0)
        ), moved AS (
          INSERT INTO usage_counters (organization_id, month, event_type, quantity, events)
          SELECT organization_id, ${month}::date, event_type, quantity, events FROM drift ORDER BY 1, 3
          ON CONFLICT (organization_id, month, event_type) DO UPDATE
            SET quantity = usage_counters.quantity + EXCLUDED.quantity,
                events = usage_counters.events + EXCLUDED.events
          RETURNING 1
        )
        SELECT count(*)::int AS counters FROM moved`),
    );
    // The same drift correction for the month's daily counters (migration 0020), by (organization, day, type).
    const [fixedDaily] = rowsOf<{ counters: number }>(
      await db.execute(sql`
        WITH fresh AS (
          SELECT organization_id, ("timestamp" AT TIME ZONE 'UTC')::date AS day, event_type,
                 sum(quantity)::bigint AS quantity, count(*)::bigint AS events
            FROM usage_events
           WHERE "timestamp" >= ${from}::timestamptz AND "timestamp" < ${to}::timestamptz
           GROUP BY 1, 2, 3
        ), counted AS (
          SELECT organization_id, day, event_type, quantity, events FROM usage_daily_counters
           WHERE day >= ${month}::date AND day < ${to.slice(0, 10)}::date
        ), drift AS (
          SELECT coalesce(f.organization_id, c.organization_id) AS organization_id,
                 coalesce(f.day, c.day) AS day,
                 coalesce(f.event_type, c.event_type) AS event_type,
                 coalesce(f.quantity, 0) - coalesce(c.quantity, 0) AS quantity,
                 coalesce(f.events, 0) - coalesce(c.events, 0) AS events
            FROM fresh f
            FULL JOIN counted c
              ON c.organization_id = f.organization_id AND c.day = f.day AND c.event_type = f.event_type
           WHERE coalesce(f.quantity, 0) <> coalesce(c.quantity, 0) OR coalesce(f.events, 0) <> coalesce(c.events, 0)
        ), moved AS (
          INSERT INTO usage_daily_counters (organization_id, day, event_type, quantity, events)
          SELECT organization_id, day, event_type, quantity, events FROM drift ORDER BY 1, 2, 3
          ON CONFLICT (organization_id, day, event_type) DO UPDATE
            SET quantity = usage_daily_counters.quantity + EXCLUDED.quantity,
                events = usage_daily_counters.events + EXCLUDED.events
          RETURNING 1
        )
        SELECT count(*)::int AS counters FROM moved`),
    );
    const [row] = rowsOf<{ subscriptions: number }>(
      await db.execute(sql`
        WITH changed AS (
          UPDATE subscriptions s SET current_period_usage = fresh.usage
          FROM (
            SELECT sub.id, COALESCE(sums.usage, '{}'::jsonb) AS usage
            FROM subscriptions sub
            LEFT JOIN (
              SELECT organization_id, jsonb_object_agg(event_type, quantity) AS usage
                FROM usage_counters
               WHERE month = ${month}::date AND quantity > 0
               GROUP BY organization_id
            ) sums ON sums.organization_id = sub.organization_id
          ) fresh
          WHERE s.id = fresh.id AND s.current_period_usage IS DISTINCT FROM fresh.usage
          RETURNING 1
        )
        SELECT count(*)::int AS "subscriptions" FROM changed`),
    );
    return {
      counters: fixed?.counters ?? 0,
      dailyCounters: fixedDaily?.counters ?? 0,
      subscriptions: row?.subscriptions ?? 0,
    };
  },
};

export const cronJobs = {
  'cleanup-tokens': cleanupTokens,
  'cleanup-stale-sessions': cleanupStaleSessions,
  'expire-invitations': expireInvitations,
  'send-emails': sendEmails,
  'usage-rollup': usageRollup,
  'billing-run': billingRun,
  'subscription-maintenance': subscriptionMaintenance,
  'analytics-rollup': analyticsRollup,
} as const satisfies Record<string, CronJob>;

export type CronJobName = keyof typeof cronJobs;

/** The job of that name, or undefined (own keys only: "constructor" is not a job). */
export function findCronJob(name: string | undefined): CronJob | undefined {
  return name !== undefined && Object.hasOwn(cronJobs, name) ? cronJobs[name as CronJobName] : undefined;
}
