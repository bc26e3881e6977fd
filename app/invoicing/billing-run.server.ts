// POST /cron/billing-run (SPEC §8, seed 002), idempotent: a second run right after answers zeros.
//  1. renew local paid subscriptions whose period ended (advance the period by the plan's interval);
//  2. draft one invoice per billing account and period (set-based, ON CONFLICT on the partial unique
//     index (billing_account_id, period_start)): one for each subscription period of a local paid plan,
//     one per UTC calendar month for the account's active services (a services month that starts at the
//     same instant as a subscription period shares its invoice);
//  3. finalize every draft, one transaction each (number, PDF, payment link, email, credit applied);
//  4. poll Paynow for pending payments whose callback never came;
//  5. mark overdue invoices and accounts, suspend after the grace period (grace.server.ts).
// Only ids of the drafts are loaded into Node (each needs its PDF rendered); everything else is SQL.
import { sql } from 'drizzle-orm';
import { systemActor } from '~/audit/audit.server';
import type { CronJob } from '~/cron/types';
import { deliverSoon } from '~/email/outbox.server';
import { type Database, rowsOf } from '~db/client.server';
import { sweepOverdue } from './grace.server';
import { finalizeInvoice } from './invoices.server';
import { lockBillingAccount } from './ledger.server';
import { pollPendingPaynowPayments } from './paynow.server';

const PLAN_INTERVAL = sql`CASE p.billing_interval WHEN 'YEARLY' THEN interval '1 year' ELSE interval '1 month' END`;
const LOCAL_PAID = sql`s.stripe_subscription_id IS NULL AND p.price > 0 AND p.billing_interval IN ('MONTHLY', 'YEARLY')`;

/** The UTC calendar month that contains `now`. */
export function billingMonth(now: Date): { start: string; end: string } {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return { start: start.toISOString(), end: end.toISOString() };
}

async function renewSubscriptions(db: Database, at: string): Promise<number> {
  let renewed = 0;
  // A subscription several periods behind (the run did not run for a while) advances one period per pass.
  for (let pass = 0; pass < 120; pass++) {
    const [row] = rowsOf<{ n: number }>(
      await db.execute(sql`
        WITH renewed AS (
          UPDATE subscriptions s
             SET current_period_start = s.current_period_end,
                 current_period_end = s.current_period_end + ${PLAN_INTERVAL}
            FROM plans p
           WHERE p.id = s.plan_id AND ${LOCAL_PAID} AND s.status = 'ACTIVE' AND NOT s.cancel_at_period_end
             AND s.current_period_end <= ${at}::timestamptz
          RETURNING s.id, s.organization_id, s.current_period_start, s.current_period_end, p.key
        ), audit AS (
          INSERT INTO audit_logs (actor_type, organization_id, action, entity_type, entity_id, new_values)
          SELECT 'SYSTEM', organization_id, 'subscription.renewed', 'subscription', id,
                 jsonb_build_object('plan', key, 'currentPeriodStart', current_period_start,
                                    'currentPeriodEnd', current_period_end)
            FROM renewed
        ) SELECT count(*)::int AS n FROM renewed`),
    );
    const n = row?.n ?? 0;
    renewed += n;
    if (n === 0) break;
  }
  return renewed;
}

