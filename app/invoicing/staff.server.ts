// What platform staff do to an organization's billing (SPEC §2: ADMIN only — SUPPORT never touches
// money): services (seed 002's POS terminals and maintenance), manual payments (bank transfer, cash),
// credits with a reason, and voiding an unpaid invoice. Corrections of a finalized invoice are credits or a
// void, never an edit (seed 002, "Adjustments create credit records"). Each write locks the billing
// account, moves the balance and audits in one transaction.
import { and, desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { type Actor, recordAudit } from '~/audit/audit.server';
import { deliverSoon } from '~/email/outbox.server';
import { Conflict, Forbidden, NotFound } from '~/lib/errors';
import type { Database } from '~db/client.server';
import { billingAccounts, credits, invoices, organizations, payments, services, users } from '~db/schema';
import { accountTotals, insertPayment, lockBillingAccount, refreshBalance } from './ledger.server';

/** Platform ADMIN: an active, not deleted user whose users.role is ADMIN. */
export async function assertPlatformAdmin(db: Database, actor: Actor): Promise<string> {
  if (!actor.userId) throw new Forbidden('Only platform administrators can do this.');
  const [row] = await db
    .select({ role: users.role, status: users.status, deletedAt: users.deletedAt })
    .from(users)
    .where(eq(users.id, actor.userId));
  if (row?.role !== 'ADMIN' || row.status !== 'ACTIVE' || row.deletedAt)
    throw new Forbidden('Only platform administrators can do this (support staff cannot move money).');
  return actor.userId;
}

async function accountOf(tx: Database, organizationId: string) {
  const [account] = await tx
    .select({ id: billingAccounts.id })
    .from(billingAccounts)
    .where(eq(billingAccounts.organizationId, organizationId));
  if (!account) throw new NotFound('This organization has no billing account.');
  return lockBillingAccount(tx, account.id);
}

const cents = z.coerce
  .number({ invalid_type_error: 'Enter an amount in cents' })
  .int('Amounts are whole cents')
  .positive('The amount must be greater than zero')
  .max(100_000_000, 'That amount is too large');

export const serviceInput = z.object({
  organizationId: z.string().min(1),
  type: z.enum(['POS_TERMINAL', 'POS_MAINTENANCE', 'FUTURE_PRODUCT']),
  name: z.string().trim().min(1, 'Name the service').max(120),
  hardwareSerial: z
    .string()
    .trim()
    .max(120)
    .optional()
    .transform((v) => v || null),
  monthlyFee: z.coerce.number().int('Whole cents').min(0, 'The fee cannot be negative').max(100_000_000),
});

export async function addService(db: Database, actor: Actor, input: z.input<typeof serviceInput>) {
  const v = serviceInput.parse(input);
  await assertPlatformAdmin(db, actor);
  return db.transaction(async (tx) => {
    await accountOf(tx, v.organizationId);
    const [service] = await tx.insert(services).values(v).returning();
    await recordAudit(tx, actor, {
      organizationId: v.organizationId,
      action: 'service.created',
      entityType: 'service',
      entityId: service!.id,
      newValues: { name: v.name, type: v.type, monthlyFee: v.monthlyFee, hardwareSerial: v.hardwareSerial },
    });
    return service!;
  });
}

type ServiceChange = 'suspend' | 'resume' | 'cancel';
const NEXT: Record<
  ServiceChange,
  { from: string[]; to: 'ACTIVE' | 'SUSPENDED' | 'CANCELED'; action: string }
> = {
  suspend: { from: ['ACTIVE'], to: 'SUSPENDED', action: 'service.suspended' },
  resume: { from: ['SUSPENDED'], to: 'ACTIVE', action: 'service.resumed' },
  // Canceling stops billing from the next period: the billing run bills ACTIVE services only.
  cancel: { from: ['ACTIVE', 'SUSPENDED'], to: 'CANCELED', action: 'service.canceled' },
};

export async function changeService(
  db: Database,
  actor: Actor,
  input: { organizationId: string; serviceId: string; change: ServiceChange },
) {
  await assertPlatformAdmin(db, actor);
  const rule = NEXT[input.change];
  return db.transaction(async (tx) => {
    await accountOf(tx, input.organizationId);
    const [service] = await tx
      .select()
      .from(services)
      .where(and(eq(services.id, input.serviceId), eq(services.organizationId, input.organizationId)))
      .for('update');
    if (!service) throw new NotFound('Service not found.');
    if (!rule.from.includes(service.status))
      throw new Conflict(
        `The service is ${service.status.toLowerCase()}: it cannot be ${rule.to.toLowerCase()} from there.`,
      );
    const [updated] = await tx
      .update(services)
      .set({
        status: rule.to,
        // A staff decision replaces the billing run's: a later payment does not resume it.
        suspendedByBilling: false,
        suspendedAt: rule.to === 'SUSPENDED' ? sql`now()` : rule.to === 'ACTIVE' ? null : service.suspendedAt,
        canceledAt: rule.to === 'CANCELED' ? sql`now()` : service.canceledAt,
      })
      .where(eq(services.id, service.id))
      .returning();
    await recordAudit(tx, actor, {
      organizationId: input.organizationId,
      action: rule.action,
      entityType: 'service',
      entityId: service.id,
      oldValues: { name: service.name, status: service.status },
      newValues: { name: service.name, status: rule.to },
    });
    return updated!;
  });
}

export const manualPaymentInput = z.object({
  organizationId: z.string().min(1),
  invoiceNumber: z
    .string()
    .trim()
    .max(40)
    .optional()
    .transform((v) => v || null),
  amount: cents,
  method: z.enum(['BANK_TRANSFER', 'CASH']),
});

/** A bank transfer or cash received by staff; may exceed what is owed (the surplus is credit). */
export async function recordManualPayment(
  db: Database,
  actor: Actor,
  input: z.input<typeof manualPaymentInput>,
) {
  const v = manualPaymentInput.parse(input);
  const staffId = await assertPlatformAdmin(db, actor);
  const emails: string[] = [];
  const payment = await db.transaction(async (tx) => {
    const account = await accountOf(tx, v.organizationId);
    let invoiceId: string | null = null;
    if (v.invoiceNumber) {
      const [invoice] = await tx
        .select({ id: invoices.id })
        .from(invoices)
        .where(and(eq(invoices.invoiceNumber, v.invoiceNumber), eq(invoices.billingAccountId, account.id)));
      if (!invoice) throw new NotFound(`There is no invoice ${v.invoiceNumber} for this organization.`);
      invoiceId = invoice.id;
    }
    return insertPayment(
      tx,
      actor,
      {
        billingAccountId: account.id,
        invoiceId,
        amount: v.amount,
        method: v.method,
        status: 'PAID',
        recordedBy: staffId,
      },
      { allowOverpayment: true, emails },
    );
  });
  deliverSoon(db, emails);
  return payment;
}

export const creditInput = z.object({
  organizationId: z.string().min(1),
  amount: cents,
  reason: z.string().trim().min(3, 'Say why (at least 3 characters)').max(500),
});

/** A credit (a correction, a goodwill gesture): it raises the balance and pays the next invoices. */
export async function issueCredit(db: Database, actor: Actor, input: z.input<typeof creditInput>) {
  const v = creditInput.parse(input);
  const staffId = await assertPlatformAdmin(db, actor);
  return db.transaction(async (tx) => {
    const account = await accountOf(tx, v.organizationId);
    const [credit] = await tx
      .insert(credits)
      .values({ billingAccountId: account.id, amount: v.amount, reason: v.reason, issuedById: staffId })
      .returning();
    await refreshBalance(tx, account.id);
    await recordAudit(tx, actor, {
      organizationId: v.organizationId,
      action: 'credit.issued',
      entityType: 'credit',
      entityId: credit!.id,
      newValues: { amount: v.amount, reason: v.reason },
    });
    return credit!;
  });
}

/** Voids an unpaid local invoice (a mistake): it stops counting toward the balance and the grace rules. */
export async function voidInvoice(
  db: Database,
  actor: Actor,
  input: { organizationId: string; invoiceNumber: string; reason: string },
) {
  await assertPlatformAdmin(db, actor);
  return db.transaction(async (tx) => {
    const account = await accountOf(tx, input.organizationId);
    const [invoice] = await tx
      .select()
      .from(invoices)
      .where(and(eq(invoices.invoiceNumber, input.invoiceNumber), eq(invoices.billingAccountId, account.id)))
      .for('update');
    if (!invoice) throw new NotFound(`There is no invoice ${input.invoiceNumber} for this organization.`);
    if (invoice.stripeInvoiceId) throw new Conflict('Stripe invoices are voided in Stripe.');
    if (invoice.status === 'VOID') throw new Conflict('The invoice is void already.');
    if (invoice.amountPaid > 0)
      throw new Conflict('Cannot void an invoice with payments on it: issue a credit instead.');
    await tx.update(invoices).set({ status: 'VOID' }).where(eq(invoices.id, invoice.id));
    await refreshBalance(tx, account.id);
    await recordAudit(tx, actor, {
      organizationId: input.organizationId,
      action: 'invoice.voided',
      entityType: 'invoice',
      entityId: invoice.id,
      oldValues: { number: invoice.invoiceNumber, status: invoice.status },
      newValues: { status: 'VOID' },
      metadata: { reason: input.reason },
    });
  });
}

/** The organization's services, for its billing page (every member who may see billing). */
export async function listServices(db: Database, organizationId: string) {
  return db
    .select({
      id: services.id,
      type: services.type,
      name: services.name,
      hardwareSerial: services.hardwareSerial,
      monthlyFee: services.monthlyFee,
      status: services.status,
      suspendedByBilling: services.suspendedByBilling,
      activatedAt: services.activatedAt,
    })
    .from(services)
    .where(eq(services.organizationId, organizationId))
    .orderBy(services.activatedAt, services.id);
}

/** "35", "35.5" or "35.00" (dollars, as staff type them) → cents; anything else is refused with a message. */
export const dollars = z
  .string({ required_error: 'Enter an amount' })
  .trim()
  .regex(/^\d{1,9}(\.\d{1,2})?$/, 'Enter an amount like 35 or 35.00 (no sign, at most two decimals)')
  .transform((v) => Math.round(Number(v) * 100));

/** Everything staff see about one organization's billing (ADMIN and SUPPORT). */
export async function organizationBillingForStaff(db: Database, slug: string) {
  const [row] = await db
    .select({
      account: billingAccounts,
      organization: { id: organizations.id, name: organizations.name, slug: organizations.slug },
    })
    .from(billingAccounts)
    .innerJoin(organizations, eq(organizations.id, billingAccounts.organizationId))
    .where(eq(organizations.slug, slug));
  if (!row) throw new NotFound(`There is no organization ${slug.slice(0, 60)}.`);
  const { available } = await accountTotals(db, row.account.id);
  const invoiceRows = await db
    .select()
    .from(invoices)
    .where(and(eq(invoices.billingAccountId, row.account.id), sql`${invoices.finalizedAt} IS NOT NULL`))
    .orderBy(desc(invoices.issuedAt))
    .limit(50);
  const paymentRows = await db
    .select()
    .from(payments)
    .where(eq(payments.billingAccountId, row.account.id))
    .orderBy(desc(payments.initiatedAt))
    .limit(50);
  const creditRows = await db
    .select()
    .from(credits)
    .where(eq(credits.billingAccountId, row.account.id))
    .orderBy(desc(credits.createdAt))
    .limit(50);
  return {
    organization: row.organization,
    account: { ...row.account, available },
    services: await listServices(db, row.organization.id),
    invoices: invoiceRows,
    payments: paymentRows,
    credits: creditRows,
  };
}
