// Metered usage (seeds 002, 004): batches of usage events sent through the API, idempotent per
// (organization, idempotency_key), and the summaries the API and the usage page show. The plan's
// `api_calls_per_month` is checked from live data at ingestion (SPEC §6), under the organization row lock.
import { and, asc, eq, gt, gte, inArray, lt, sql } from 'drizzle-orm';
import { z } from 'zod';
import { API_CALL_EVENT, type ApiContext, apiCallEventData } from '~/api-keys/authenticate.server';
import { type Actor, recordAudit } from '~/audit/audit.server';
import { withinLimit } from '~/billing/plans';
import { dateTimeSchema, dayOrDateTimeSchema } from '~/lib/dates';
import { LimitReached, NotFound, ValidationFailed } from '~/lib/errors';
import { authorize, ORGANIZATION_NOT_FOUND } from '~/orgs/access.server';
import { organizationPlan, upgradePath } from '~/orgs/limits.server';
import { type Database, rowsOf } from '~db/client.server';
import { projects, usageCounters, usageDailyCounters, usageEvents } from '~db/schema';

export { API_CALL_EVENT };

export const MAX_BATCH = 1000;
const MAX_EVENT_DATA_CHARS = 10_000;
/** Clocks differ: a timestamp may be a little ahead of ours, never further. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

const usageEventSchema = z.object({
  eventType: z
    .string({ required_error: 'Required' })
    .trim()
    .min(1, 'Required')
    .max(100, 'Use at most 100 characters')
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'Use letters, digits, dots, dashes, colons and underscores')
    // The platform counts api.call itself, one per request (SPEC §4): clients cannot add or inflate it.
    .refine((t) => t !== API_CALL_EVENT, `${API_CALL_EVENT} is recorded by the platform for each request`),
  quantity: z
    .number({ required_error: 'Required', invalid_type_error: 'Must be a number' })
    .int('Must be a whole number')
    .positive('Must be greater than 0')
    .max(2_147_483_647, 'Too large'),
  projectId: z.string().min(1).max(64).optional(),
  idempotencyKey: z.string().min(1).max(255, 'Use at most 255 characters').optional(),
  timestamp: dateTimeSchema
    .refine((v) => Date.parse(v) <= Date.now() + MAX_CLOCK_SKEW_MS, 'Must not be in the future')
    .optional(),
  eventData: z
    .record(z.unknown(), { invalid_type_error: 'Must be a JSON object' })
    .refine(
      (v) => JSON.stringify(v).length <= MAX_EVENT_DATA_CHARS,
      `Use at most ${MAX_EVENT_DATA_CHARS} characters`,
    )
    .optional(),
});

export const ingestUsageSchema = z.object({
  events: z
    .array(usageEventSchema, { required_error: 'Required', invalid_type_error: 'Must be an array' })
    .min(1, 'Send at least one event')
    .max(MAX_BATCH, `Send at most ${MAX_BATCH} events per batch`),
});
export type IngestUsageInput = z.infer<typeof ingestUsageSchema>;

/** The current UTC calendar month: [first day 00:00, first day of next month 00:00). */
export function utcMonth(now = new Date()): { from: Date; to: Date } {
  return {
    from: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)),
    to: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)),
  };
}