async function draftInvoices(
  db: Database,
  at: string,
  month: { start: string; end: string },
): Promise<number> {
  const [subs] = rowsOf<{ n: number }>(
    await db.execute(sql`
      WITH due AS (
        SELECT b.id AS billing_account_id, s.id AS subscription_id, s.current_period_start AS ps,
               s.current_period_end AS pe, p.name, p.price, p.currency
          FROM subscriptions s
          JOIN plans p ON p.id = s.plan_id
          JOIN billing_accounts b ON b.organization_id = s.organization_id
         WHERE ${LOCAL_PAID} AND s.status = 'ACTIVE' AND s.current_period_end IS NOT NULL
           AND s.current_period_start <= ${at}::timestamptz
      ), created AS (
        INSERT INTO invoices (billing_account_id, subscription_id, period_start, period_end, currency, status)
        SELECT billing_account_id, subscription_id, ps, pe, currency, 'DRAFT' FROM due
        ON CONFLICT (billing_account_id, period_start) WHERE stripe_invoice_id IS NULL AND status <> 'VOID'
        DO NOTHING
        RETURNING id, billing_account_id, period_start
      ), lines AS (
        INSERT INTO invoice_line_items (invoice_id, description, quantity, unit_price, amount)
        SELECT c.id, d.name || ' plan, ' || to_char(d.ps AT TIME ZONE 'UTC', 'YYYY-MM-DD') || ' to '
                     || to_char(d.pe AT TIME ZONE 'UTC', 'YYYY-MM-DD'), 1, d.price, d.price
          FROM created c JOIN due d ON d.billing_account_id = c.billing_account_id AND d.ps = c.period_start
        RETURNING 1
      ) SELECT count(*)::int AS n FROM created`),
  );
  // Services: the month's invoice (or the draft it shares with a subscription period starting then).
  const [svc] = rowsOf<{ n: number }>(
    await db.execute(sql`
      WITH accounts AS (
        SELECT DISTINCT b.id AS billing_account_id
          FROM services sv JOIN billing_accounts b ON b.organization_id = sv.organization_id
         WHERE sv.status = 'ACTIVE' AND sv.activated_at < ${month.end}::timestamptz
      ), created AS (
        INSERT INTO invoices (billing_account_id, period_start, period_end, currency, status)
        SELECT billing_account_id, ${month.start}::timestamptz, ${month.end}::timestamptz, 'USD', 'DRAFT'
          FROM accounts
        ON CONFLICT (billing_account_id, period_start) WHERE stripe_invoice_id IS NULL AND status <> 'VOID'
        DO NOTHING
        RETURNING id
      ) SELECT count(*)::int AS n FROM created`),
  );
  await db.execute(sql`
    INSERT INTO invoice_line_items (invoice_id, service_id, description, quantity, unit_price, amount)
    SELECT i.id, sv.id, sv.name || coalesce(' (' || sv.hardware_serial || ')', '') || ', '
             || to_char(${month.start}::timestamptz AT TIME ZONE 'UTC', 'FMMonth YYYY'),
           1, sv.monthly_fee, sv.monthly_fee
      FROM invoices i
      JOIN billing_accounts b ON b.id = i.billing_account_id
      JOIN services sv ON sv.organization_id = b.organization_id
     WHERE i.status = 'DRAFT' AND i.finalized_at IS NULL AND i.stripe_invoice_id IS NULL
       AND i.period_start = ${month.start}::timestamptz
       AND sv.status = 'ACTIVE' AND sv.activated_at < ${month.end}::timestamptz
       AND NOT EXISTS (SELECT 1 FROM invoice_line_items l WHERE l.invoice_id = i.id AND l.service_id = sv.id)`);
  return (subs?.n ?? 0) + (svc?.n ?? 0);
}

export const billingRun: CronJob = {
  name: 'billing-run',
  leaseSeconds: 900,
  async run(db, { now }) {
    const at = now.toISOString();
    const renewed = await renewSubscriptions(db, at);
    const drafted = await draftInvoices(db, at, billingMonth(now));
    // Every draft, this run's or one a crashed run left: each finalized in its own transaction.
    const drafts = rowsOf<{ id: string; billing_account_id: string }>(
      await db.execute(sql`
        SELECT id, billing_account_id FROM invoices
         WHERE finalized_at IS NULL AND status = 'DRAFT' AND stripe_invoice_id IS NULL
         ORDER BY created_at, id`),
    );
    let finalized = 0;
    let creditApplied = 0;
    for (const draft of drafts) {
      const result = await db.transaction(async (tx) => {
        await lockBillingAccount(tx, draft.billing_account_id);
        return finalizeInvoice(tx, systemActor, draft.id, now);
      });
      finalized++;
      if (result.invoice.amountPaid > 0) creditApplied++;
      deliverSoon(db, result.emailIds);
    }
    // Paynow payments whose callback never came: asked for their status first, so they count below.
    const paynow = await pollPendingPaynowPayments(db);
    const sweep = await db.transaction((tx) => sweepOverdue(tx, now));
    deliverSoon(db, sweep.emailIds);
    return {
      renewed,
      drafted,
      finalized,
      creditApplied,
      paynowPolled: paynow.polled,
      paynowSettled: paynow.settled,
      ...sweep.counts,
    };
  },
};
