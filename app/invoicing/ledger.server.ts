// The money ledger of a billing account (SPEC §6 "Billing accounts", seed 002): payments, credits and
// invoices, and the two numbers derived from them, always in the transaction that changes them.
//
//   balance   = Σ credits + Σ PAID payments (method ≠ CREDIT, on a local invoice or none)
//               − Σ totals of finalized, non-VOID local invoices                  (SPEC §6, verbatim)
//   available = Σ credits + Σ PAID payments (method ≠ CREDIT, local) − Σ amount_paid of local invoices
//               = money received or granted that no invoice has used yet: what a CREDIT payment may apply.
//
// An invoice's amount_paid is its PAID payments (CREDIT included), capped at its total: an overpayment
// stays in `available`, which is how it becomes credit. Stripe invoices (stripe_invoice_id set) and their
// STRIPE_CARD payments are mirrored for display only and never move these numbers (SPEC §6).
import { and, eq, sql } from 'drizzle-orm';
import { type Actor, recordAudit } from '~/audit/audit.server';
import { Conflict, NotFound, ValidationFailed } from '~/lib/errors';
import { type Database, rowsOf } from '~db/client.server';
import { billingAccounts, invoices, payments } from '~db/schema';
import { restoreIfCleared } from './grace.server';
import { queuePaymentEmails } from './notify.server';

export type PaymentMethod = (typeof payments.$inferSelect)['method'];
type InvoiceRow = typeof invoices.$inferSelect;
type PaymentRow = typeof payments.$inferSelect;

/** Locks the billing account row: every money movement of one account runs one after the other. */
export async function lockBillingAccount(tx: Database, billingAccountId: string) {
  const [account] = await tx
    .select()
    .from(billingAccounts)
    .where(eq(billingAccounts.id, billingAccountId))
    .for('update');
  if (!account) throw new NotFound('Billing account not found.');
  return account;
}

/** The two derived numbers, read from the movements (the test compares them with the stored balance). */
export async function accountTotals(
  tx: Database,
  billingAccountId: string,
): Promise<{ balance: number; available: number }> {
  const [row] = rowsOf<{ credits: string; received: string; invoiced: string; applied: string }>(
    await tx.execute(sql`
      SELECT
        (SELECT coalesce(sum(amount), 0) FROM credits WHERE billing_account_id = ${billingAccountId}) AS credits,
        (SELECT coalesce(sum(p.amount), 0) FROM payments p LEFT JOIN invoices i ON i.id = p.invoice_id
          WHERE p.billing_account_id = ${billingAccountId} AND p.status = 'PAID' AND p.method <> 'CREDIT'
            AND (p.invoice_id IS NULL OR i.stripe_invoice_id IS NULL)) AS received,
        (SELECT coalesce(sum(total), 0) FROM invoices
          WHERE billing_account_id = ${billingAccountId} AND finalized_at IS NOT NULL AND status <> 'VOID'
            AND stripe_invoice_id IS NULL) AS invoiced,
        (SELECT coalesce(sum(amount_paid), 0) FROM invoices
          WHERE billing_account_id = ${billingAccountId} AND stripe_invoice_id IS NULL AND status <> 'VOID') AS applied`),
  );
  const n = (v: string | undefined) => Number(v ?? 0);
  return {
    balance: n(row?.credits) + n(row?.received) - n(row?.invoiced),
    available: n(row?.credits) + n(row?.received) - n(row?.applied),
  };
}

/** Stores the SPEC §6 balance; called in every transaction that moves money. */
export async function refreshBalance(tx: Database, billingAccountId: string): Promise<number> {
  const { balance } = await accountTotals(tx, billingAccountId);
  await tx
    .update(billingAccounts)
    .set({ balance })
    .where(
      and(
        eq(billingAccounts.id, billingAccountId),
        sql`${billingAccounts.balance} IS DISTINCT FROM ${balance}`,
      ),
    );
  return balance;
}

/** The status an open invoice has for what is paid on it and the date: PAID, PARTIAL, OVERDUE or OPEN. */
export function settledStatus(
  invoice: Pick<InvoiceRow, 'total' | 'dueAt' | 'status'>,
  amountPaid: number,
  now = new Date(),
): InvoiceRow['status'] {
  if (amountPaid >= invoice.total) return 'PAID';
  // Overdue stays overdue until paid in full (the billing run's sweep decided it, on its clock).
  if (invoice.status === 'OVERDUE') return 'OVERDUE';
  if (invoice.dueAt && invoice.dueAt.getTime() < now.getTime()) return 'OVERDUE';
  return amountPaid > 0 ? 'PARTIAL' : 'OPEN';
}

