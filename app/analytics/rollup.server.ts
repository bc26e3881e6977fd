// analytics-rollup (SPEC §8, seed 003): daily business metrics in `analytics`, upserted by (date, metric),
// and the reads of /admin/analytics. Days are UTC calendar days [D 00:00, D+1 00:00). ADR 18 explains the
// choices; the definitions, exactly:
//
//  mrr                  cents, a snapshot: Σ over paying subscriptions (below) of the plan's price × quantity,
//                       a YEARLY plan at price × quantity / 12; the sum is exact (numeric) and rounded ONCE to
//                       whole cents, half away from zero (3 yearly plans at 29000 → 7250, not 3 × 2417).
//  active_subscriptions a snapshot: subscriptions with status ACTIVE or PAST_DUE on a plan with price > 0 and a
//                       MONTHLY or YEARLY interval (a cancellation at period end still pays until then;
//                       TRIALING pays nothing yet; LIFETIME is not recurring).
//  new_customers        organizations created on D (each is a billing customer from creation, SPEC §6).
//  churn_rate           a 0–1 fraction, 4 decimals: churned(D) / active_subscriptions recorded for D−1 (the
//                       paying base at the start of D), capped at 1. churned(D) = distinct subscriptions whose
//                       audit trail shows, on D, a `subscription.ended` or `subscription.plan_changed` from a
//                       paying state (old status ACTIVE/PAST_DUE on a paid recurring plan) to a plan with
//                       price 0. Not written for D when no active_subscriptions row exists for D−1; 0 when that
//                       base is 0.
//  revenue              cents: money received on D — payments on invoices or the account (status PAID, or
//                       REFUNDED later, by completed_at; CREDIT applications are not new money) plus store
//                       orders paid on D (payment_status SUCCEEDED or REFUNDED later, by completed_at) minus
//                       SUCCEEDED store refunds (by processed_at, else created_at) and invoice payments refunded
//                       in full on D (status REFUNDED, by updated_at). Can be negative.
//
// Snapshots read the current subscription rows, so they can only be taken for today: a run writes them for
// its own UTC day, and a backfill of earlier days recomputes the flow metrics only and keeps the snapshots
// recorded then (the rows are the history). Everything is one INSERT … ON CONFLICT statement; an unchanged
// value is not rewritten, so a second run counts 0.
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { type StaffAction, staffCan, staffForbiddenMessage } from '~/admin/permissions';
import type { Actor } from '~/audit/audit.server';
import type { CronJob } from '~/cron/types';
import { daySchema, parseDay } from '~/lib/dates';
import { Forbidden, NotFound } from '~/lib/errors';
import { type Database, rowsOf } from '~db/client.server';

export const METRICS = ['mrr', 'active_subscriptions', 'new_customers', 'churn_rate', 'revenue'] as const;
export type Metric = (typeof METRICS)[number];

/** The longest range one backfill or one page reads (ten years of days). */
export const MAX_RANGE_DAYS = 3660;
const DAY_MS = 86_400_000;

/** YYYY-MM-DD of the UTC day of `at`. */
export const utcDay = (at: Date) => at.toISOString().slice(0, 10);
export const addDays = (day: string, n: number) =>
  utcDay(new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS));
export const daysBetween = (from: string, to: string) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);

// The range checks only judge two real days (zod runs them even when a day already failed).
const realDays = (r: { from: string; to: string }) => parseDay(r.from) !== null && parseDay(r.to) !== null;

export const dayRangeSchema = z
  .object({ from: daySchema, to: daySchema })
  .refine((r) => !realDays(r) || r.from <= r.to, {
    message: 'The start must be on or before the end',
    path: ['from'],
  })
  .refine((r) => !realDays(r) || daysBetween(r.from, r.to) < MAX_RANGE_DAYS, {
    message: `Choose at most ${MAX_RANGE_DAYS} days`,
    path: ['from'],
  });
export type DayRange = z.infer<typeof dayRangeSchema>;