/** Days of the UTC month from its first day through `now`'s day, as YYYY-MM-DD. */
export function monthDaysUpTo(now: Date): string[] {
  const { from, to } = utcMonth(now);
  const days: string[] = [];
  for (let t = from.getTime(); t <= now.getTime() && t < to.getTime(); t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

interface AllowanceRow {
  plan_key: string | null;
  plan_name: string | null;
  api_limit: number | string | null;
  used: number | string | null;
}

/**
 * This month's api.call usage against the plan (limit null = unlimited): one statement that reads the
 * organization's plan and ONE counter row (usage_counters), whatever the month's history holds.
 */
export async function apiCallAllowance(tx: Database, organizationId: string, now = new Date()) {
  const month = utcMonth(now).from.toISOString().slice(0, 10);
  const [row] = rowsOf<AllowanceRow>(
    await tx.execute(sql`
      SELECT pl.key AS plan_key, pl.name AS plan_name, pl.limits->>'api_calls_per_month' AS api_limit,
             (SELECT c.quantity FROM usage_counters c
               WHERE c.organization_id = ${organizationId} AND c.month = ${month}::date
                 AND c.event_type = ${API_CALL_EVENT}) AS used
        FROM subscriptions s JOIN plans pl ON pl.id = s.plan_id
       WHERE s.organization_id = ${organizationId}`),
  );
  if (!row?.plan_key) throw new NotFound(ORGANIZATION_NOT_FOUND);
  const limit = row.api_limit === null ? null : Number(row.api_limit);
  return {
    plan: { key: row.plan_key, name: row.plan_name ?? row.plan_key },
    used: Number(row.used ?? 0),
    limit,
  };
}

/**
 * Accepts a batch of usage events and records the request's api.call, in one transaction and one
 * inserting statement (jsonb_to_recordset), which also moves this month's counters and so row-locks the
 * api.call counter until commit: two batches racing for the month's last API call meet at that one row,
 * so only one gets it (SPEC §3, §6), and nothing else of the organization waits. Duplicates (same
 * idempotency key, earlier or in this batch) are skipped.
 */
export async function ingestUsage(
  db: Database,
  context: ApiContext,
  input: IngestUsageInput,
): Promise<{ accepted: number; duplicates: number }> {
  const { events } = ingestUsageSchema.parse(input);
  const organizationId = context.organization.id;
  return db.transaction(async (tx) => {
    const projectIds = [...new Set(events.flatMap((e) => (e.projectId ? [e.projectId] : [])))];
    if (projectIds.length) {
      const known = await tx
        .select({ id: projects.id })
        .from(projects)
        .where(and(eq(projects.organizationId, organizationId), inArray(projects.id, projectIds)));
      const ids = new Set(known.map((p) => p.id));
      const fieldErrors: Record<string, string[]> = {};
      events.forEach((e, i) => {
        // Another organization's project is as unknown as a made-up id.
        if (e.projectId && !ids.has(e.projectId)) fieldErrors[`events.${i}.projectId`] = ['Unknown project'];
      });
      if (Object.keys(fieldErrors).length) {
        throw new ValidationFailed(
          Object.keys(fieldErrors)
            .map((f) => `${f}: Unknown project`)
            .join('; '),
          fieldErrors,
        );
      }
    }

    // One statement inserts the batch and the request's api.call event and moves the month's counters by
    // what was really inserted (a repeated idempotency key is skipped). The counter upsert row-locks
    // api.call's counter until commit: that is the lock the limit check is made under, taken as late as
    // possible, so concurrent batches of one organization overlap everywhere but here.
    const plan = await organizationPlan(tx, organizationId);
    const limit = plan.limits.api_calls_per_month;
    const month = utcMonth().from.toISOString().slice(0, 10);
    const rows = JSON.stringify([
      ...events.map((e) => ({
        project_id: e.projectId ?? null,
        event_type: e.eventType,
        quantity: e.quantity,
        event_data: e.eventData ?? null,
        idempotency_key: e.idempotencyKey ?? null,
        ts: e.timestamp ?? null,
      })),
      {
        event_type: API_CALL_EVENT,
        quantity: 1,
        event_data: apiCallEventData(context),
      },
    ]);
    // The statement trigger must not count these rows a second time (migrations/0009_usage_counters.sql).
    await tx.execute(sql`SELECT set_config('saas.usage_counted_by_app', 'on', true)`);
    const [inserted] = rowsOf<{ n: number | string; api_calls: number | string | null }>(
      await tx.execute(sql`
        WITH inserted AS (
          INSERT INTO usage_events
            (organization_id, api_key_id, project_id, event_type, quantity, event_data, idempotency_key, "timestamp")
          SELECT ${organizationId}, ${context.apiKeyId}, e.project_id, e.event_type, e.quantity, e.event_data,
                 e.idempotency_key, coalesce(e.ts, now())
            FROM jsonb_to_recordset(${rows}::jsonb)
              AS e(project_id text, event_type text, quantity integer, event_data jsonb, idempotency_key text, ts timestamptz)
          -- The partial unique index (organization_id, idempotency_key): a repeated key is skipped.
          ON CONFLICT DO NOTHING
          RETURNING event_type, quantity, "timestamp"
        ), counted AS (
          INSERT INTO usage_counters (organization_id, month, event_type, quantity, events)
          SELECT ${organizationId}, date_trunc('month', i."timestamp" AT TIME ZONE 'UTC')::date, i.event_type,
                 sum(i.quantity), count(*)
            FROM inserted i
           GROUP BY 2, 3
           ORDER BY 2, 3
          ON CONFLICT (organization_id, month, event_type) DO UPDATE
            SET quantity = usage_counters.quantity + EXCLUDED.quantity,
                events = usage_counters.events + EXCLUDED.events
          RETURNING month, event_type, quantity
        ), counted_daily AS (
          INSERT INTO usage_daily_counters (organization_id, day, event_type, quantity, events)
          SELECT ${organizationId}, (i."timestamp" AT TIME ZONE 'UTC')::date, i.event_type, sum(i.quantity), count(*)
            FROM inserted i
           GROUP BY 2, 3
           ORDER BY 2, 3
          ON CONFLICT (organization_id, day, event_type) DO UPDATE
            SET quantity = usage_daily_counters.quantity + EXCLUDED.quantity,
                events = usage_daily_counters.events + EXCLUDED.events
        )
        SELECT (SELECT count(*) FROM inserted WHERE event_type <> ${API_CALL_EVENT}) AS n,
               (SELECT quantity FROM counted WHERE event_type = ${API_CALL_EVENT} AND month = ${month}::date) AS api_calls`),
    );
    await tx.execute(sql`SELECT set_config('saas.usage_counted_by_app', 'off', true)`);
    const used = Number(inserted?.api_calls ?? 0);
    if (!withinLimit(used, limit)) {
      throw new LimitReached(
        `The ${plan.name} plan allows ${limit?.toLocaleString('en-US')} API calls per month (UTC); this month's are used up. Upgrade the plan to make more: ${upgradePath(context.organization.slug)}`,
      );
    }
    const accepted = Number(inserted?.n ?? 0);
    const duplicates = events.length - accepted;
    if (accepted > 0) {
      // One audit row per batch, not per event (docs/decisions/0010-usage-counters.md).
      await recordAudit(tx, context.actor, {
        organizationId,
        action: 'usage.ingested',
        entityType: 'usage_events',
        metadata: { accepted, duplicates, eventTypes: [...new Set(events.map((e) => e.eventType))].sort() },
      });
    }
    return { accepted, duplicates };
  });
}

// Only dates PostgreSQL accepts (app/lib/dates.ts): 2026-02-31 or year 10000 would fail in the query.
const dateOrDateTime = dayOrDateTimeSchema;

export const usagePeriodSchema = z
  .object({ from: dateOrDateTime.optional(), to: dateOrDateTime.optional() })
  .transform((p, ctx) => {
    const month = utcMonth();
    const from = p.from ?? month.from;
    const to = p.to ?? (p.from ? new Date(from.getTime() + 31 * 86_400_000) : month.to);
    if (to.getTime() <= from.getTime()) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'Must be after from' });
      return z.NEVER;
    }
    if (to.getTime() - from.getTime() > 366 * 86_400_000) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'The period may span at most 366 days' });
      return z.NEVER;
    }
    return { from, to };
  });

