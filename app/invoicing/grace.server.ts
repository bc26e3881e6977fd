// Grace periods (SPEC §6 "Billing accounts", seed 002): an unpaid local invoice past its due date makes the
// account OVERDUE (overdue_since); grace_period_days later it is SUSPENDED and its active services are
// suspended, marked suspended_by_billing; a payment that clears everything overdue restores ACTIVE and
// exactly the services the billing run suspended. Stripe invoices never drive this (SPEC §6).
// The sweeps are set-based (billing-run); the restoration runs in the payment's transaction.
import { and, eq, sql } from 'drizzle-orm';
import { recordAudit, systemActor } from '~/audit/audit.server';
import { queueEmail } from '~/email/outbox.server';
import { type Database, rowsOf } from '~db/client.server';
import { billingAccounts, organizations } from '~db/schema';
import { billingContacts, billingPageUrl } from './notify.server';

type AccountEvent = 'overdue' | 'suspended' | 'restored';
const TEMPLATE = {
  overdue: 'account-overdue',
  suspended: 'account-suspended',
  restored: 'account-restored',
} as const;

/** Emails the OWNER and BILLING members of each organization about its account's new state. */
async function notify(tx: Database, organizationIds: string[], event: AccountEvent): Promise<string[]> {
  const ids: string[] = [];
  for (const organizationId of organizationIds) {
    const [account] = await tx
      .select({ grace: billingAccounts.gracePeriodDays })
      .from(billingAccounts)
      .where(eq(billingAccounts.organizationId, organizationId));
    for (const c of await billingContacts(tx, organizationId))
      ids.push(
        await queueEmail(tx, {
          to: c.email,
          template: TEMPLATE[event],
          data: {
            name: c.name,
            organizationName: c.organizationName,
            graceDays: account?.grace ?? 14,
            billingUrl: billingPageUrl(c.slug),
          },
          entityType: 'billing_account',
        }),
      );
  }
  return ids;
}

/** billing-run's sweep: overdue invoices, overdue accounts, suspensions. Counts and emails to send. */
export async function sweepOverdue(
  tx: Database,
  now: Date,
): Promise<{
  counts: {
    invoicesOverdue: number;
    accountsOverdue: number;
    accountsSuspended: number;
    servicesSuspended: number;
  };
  emailIds: string[];
}> {
  const at = now.toISOString();
  const [inv] = rowsOf<{ n: number }>(
    await tx.execute(sql`
      WITH changed AS (
        UPDATE invoices SET status = 'OVERDUE'
         WHERE stripe_invoice_id IS NULL AND finalized_at IS NOT NULL AND status IN ('OPEN', 'PARTIAL')
           AND due_at < ${at}::timestamptz AND total > amount_paid
        RETURNING id
      ) SELECT count(*)::int AS n FROM changed`),
  );
  const overdue = rowsOf<{ organization_id: string }>(
    await tx.execute(sql`
      WITH changed AS (
        UPDATE billing_accounts b
           SET status = 'OVERDUE',
               overdue_since = (SELECT min(i.due_at) FROM invoices i WHERE i.billing_account_id = b.id
                                  AND i.stripe_invoice_id IS NULL AND i.status = 'OVERDUE')
         WHERE b.status = 'ACTIVE'
           AND EXISTS (SELECT 1 FROM invoices i WHERE i.billing_account_id = b.id
                         AND i.stripe_invoice_id IS NULL AND i.status = 'OVERDUE')
        RETURNING b.id, b.organization_id, b.overdue_since
      ), audit AS (
        INSERT INTO audit_logs (actor_type, organization_id, action, entity_type, entity_id, old_values, new_values)
        SELECT 'SYSTEM', organization_id, 'billing_account.overdue', 'billing_account', id,
               jsonb_build_object('status', 'ACTIVE'),
               jsonb_build_object('status', 'OVERDUE', 'overdueSince', overdue_since)
          FROM changed
      ) SELECT organization_id FROM changed`),
  );
  const suspended = rowsOf<{ organization_id: string; services: number }>(
    await tx.execute(sql`
      WITH changed AS (
        UPDATE billing_accounts b SET status = 'SUSPENDED'
         WHERE b.status = 'OVERDUE'
           AND b.overdue_since + make_interval(days => b.grace_period_days) <= ${at}::timestamptz
        RETURNING b.id, b.organization_id, b.overdue_since
      ), stopped AS (
        UPDATE services s SET status = 'SUSPENDED', suspended_by_billing = true, suspended_at = ${at}::timestamptz
          FROM changed c
         WHERE s.organization_id = c.organization_id AND s.status = 'ACTIVE'
        RETURNING s.organization_id
      ), audit AS (
        INSERT INTO audit_logs (actor_type, organization_id, action, entity_type, entity_id, old_values, new_values, metadata)
        SELECT 'SYSTEM', c.organization_id, 'billing_account.suspended', 'billing_account', c.id,
               jsonb_build_object('status', 'OVERDUE'), jsonb_build_object('status', 'SUSPENDED'),
               jsonb_build_object('servicesSuspended', (SELECT count(*) FROM stopped s WHERE s.organization_id = c.organization_id))
          FROM changed c
      )
      SELECT c.organization_id, (SELECT count(*)::int FROM stopped s WHERE s.organization_id = c.organization_id) AS services
        FROM changed c`),
  );
  const emailIds = [
    ...(await notify(
      tx,
      overdue.map((r) => r.organization_id),
      'overdue',
    )),
    ...(await notify(
      tx,
      suspended.map((r) => r.organization_id),
      'suspended',
    )),
  ];
  return {
    counts: {
      invoicesOverdue: inv?.n ?? 0,
      accountsOverdue: overdue.length,
      accountsSuspended: suspended.length,
      servicesSuspended: suspended.reduce((n, r) => n + Number(r.services), 0),
    },
    emailIds,
  };
}

