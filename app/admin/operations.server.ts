// The admin area's operational views (issue 14 §2): the overview's numbers, the email log, cron runs and
// the webhook ledger. Reads are set-based SQL; the two writes (resend an email, re-process a webhook
// event) are audited with the staff member as actor and go through the same code as the original path.
import { and, count, desc, eq, gte, inArray, isNotNull, isNull, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import { type Actor, recordAudit } from '~/audit/audit.server';
import { requestPasswordReset, requestVerificationEmail } from '~/auth/accounts.server';
import { stripeClientOrNull } from '~/billing/stripe-client.server';
import { processStripeEvent } from '~/billing/stripe-webhook.server';
import { cronJobs } from '~/cron/jobs.server';
import { deliverSoon } from '~/email/outbox.server';
import { reprocessPaynowEvent } from '~/invoicing/paynow.server';
import { Conflict, NotFound } from '~/lib/errors';
import type { Database } from '~db/client.server';
import {
  analytics,
  cronRuns,
  emailLogs,
  organizations,
  subscriptions,
  supportTickets,
  users,
  webhookEvents,
} from '~db/schema';

const blank = (v: unknown) => (v === '' || v === null ? undefined : v);
const OPEN_TICKET_STATUSES = ['OPEN', 'IN_PROGRESS', 'WAITING_ON_CLIENT'] as const;

// ---- overview ------------------------------------------------------------------------------------------

export async function adminOverview(db: Database) {
  const days = (n: number) => sql`now() - ${`${n} days`}::interval`;
  const [signups, active, mrr, tickets, emails, webhooks, cron] = await Promise.all([
    db
      .select({
        last7: sql<number>`count(*) FILTER (WHERE ${users.createdAt} >= ${days(7)})`.mapWith(Number),
        last30: sql<number>`count(*) FILTER (WHERE ${users.createdAt} >= ${days(30)})`.mapWith(Number),
      })
      .from(users)
      .where(isNull(users.deletedAt)),
    db
      .select({ n: count() })
      .from(organizations)
      .innerJoin(subscriptions, eq(subscriptions.organizationId, organizations.id))
      .where(inArray(subscriptions.status, ['ACTIVE', 'TRIALING', 'PAST_DUE'])),
    db
      .select({ date: analytics.date, value: analytics.value })
      .from(analytics)
      .where(eq(analytics.metric, 'mrr'))
      .orderBy(desc(analytics.date))
      .limit(1),
    db
      .select({ n: count() })
      .from(supportTickets)
      .where(inArray(supportTickets.status, [...OPEN_TICKET_STATUSES])),
    db.select({ n: count() }).from(emailLogs).where(eq(emailLogs.status, 'FAILED')),
    db.select({ n: count() }).from(webhookEvents).where(failedWebhook),
    latestCronRuns(db),
  ]);
  return {
    signups7: signups[0]?.last7 ?? 0,
    signups30: signups[0]?.last30 ?? 0,
    activeOrganizations: Number(active[0]?.n ?? 0),
    mrr: mrr[0] ? { cents: Math.round(Number(mrr[0].value)), date: mrr[0].date } : null,
    openTickets: Number(tickets[0]?.n ?? 0),
    failedEmails: Number(emails[0]?.n ?? 0),
    failedWebhooks: Number(webhooks[0]?.n ?? 0),
    failedCronJobs: cron.filter((r) => r.latest?.status === 'FAILED').length,
  };
}

// ---- email log -----------------------------------------------------------------------------------------

export const EMAIL_PAGE_SIZE = 50;
export const EMAIL_STATUSES = ['QUEUED', 'SENDING', 'SENT', 'FAILED'] as const;
export const emailFilterSchema = z.object({
  status: z.preprocess(blank, z.enum(EMAIL_STATUSES).optional()),
  to: z.preprocess(blank, z.string().trim().toLowerCase().max(320).optional()),
  page: z.preprocess(blank, z.coerce.number().int().min(1).max(10_000).default(1)),
});

/** The outbox, newest first. Never the payload (template_data): it holds encrypted link tokens. */
export async function listEmails(db: Database, input: z.input<typeof emailFilterSchema>) {
  const { status, to, page } = emailFilterSchema.parse(input);
  const where = and(status ? eq(emailLogs.status, status) : undefined, to ? eq(emailLogs.to, to) : undefined);
  const rows = await db
    .select({
      id: emailLogs.id,
      to: emailLogs.to,
      subject: emailLogs.subject,
      template: emailLogs.template,
      status: emailLogs.status,
      attempts: emailLogs.attempts,
      lastError: emailLogs.lastError,
      nextAttemptAt: emailLogs.nextAttemptAt,
      sentAt: emailLogs.sentAt,
      createdAt: emailLogs.createdAt,
    })
    .from(emailLogs)
    .where(where)
    .orderBy(desc(emailLogs.createdAt), desc(emailLogs.id))
    .limit(EMAIL_PAGE_SIZE + 1)
    .offset((page - 1) * EMAIL_PAGE_SIZE);
  return { emails: rows.slice(0, EMAIL_PAGE_SIZE), hasMore: rows.length > EMAIL_PAGE_SIZE, page };
}

/**
 * Sends a failed email again. Its payload was cleared when it failed (SPEC §4), so what can be sent again
 * is what the app can write afresh: a new verification or password-reset link for the same address (the
 * old link is never recovered). An email still being retried is sent now instead of at its next attempt.
 */
export async function resendEmail(db: Database, actor: Actor, emailId: string) {
  const [email] = await db.select().from(emailLogs).where(eq(emailLogs.id, emailId));
  if (!email) throw new NotFound('Email not found');
  let emailIds: string[];
  if (email.status === 'QUEUED' && email.lastError) {
    await db.update(emailLogs).set({ nextAttemptAt: sql`now()` }).where(eq(emailLogs.id, email.id));
    emailIds = [email.id];
  } else if (email.status !== 'FAILED') {
    throw new Conflict('Only a failed email (or one waiting to be retried) can be sent again.');
  } else if (email.template === 'reset-password') {
    emailIds = (await requestPasswordReset(db, email.to)).emailIds;
  } else if (email.template === 'verify-email') {
    emailIds = (await requestVerificationEmail(db, email.to)).emailIds;
  } else {
    throw new Conflict(
      'This email’s content was cleared when delivery failed, and only sign-in links can be written afresh: repeat the action that sent it.',
    );
  }
  await recordAudit(db, actor, {
    action: 'email.resent',
    entityType: 'email',
    entityId: email.id,
    metadata: { to: email.to, template: email.template, queued: emailIds },
  });
  deliverSoon(db, emailIds);
  return { emailIds };
}

// ---- cron runs -----------------------------------------------------------------------------------------

/** Every job of the scheduler with its latest run and how its last 30 days went. */
export async function latestCronRuns(db: Database) {
  const jobs = Object.keys(cronJobs);
  const [latest, tallies] = await Promise.all([
    db
      .selectDistinctOn([cronRuns.job])
      .from(cronRuns)
      .orderBy(cronRuns.job, desc(cronRuns.startedAt), desc(cronRuns.id)),
    db
      .select({
        job: cronRuns.job,
        runs: count(),
        failed: sql<number>`count(*) FILTER (WHERE ${cronRuns.status} = 'FAILED')`.mapWith(Number),
      })
      .from(cronRuns)
      .where(gte(cronRuns.startedAt, sql`now() - interval '30 days'`))
      .groupBy(cronRuns.job),
  ]);
  const names = [...new Set([...jobs, ...latest.map((l) => l.job)])].sort();
  return names.map((job) => {
    const l = latest.find((r) => r.job === job) ?? null;
    const t = tallies.find((r) => r.job === job);
    return {
      job,
      latest: l
        ? {
            status: l.status,
            startedAt: l.startedAt,
            finishedAt: l.finishedAt,
            counts: l.counts as Record<string, unknown> | null,
            error: l.error,
          }
        : null,
      runs30: Number(t?.runs ?? 0),
      failed30: t?.failed ?? 0,
    };
  });
}

// ---- webhook ledger ------------------------------------------------------------------------------------

const failedWebhook = or(
  eq(webhookEvents.outcome, 'FAILED'),
  and(isNull(webhookEvents.processedAt), isNotNull(webhookEvents.error)),
);

export const WEBHOOK_PAGE_SIZE = 50;
export const WEBHOOK_PROVIDERS = ['stripe', 'paynow'] as const;
export const webhookFilterSchema = z.object({
  provider: z.preprocess(blank, z.enum(WEBHOOK_PROVIDERS).optional()),
  failed: z.preprocess(blank, z.enum(['1']).optional()),
  page: z.preprocess(blank, z.coerce.number().int().min(1).max(10_000).default(1)),
});

export async function listWebhookEvents(db: Database, input: z.input<typeof webhookFilterSchema>) {
  const { provider, failed, page } = webhookFilterSchema.parse(input);
  const where = and(
    provider ? eq(webhookEvents.provider, provider) : undefined,
    failed ? failedWebhook : undefined,
  );
  const [rows, perProvider] = await Promise.all([
    db
      .select({
        id: webhookEvents.id,
        provider: webhookEvents.provider,
        eventId: webhookEvents.eventId,
        type: webhookEvents.type,
        receivedAt: webhookEvents.receivedAt,
        processedAt: webhookEvents.processedAt,
        outcome: webhookEvents.outcome,
        attempts: webhookEvents.attempts,
        error: webhookEvents.error,
      })
      .from(webhookEvents)
      .where(where)
      .orderBy(desc(webhookEvents.receivedAt), desc(webhookEvents.id))
      .limit(WEBHOOK_PAGE_SIZE + 1)
      .offset((page - 1) * WEBHOOK_PAGE_SIZE),
    db
      .select({
        provider: webhookEvents.provider,
        total: count(),
        failed: sql<number>`count(*) FILTER (WHERE ${failedWebhook})`.mapWith(Number),
      })
      .from(webhookEvents)
      .groupBy(webhookEvents.provider),
  ]);
  return {
    events: rows.slice(0, WEBHOOK_PAGE_SIZE),
    hasMore: rows.length > WEBHOOK_PAGE_SIZE,
    page,
    providers: WEBHOOK_PROVIDERS.map((p) => {
      const s = perProvider.find((r) => r.provider === p);
      return { provider: p, total: Number(s?.total ?? 0), failed: s?.failed ?? 0 };
    }),
  };
}

/**
 * Runs a stored event through its provider's handler again: the same claim-and-apply transaction as a
 * delivery, so an event already processed changes nothing (the ledger says so) and a failed one is applied
 * once. The stored payload was verified (signature or hash) when it arrived.
 */
export async function reprocessWebhookEvent(db: Database, actor: Actor, eventRowId: string) {
  const [event] = await db.select().from(webhookEvents).where(eq(webhookEvents.id, eventRowId));
  if (!event) throw new NotFound('Webhook event not found');
  if (event.processedAt)
    throw new Conflict('This event was processed already; processing it again would change nothing.');
  let result: { outcome: string | null; note?: string | null; duplicate: boolean };
  if (event.provider === 'stripe') {
    const stripe = stripeClientOrNull();
    if (!stripe) throw new Conflict('Stripe is not enabled on this installation.');
    result = await processStripeEvent(db, stripe, event.payload as never);
  } else if (event.provider === 'paynow') {
    result = await reprocessPaynowEvent(db, event.type, event.payload);
  } else {
    throw new Conflict(`No handler for the provider ${event.provider}.`);
  }
  await recordAudit(db, actor, {
    action: 'webhook_event.reprocessed',
    entityType: 'webhook_event',
    entityId: event.id,
    metadata: {
      provider: event.provider,
      eventId: event.eventId,
      type: event.type,
      outcome: result.outcome,
      duplicate: result.duplicate,
    },
  });
  return result;
}