/**
 * Recomputes an invoice's amount_paid from its PAID payments (capped at the total) and its status. Only
 * the columns a finalized invoice may change are written (the immutability trigger allows exactly them).
 */
export async function refreshInvoice(tx: Database, invoiceId: string): Promise<InvoiceRow> {
  const [invoice] = await tx.select().from(invoices).where(eq(invoices.id, invoiceId)).for('update');
  if (!invoice) throw new NotFound('Invoice not found.');
  if (invoice.status === 'VOID' || invoice.status === 'DRAFT' || invoice.stripeInvoiceId) return invoice;
  const [paid] = rowsOf<{ sum: string }>(
    await tx.execute(
      sql`SELECT coalesce(sum(amount), 0) AS sum FROM payments WHERE invoice_id = ${invoiceId} AND status = 'PAID'`,
    ),
  );
  const amountPaid = Math.min(invoice.total, Number(paid?.sum ?? 0));
  const status =
    invoice.status === 'UNCOLLECTIBLE' && amountPaid < invoice.total
      ? 'UNCOLLECTIBLE'
      : settledStatus(invoice, amountPaid);
  if (amountPaid === invoice.amountPaid && status === invoice.status) return invoice;
  const [updated] = await tx
    .update(invoices)
    .set({
      amountPaid,
      status,
      paidAt: status === 'PAID' ? (invoice.paidAt ?? sql`now()`) : null,
    })
    .where(eq(invoices.id, invoiceId))
    .returning();
  return updated as InvoiceRow;
}

export interface PaymentInput {
  billingAccountId: string;
  invoiceId: string | null;
  amount: number;
  method: PaymentMethod;
  status: 'PENDING' | 'PAID';
  externalId?: string | null;
  externalStatus?: string | null;
  recordedBy?: string | null;
  currency?: string;
}

const amountSchemaMessage = 'The amount must be a whole number of cents greater than zero.';

export function assertAmount(amount: number): void {
  if (!Number.isSafeInteger(amount) || amount <= 0)
    throw new ValidationFailed(amountSchemaMessage, { amount: [amountSchemaMessage] });
}

/** What PAID and PENDING payments already cover on an invoice (no payment may go beyond the rest). */
export async function coveredAmount(tx: Database, invoiceId: string): Promise<number> {
  const [row] = rowsOf<{ sum: string }>(
    await tx.execute(
      sql`SELECT coalesce(sum(amount), 0) AS sum FROM payments WHERE invoice_id = ${invoiceId} AND status IN ('PAID', 'PENDING')`,
    ),
  );
  return Number(row?.sum ?? 0);
}

/** A payable invoice: finalized, local, not void, not paid. The caller holds the account lock. */
export async function payableInvoice(tx: Database, invoiceId: string): Promise<InvoiceRow> {
  const [invoice] = await tx.select().from(invoices).where(eq(invoices.id, invoiceId)).for('update');
  if (!invoice) throw new NotFound('Invoice not found.');
  if (!invoice.finalizedAt) throw new Conflict('This invoice is not issued yet.');
  if (invoice.stripeInvoiceId) throw new Conflict('This invoice is paid through Stripe.');
  if (invoice.status === 'VOID')
    throw new Conflict(`Invoice ${invoice.invoiceNumber} was voided: nothing to pay.`);
  if (invoice.status === 'PAID') throw new Conflict(`Invoice ${invoice.invoiceNumber} is already paid.`);
  return invoice;
}

/**
 * Inserts a payment and, when it is PAID, moves the invoice and the balance (the caller locked the account).
 * `allowOverpayment`: cash and bank transfers may exceed what is owed (the surplus becomes credit);
 * provider payments and CREDIT may not.
 */