export function parseUsagePeriod(params: URLSearchParams): { from: Date; to: Date } {
  const result = usagePeriodSchema.safeParse({
    from: params.get('from') ?? undefined,
    to: params.get('to') ?? undefined,
  });
  if (result.success) return result.data;
  const fieldErrors: Record<string, string[]> = {};
  for (const issue of result.error.issues) {
    const path = issue.path.join('.') || '(query)';
    fieldErrors[path] = [...(fieldErrors[path] ?? []), issue.message];
  }
  throw new ValidationFailed(
    Object.entries(fieldErrors)
      .map(([f, m]) => `${f}: ${m.join(', ')}`)
      .join('; '),
    fieldErrors,
  );
}

async function totalsByType(db: Database, organizationId: string, period: { from: Date; to: Date }) {
  const rows = await db
    .select({
      eventType: usageEvents.eventType,
      quantity: sql<string>`sum(${usageEvents.quantity})`,
      events: sql<string>`count(*)`,
    })
    .from(usageEvents)
    .where(
      and(
        eq(usageEvents.organizationId, organizationId),
        gte(usageEvents.timestamp, period.from),
        lt(usageEvents.timestamp, period.to),
      ),
    )
    .groupBy(usageEvents.eventType)
    .orderBy(asc(usageEvents.eventType));
  return rows.map((r) => ({
    eventType: r.eventType,
    quantity: Number(r.quantity),
    events: Number(r.events),
  }));
}