/** The longest range /admin/analytics draws (the CSV export takes up to MAX_RANGE_DAYS). */
export const PAGE_RANGE_DAYS = 400;
export const DEFAULT_RANGE_DAYS = 30;

/**
 * ?from=&to= of /admin/analytics and its CSV: both optional (default: the last 30 days through today).
 * Answers the range, or the field errors and the default range to show beside them.
 */
export function parseRangeQuery(
  params: URLSearchParams,
  now = new Date(),
  maxDays = PAGE_RANGE_DAYS,
):
  | { ok: true; range: DayRange }
  | { ok: false; range: DayRange; input: { from: string; to: string }; errors: Record<string, string> } {
  const today = utcDay(now);
  const fallback = { from: addDays(today, 1 - DEFAULT_RANGE_DAYS), to: today };
  const rawFrom = (params.get('from') ?? '').slice(0, 40).trim();
  const rawTo = (params.get('to') ?? '').slice(0, 40).trim();
  const to = rawTo || today;
  const from =
    rawFrom ||
    (dayRangeSchema.safeParse({ from: to, to }).success ? addDays(to, 1 - DEFAULT_RANGE_DAYS) : '');
  const parsed = dayRangeSchema
    .refine((r) => !realDays(r) || daysBetween(r.from, r.to) < maxDays, {
      message: `Choose at most ${maxDays} days`,
      path: ['from'],
    })
    .safeParse({ from, to });
  if (parsed.success) return { ok: true, range: parsed.data };
  const errors: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? 'from');
    errors[field] ??= issue.message;
  }
  return { ok: false, range: fallback, input: { from: rawFrom, to: rawTo }, errors };
}

/**
 * Recomputes the metrics of every UTC day in [from, to] (days after `now`'s day are not rolled up: they
 * have not happened). Answers how many (date, metric) rows were inserted or changed.
 */