export async function insertPayment(
  tx: Database,
  actor: Actor,
  input: PaymentInput,
  options: {
    allowOverpayment?: boolean /** collects the ids of emails to deliver after commit */;
    emails?: string[];
  } = {},
): Promise<PaymentRow> {
  assertAmount(input.amount);
  let invoice: InvoiceRow | null = null;
  if (input.invoiceId) {
    invoice = await payableInvoice(tx, input.invoiceId);
    if (invoice.billingAccountId !== input.billingAccountId) throw new NotFound('Invoice not found.');
    const open = invoice.total - (await coveredAmount(tx, invoice.id));
    if (open <= 0)
      throw new Conflict(
        `Invoice ${invoice.invoiceNumber} is covered by payments already (some may be pending).`,
      );
    if (!options.allowOverpayment && input.amount > open)
      throw new ValidationFailed(`At most ${open} cents are owed on invoice ${invoice.invoiceNumber}.`, {
        amount: [`At most ${(open / 100).toFixed(2)} can be paid on this invoice.`],
      });
  }
  if (input.method === 'CREDIT') {
    const { available } = await accountTotals(tx, input.billingAccountId);
    if (input.amount > available)
      throw new ValidationFailed(`Only ${available} cents of credit are available.`, {
        amount: [`Only ${(available / 100).toFixed(2)} of credit is available.`],
      });
  }
  const [payment] = await tx
    .insert(payments)
    .values({
      billingAccountId: input.billingAccountId,
      invoiceId: input.invoiceId,
      amount: input.amount,
      currency: input.currency ?? invoice?.currency ?? 'USD',
      method: input.method,
      status: input.status,
      externalId: input.externalId ?? null,
      externalStatus: input.externalStatus ?? null,
      recordedBy: input.recordedBy ?? null,
      completedAt: input.status === 'PAID' ? sql`now()` : null,
    })
    .returning();
  if (!payment) throw new Error('payment insert returned nothing');
  if (payment.status === 'PAID') {
    const emailIds = await afterPaid(tx, payment);
    options.emails?.push(...emailIds);
  }
  await recordAudit(tx, actor, {
    organizationId: await organizationOf(tx, input.billingAccountId),
    action: payment.status === 'PAID' ? 'payment.received' : 'payment.initiated',
    entityType: 'payment',
    entityId: payment.id,
    newValues: {
      amount: payment.amount,
      currency: payment.currency,
      method: payment.method,
      status: payment.status,
      invoiceNumber: invoice?.invoiceNumber ?? null,
    },
  });
  return payment;
}

async function organizationOf(tx: Database, billingAccountId: string): Promise<string | null> {
  const [row] = await tx
    .select({ organizationId: billingAccounts.organizationId })
    .from(billingAccounts)
    .where(eq(billingAccounts.id, billingAccountId));
  return row?.organizationId ?? null;
}

/** A payment became PAID: its invoice and the account's balance follow; a cleared account is restored. */
async function afterPaid(tx: Database, payment: PaymentRow): Promise<string[]> {
  if (payment.invoiceId) await refreshInvoice(tx, payment.invoiceId);
  await refreshBalance(tx, payment.billingAccountId);
  const receipts = await queuePaymentEmails(tx, payment, 'received');
  return [...receipts, ...(await restoreIfCleared(tx, payment.billingAccountId))];
}

export interface SettleOutcome {
  status: 'PAID' | 'FAILED' | 'CANCELED';
  externalStatus?: string | null;
  errorMessage?: string | null;
}

/**
 * A provider's verdict on a PENDING payment (Paynow callback or poll, Stripe Checkout). Idempotent: a
 * payment that is no longer PENDING is left as it is and `changed` is false. Locks the account first.
 */
export async function settlePayment(
  tx: Database,
  actor: Actor,
  paymentId: string,
  outcome: SettleOutcome,
): Promise<{ changed: boolean; payment: PaymentRow; emailIds: string[] }> {
  const [found] = await tx.select().from(payments).where(eq(payments.id, paymentId));
  if (!found) throw new NotFound('Payment not found.');
  await lockBillingAccount(tx, found.billingAccountId);
  const [current] = await tx.select().from(payments).where(eq(payments.id, paymentId)).for('update');
  if (current?.status !== 'PENDING')
    return { changed: false, payment: (current ?? found) as PaymentRow, emailIds: [] };
  const [payment] = await tx
    .update(payments)
    .set({
      status: outcome.status,
      externalStatus: outcome.externalStatus ?? current.externalStatus,
      errorMessage: outcome.errorMessage ?? null,
      completedAt: outcome.status === 'PAID' ? sql`now()` : null,
      failedAt: outcome.status === 'PAID' ? null : sql`now()`,
    })
    .where(eq(payments.id, paymentId))
    .returning();
  if (!payment) throw new Error('payment update returned nothing');
  const emailIds =
    payment.status === 'PAID'
      ? await afterPaid(tx, payment)
      : payment.status === 'FAILED'
        ? await queuePaymentEmails(tx, payment, 'failed')
        : [];
  await recordAudit(tx, actor, {
    organizationId: await organizationOf(tx, payment.billingAccountId),
    action: payment.status === 'PAID' ? 'payment.received' : 'payment.failed',
    entityType: 'payment',
    entityId: payment.id,
    oldValues: { status: 'PENDING' },
    newValues: {
      amount: payment.amount,
      currency: payment.currency,
      method: payment.method,
      status: payment.status,
      externalStatus: payment.externalStatus,
    },
  });
  return { changed: true, payment, emailIds };
}
