// The closed list of cron jobs served at POST /cron/<job>. subscription-maintenance, billing-run and
// analytics-rollup (SPEC §8) join this list when their domains exist.
import { sql } from 'drizzle-orm';
import { utcMonth } from '~/usage/usage.server';
import { rowsOf } from '~db/client.server';
import { cleanupStaleSessions, cleanupTokens } from './cleanup.server';
import { expireInvitations } from './expire-invitations.server';
import { sendEmails } from './send-emails.server';
import type { CronJob } from './types';

/**
 * usage-rollup (SPEC §8, seeds 000, 004): subscriptions.current_period_usage := sums by event_type of the
 * run's UTC calendar month, `{}` without events. Recomputed from usage_events, never incremented, so a
 * missed or repeated run cannot drift; IS DISTINCT FROM leaves equal rows untouched (no updated_at bump,
 * and a second run counts 0).
 */
export const usageRollup: CronJob = {
  name: 'usage-rollup',
  async run(db, { now }) {
    const month = utcMonth(now);
    const [row] = rowsOf<{ subscriptions: number }>(
      await db.execute(sql`
        WITH changed AS (
          UPDATE subscriptions s SET current_period_usage = fresh.usage
          FROM (
            SELECT sub.id, COALESCE(sums.usage, '{}'::jsonb) AS usage
            FROM subscriptions sub
            LEFT JOIN (
              SELECT organization_id, jsonb_object_agg(event_type, total) AS usage
              FROM (
                SELECT organization_id, event_type, sum(quantity) AS total
                FROM usage_events
                WHERE "timestamp" >= ${month.from.toISOString()}::timestamptz
                  AND "timestamp" < ${month.to.toISOString()}::timestamptz
                GROUP BY organization_id, event_type
              ) by_type
              GROUP BY organization_id
            ) sums ON sums.organization_id = sub.organization_id
          ) fresh
          WHERE s.id = fresh.id AND s.current_period_usage IS DISTINCT FROM fresh.usage
          RETURNING 1
        )
        SELECT count(*)::int AS "subscriptions" FROM changed`),
    );
    return { subscriptions: row?.subscriptions ?? 0 };
  },
};

export const cronJobs = {
  'cleanup-tokens': cleanupTokens,
  'cleanup-stale-sessions': cleanupStaleSessions,
  'expire-invitations': expireInvitations,
  'send-emails': sendEmails,
  'usage-rollup': usageRollup,
} as const satisfies Record<string, CronJob>;

export type CronJobName = keyof typeof cronJobs;

/** The job of that name, or undefined (own keys only: "constructor" is not a job). */
export function findCronJob(name: string | undefined): CronJob | undefined {
  return name !== undefined && Object.hasOwn(cronJobs, name) ? cronJobs[name as CronJobName] : undefined;
}