export async function rollupAnalytics(
  db: Database,
  input: { from: string; to: string },
  now = new Date(),
): Promise<{ written: number; days: number }> {
  const today = utcDay(now);
  const parsed = dayRangeSchema.parse(input);
  const from = parsed.from;
  const to = parsed.to.localeCompare(today) > 0 ? today : parsed.to; // never beyond today
  if (from > to) return { written: 0, days: 0 };
  const snapshot = from <= today && today <= to;
  // Range bounds as instants: UTC midnight of `from`, UTC midnight after `to`.
  const start = `${from}T00:00:00.000Z`;
  const end = `${addDays(to, 1)}T00:00:00.000Z`;
  const [row] = rowsOf<{ written: number }>(
    await db.execute(sql`
      WITH days AS (
        SELECT d::date AS day FROM generate_series(${from}::date, ${to}::date, interval '1 day') AS d
      ),
      paying AS (
        SELECT p.price::numeric * s.quantity / (CASE p.billing_interval WHEN 'YEARLY' THEN 12 ELSE 1 END) AS monthly
          FROM subscriptions s JOIN plans p ON p.id = s.plan_id
         WHERE ${snapshot} AND s.status IN ('ACTIVE', 'PAST_DUE') AND p.price > 0
           AND p.billing_interval IN ('MONTHLY', 'YEARLY')
      ),
      snap AS (
        SELECT coalesce(round(sum(monthly)), 0) AS mrr, count(*) AS active FROM paying
      ),
      customers AS (
        SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n
          FROM organizations
         WHERE created_at >= ${start}::timestamptz AND created_at < ${end}::timestamptz
         GROUP BY 1
      ),
      received AS (
        SELECT (completed_at AT TIME ZONE 'UTC')::date AS day, sum(amount) AS amount
          FROM payments
         WHERE status IN ('PAID', 'REFUNDED') AND method <> 'CREDIT'
           AND completed_at >= ${start}::timestamptz AND completed_at < ${end}::timestamptz
         GROUP BY 1
      ),
      payments_refunded AS (
        SELECT (updated_at AT TIME ZONE 'UTC')::date AS day, sum(amount) AS amount
          FROM payments
         WHERE status = 'REFUNDED' AND method <> 'CREDIT'
           AND updated_at >= ${start}::timestamptz AND updated_at < ${end}::timestamptz
         GROUP BY 1
      ),
      sold AS (
        SELECT (completed_at AT TIME ZONE 'UTC')::date AS day, sum(total_amount) AS amount
          FROM orders
         WHERE payment_status IN ('SUCCEEDED', 'REFUNDED')
           AND completed_at >= ${start}::timestamptz AND completed_at < ${end}::timestamptz
         GROUP BY 1
      ),
      orders_refunded AS (
        SELECT (coalesce(processed_at, created_at) AT TIME ZONE 'UTC')::date AS day, sum(amount) AS amount
          FROM refunds
         WHERE status = 'SUCCEEDED'
           AND coalesce(processed_at, created_at) >= ${start}::timestamptz
           AND coalesce(processed_at, created_at) < ${end}::timestamptz
         GROUP BY 1
      ),
      churned AS (
        SELECT (a.created_at AT TIME ZONE 'UTC')::date AS day, count(DISTINCT a.entity_id) AS n
          FROM audit_logs a
         WHERE a.entity_type = 'subscription'
           AND a.action IN ('subscription.ended', 'subscription.plan_changed')
           AND a.created_at >= ${start}::timestamptz AND a.created_at < ${end}::timestamptz
           AND a.old_values ->> 'status' IN ('ACTIVE', 'PAST_DUE')
           AND EXISTS (SELECT 1 FROM plans p WHERE p.key = a.old_values ->> 'plan' AND p.price > 0
                         AND p.billing_interval IN ('MONTHLY', 'YEARLY'))
           AND EXISTS (SELECT 1 FROM plans p WHERE p.key = a.new_values ->> 'plan' AND p.price = 0)
         GROUP BY 1
      ),
      fresh (date, metric, value, metadata) AS (
        SELECT d.day, 'new_customers', coalesce(c.n, 0)::numeric, '{}'::jsonb
          FROM days d LEFT JOIN customers c ON c.day = d.day
        UNION ALL
        SELECT d.day, 'revenue',
               (coalesce(r.amount, 0) + coalesce(s.amount, 0) - coalesce(o.amount, 0) - coalesce(pr.amount, 0))::numeric,
               jsonb_build_object('payments', coalesce(r.amount, 0), 'orders', coalesce(s.amount, 0),
                                  'orderRefunds', coalesce(o.amount, 0), 'paymentRefunds', coalesce(pr.amount, 0))
          FROM days d
          LEFT JOIN received r ON r.day = d.day
          LEFT JOIN sold s ON s.day = d.day
          LEFT JOIN orders_refunded o ON o.day = d.day
          LEFT JOIN payments_refunded pr ON pr.day = d.day
        UNION ALL
        SELECT d.day, 'churn_rate',
               CASE WHEN base.value > 0 THEN round(least(1, coalesce(ch.n, 0) / base.value), 4) ELSE 0 END,
               jsonb_build_object('churned', coalesce(ch.n, 0), 'base', base.value::bigint)
          FROM days d
          JOIN analytics base ON base.date = d.day - 1 AND base.metric = 'active_subscriptions'
          LEFT JOIN churned ch ON ch.day = d.day
        UNION ALL
        SELECT ${today}::date, 'mrr', mrr, '{}'::jsonb FROM snap WHERE ${snapshot}
        UNION ALL
        SELECT ${today}::date, 'active_subscriptions', active::numeric, '{}'::jsonb FROM snap WHERE ${snapshot}
      ),
      upserted AS (
        INSERT INTO analytics (date, metric, value, metadata)
        SELECT date, metric, value, metadata FROM fresh
        ON CONFLICT (date, metric) DO UPDATE SET value = EXCLUDED.value, metadata = EXCLUDED.metadata
         WHERE analytics.value IS DISTINCT FROM EXCLUDED.value OR analytics.metadata IS DISTINCT FROM EXCLUDED.metadata
        RETURNING 1
      )
      SELECT count(*)::int AS written FROM upserted`),
  );
  return { written: row?.written ?? 0, days: daysBetween(from, to) + 1 };
}