/** GET /api/v1/orgs/:slug/usage: sums by event type over the period, and this month's API calls. */
export async function usageSummary(db: Database, context: ApiContext, period: { from: Date; to: Date }) {
  const organizationId = context.organization.id;
  const [totals, allowance] = [
    await totalsByType(db, organizationId, period),
    await apiCallAllowance(db, organizationId),
  ];
  const month = utcMonth();
  return {
    organization: context.organization.slug,
    period: { from: period.from.toISOString(), to: period.to.toISOString() },
    totals,
    apiCalls: {
      month: month.from.toISOString().slice(0, 7),
      used: allowance.used,
      limit: allowance.limit,
      plan: allowance.plan.key,
    },
  };
}

/**
 * The usage page (every role, 'usage:view'): this month's totals, API calls vs the plan, calls per day.
 * Read from the counters (the month's, and the days' of migration 0020), never from the events, so the
 * page costs the same at a million events as at none; usage-rollup corrects any drift.
 */
export async function getUsageOverview(db: Database, actor: Actor, organizationId: string, now = new Date()) {
  const { organization } = await authorize(db, actor, organizationId, 'usage:view');
  const month = utcMonth(now);
  const monthDay = month.from.toISOString().slice(0, 10);
  const totals = (
    await db
      .select({
        eventType: usageCounters.eventType,
        quantity: usageCounters.quantity,
        events: usageCounters.events,
      })
      .from(usageCounters)
      .where(
        and(
          eq(usageCounters.organizationId, organizationId),
          eq(usageCounters.month, monthDay),
          gt(usageCounters.events, 0),
        ),
      )
      .orderBy(asc(usageCounters.eventType))
  ).map((r) => ({ eventType: r.eventType, quantity: Number(r.quantity), events: Number(r.events) }));
  const allowance = await apiCallAllowance(db, organizationId, now);
  const perDay = await db
    .select({ day: usageDailyCounters.day, calls: usageDailyCounters.quantity })
    .from(usageDailyCounters)
    .where(
      and(
        eq(usageDailyCounters.organizationId, organizationId),
        eq(usageDailyCounters.eventType, API_CALL_EVENT),
        gte(usageDailyCounters.day, monthDay),
        lt(usageDailyCounters.day, month.to.toISOString().slice(0, 10)),
      ),
    );
  const byDay = new Map(perDay.map((r) => [r.day, Number(r.calls)]));
  const daily = monthDaysUpTo(now).map((day) => ({ day, calls: byDay.get(day) ?? 0 }));
  return {
    organization,
    month: month.from.toISOString().slice(0, 7),
    totals,
    apiCalls: { used: allowance.used, limit: allowance.limit, plan: allowance.plan },
    daily,
  };
}