/**
 * In a payment's transaction (the account row is locked): when nothing overdue is left, the account is
 * ACTIVE again and exactly the services the billing run suspended come back.
 */
export async function restoreIfCleared(tx: Database, billingAccountId: string): Promise<string[]> {
  const [account] = await tx
    .select({ status: billingAccounts.status, organizationId: billingAccounts.organizationId })
    .from(billingAccounts)
    .where(eq(billingAccounts.id, billingAccountId));
  if (!account || account.status === 'ACTIVE') return [];
  const [owed] = rowsOf<{ n: number }>(
    await tx.execute(sql`
      SELECT count(*)::int AS n FROM invoices
       WHERE billing_account_id = ${billingAccountId} AND stripe_invoice_id IS NULL AND finalized_at IS NOT NULL
         AND status = 'OVERDUE' AND total > amount_paid`),
  );
  if ((owed?.n ?? 0) > 0) return [];
  await tx
    .update(billingAccounts)
    .set({ status: 'ACTIVE', overdueSince: null })
    .where(and(eq(billingAccounts.id, billingAccountId)));
  const restored = rowsOf<{ id: string }>(
    await tx.execute(sql`
      UPDATE services SET status = 'ACTIVE', suspended_by_billing = false, suspended_at = NULL
       WHERE organization_id = ${account.organizationId} AND suspended_by_billing AND status = 'SUSPENDED'
      RETURNING id`),
  );
  await recordAudit(tx, systemActor, {
    organizationId: account.organizationId,
    action: 'billing_account.restored',
    entityType: 'billing_account',
    entityId: billingAccountId,
    oldValues: { status: account.status },
    newValues: { status: 'ACTIVE' },
    metadata: { servicesRestored: restored.map((r) => r.id) },
  });
  return notify(tx, [account.organizationId], 'restored');
}

/** The organization's billing account status (the layout's banner and the suspension gate). */
export async function accountStatusOf(db: Database, organizationId: string) {
  const [row] = await db
    .select({
      status: billingAccounts.status,
      overdueSince: billingAccounts.overdueSince,
      name: organizations.name,
    })
    .from(billingAccounts)
    .innerJoin(organizations, eq(organizations.id, billingAccounts.organizationId))
    .where(eq(billingAccounts.organizationId, organizationId));
  return row ?? null;
}