/**
 * POST /cron/analytics-rollup: yesterday and today (UTC) of the run's clock. Run it hourly: today's
 * snapshot stays fresh and the day's last run freezes it; the run after midnight completes yesterday.
 */
export const analyticsRollup: CronJob = {
  name: 'analytics-rollup',
  async run(db, { now }) {
    const today = utcDay(now);
    const { written } = await rollupAnalytics(db, { from: addDays(today, -1), to: today }, now);
    return { written };
  },
};

async function assertStaff(db: Database, actor: Actor, action: StaffAction) {
  if (!actor.userId) throw new NotFound('Not Found');
  const [row] = rowsOf<{ role: string }>(
    await db.execute(sql`SELECT role FROM users WHERE id = ${actor.userId} AND deleted_at IS NULL`),
  );
  const role = row?.role;
  if (role !== 'ADMIN' && role !== 'SUPPORT') throw new NotFound('Not Found');
  if (!staffCan(role, action)) throw new Forbidden(staffForbiddenMessage(role, action));
}

export interface DailyMetrics {
  date: string;
  mrr: number | null;
  active_subscriptions: number | null;
  new_customers: number | null;
  churn_rate: number | null;
  revenue: number | null;
}

/** One row per day of the range (null where no value was recorded), oldest first. Staff with analytics:read. */
export async function dailyMetrics(db: Database, actor: Actor, range: DayRange): Promise<DailyMetrics[]> {
  const { from, to } = dayRangeSchema.parse(range);
  await assertStaff(db, actor, 'analytics:read');
  const rows = rowsOf<{ date: string; metric: Metric; value: string }>(
    await db.execute(sql`
      SELECT to_char(date, 'YYYY-MM-DD') AS date, metric, value::text AS value FROM analytics
       WHERE date BETWEEN ${from}::date AND ${to}::date`),
  );
  const byDay = new Map<string, DailyMetrics>();
  for (let i = 0, n = daysBetween(from, to); i <= n; i++) {
    const date = addDays(from, i);
    byDay.set(date, {
      date,
      mrr: null,
      active_subscriptions: null,
      new_customers: null,
      churn_rate: null,
      revenue: null,
    });
  }
  for (const r of rows) {
    const day = byDay.get(r.date);
    if (day && (METRICS as readonly string[]).includes(r.metric)) day[r.metric] = Number(r.value);
  }
  return [...byDay.values()];
}

/** The most recent recorded value of a metric (e.g. MRR on the admin overview), or null. */
export async function latestMetric(
  db: Database,
  metric: Metric,
): Promise<{ date: string; value: number } | null> {
  const [row] = rowsOf<{ date: string; value: string }>(
    await db.execute(sql`
      SELECT to_char(date, 'YYYY-MM-DD') AS date, value::text AS value FROM analytics
       WHERE metric = ${metric} ORDER BY date DESC LIMIT 1`),
  );
  return row ? { date: row.date, value: Number(row.value) } : null;
}

const CSV_COLUMNS = [
  ['date', 'date'],
  ['mrr', 'mrr_cents'],
  ['active_subscriptions', 'active_subscriptions'],
  ['new_customers', 'new_customers'],
  ['churn_rate', 'churn_rate'],
  ['revenue', 'revenue_cents'],
] as const;

/** RFC 4180 CSV of dailyMetrics: a header line, then one line per day (empty cell = not recorded). */
export function metricsCsv(rows: DailyMetrics[]): string {
  const lines = [CSV_COLUMNS.map(([, header]) => header).join(',')];
  for (const r of rows)
    lines.push(CSV_COLUMNS.map(([key]) => (r[key] === null ? '' : String(r[key]))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
