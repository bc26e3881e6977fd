// Stripe invoices mirrored into `invoices` (issue 11 §9–10, SPEC §6): Stripe's number, stripe_invoice_id and
// hosted PDF, shown in the same list as local invoices and never moving the balance or the account status
// (the ledger's formulas exclude rows with a stripe_invoice_id). Called by the Stripe webhook handler in
// its ledger transaction, so a redelivered event changes nothing twice.
import { eq, sql } from 'drizzle-orm';
import type Stripe from 'stripe';
import type { Database } from '~db/client.server';
import { billingAccounts, invoiceLineItems, invoices, payments } from '~db/schema';
import { refreshBalance, refreshInvoice } from './ledger.server';

const STATUS: Record<string, (typeof invoices.$inferSelect)['status']> = {
  draft: 'DRAFT',
  open: 'OPEN',
  paid: 'PAID',
  void: 'VOID',
  uncollectible: 'UNCOLLECTIBLE',
};

const at = (seconds: number | null | undefined) => (seconds ? new Date(seconds * 1000) : null);

/** Upserts the mirror of a Stripe invoice; returns its id (null when the organization has no account). */
export async function mirrorStripeInvoice(
  tx: Database,
  organizationId: string,
  subscriptionRowId: string | null,
  invoice: Stripe.Invoice,
): Promise<string | null> {
  const [account] = await tx
    .select({ id: billingAccounts.id })
    .from(billingAccounts)
    .where(eq(billingAccounts.organizationId, organizationId));
  if (!account || !invoice.id) return null;
  const status = STATUS[invoice.status ?? 'open'] ?? 'OPEN';
  const total = Math.max(0, invoice.total ?? 0);
  const amountPaid = Math.min(total, Math.max(0, invoice.amount_paid ?? 0));
  const transitions = invoice.status_transitions ?? ({} as Stripe.Invoice.StatusTransitions);
  const firstLine = invoice.lines?.data?.[0];
  const periodStart = at(firstLine?.period?.start) ?? at(invoice.period_start) ?? new Date();
  const periodEnd = at(firstLine?.period?.end) ?? at(invoice.period_end) ?? periodStart;
  const [existing] = await tx
    .select()
    .from(invoices)
    .where(eq(invoices.stripeInvoiceId, invoice.id))
    .for('update');
  const finalizedAt = at(transitions.finalized_at) ?? (status === 'DRAFT' ? null : new Date());
  if (existing?.finalizedAt) {
    // Finalized: only payment progress and the document link may change (the trigger allows exactly these).
    await tx
      .update(invoices)
      .set({
        status,
        amountPaid,
        paidAt: at(transitions.paid_at),
        pdfUrl: invoice.invoice_pdf ?? existing.pdfUrl,
      })
      .where(eq(invoices.id, existing.id));
    return existing.id;
  }
  const values = {
    billingAccountId: account.id,
    subscriptionId: subscriptionRowId,
    invoiceNumber: invoice.number ?? null,
    periodStart,
    periodEnd,
    subtotal: total,
    tax: 0,
    total,
    amountPaid,
    currency: (invoice.currency ?? 'usd').toUpperCase(),
    status,
    issuedAt: finalizedAt,
    dueAt: at(invoice.due_date),
    paidAt: at(transitions.paid_at),
    stripeInvoiceId: invoice.id,
    pdfUrl: invoice.invoice_pdf ?? invoice.hosted_invoice_url ?? null,
  };
  const id = existing
    ? (
        await tx
          .update(invoices)
          .set(values)
          .where(eq(invoices.id, existing.id))
          .returning({ id: invoices.id })
      )[0]!.id
    : (await tx.insert(invoices).values(values).returning({ id: invoices.id }))[0]!.id;
  if (!existing) {
    // Lines before finalized_at is set: a finalized invoice's lines are frozen by trigger.
    for (const line of invoice.lines?.data ?? []) {
      const amount = line.amount ?? 0;
      if (amount < 0) continue; // proration credits are in Stripe's total, not listed here
      await tx.insert(invoiceLineItems).values({
        invoiceId: id,
        description: (line.description ?? 'Subscription').slice(0, 500),
        quantity: 1,
        unitPrice: amount,
        amount,
      });
    }
  }
  if (finalizedAt) await tx.update(invoices).set({ finalizedAt }).where(eq(invoices.id, id));
  return id;
}

/** invoice.paid: the card payment Stripe collected, on the mirrored invoice (display only). */
export async function recordStripeInvoicePayment(tx: Database, mirrorId: string, invoice: Stripe.Invoice) {
  const [row] = await tx.select().from(invoices).where(eq(invoices.id, mirrorId));
  if (!row || (invoice.amount_paid ?? 0) <= 0) return;
  const [already] = await tx
    .select({ id: payments.id })
    .from(payments)
    .where(sql`${payments.invoiceId} = ${mirrorId} AND ${payments.externalId} = ${invoice.id}`);
  if (already) return;
  await tx.insert(payments).values({
    billingAccountId: row.billingAccountId,
    invoiceId: mirrorId,
    amount: invoice.amount_paid,
    currency: row.currency,
    method: 'STRIPE_CARD',
    status: 'PAID',
    externalId: invoice.id,
    externalStatus: 'paid',
    completedAt: sql`now()`,
  });
}

/**
 * charge.refunded: the card payment it refunds (by payment intent) becomes REFUNDED when refunded in full;
 * a local invoice it paid is open again for that amount, and the balance follows.
 */
export async function recordChargeRefund(tx: Database, charge: Stripe.Charge): Promise<string | null> {
  const intent =
    typeof charge.payment_intent === 'string' ? charge.payment_intent : (charge.payment_intent?.id ?? null);
  if (!intent) return null;
  const [payment] = await tx.select().from(payments).where(eq(payments.externalId, intent)).for('update');
  if (!payment) return null;
  if (charge.refunded && payment.status === 'PAID') {
    await tx
      .update(payments)
      .set({ status: 'REFUNDED', externalStatus: 'refunded' })
      .where(eq(payments.id, payment.id));
    if (payment.invoiceId) await refreshInvoice(tx, payment.invoiceId);
    await refreshBalance(tx, payment.billingAccountId);
  }
  return payment.id;
}
