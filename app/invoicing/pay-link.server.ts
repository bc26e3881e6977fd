// /pay/:token (SPEC §7, issue 11 §5): an invoice paid by whoever holds its emailed link, without signing
// in. The token is stored as SHA-256 and expires; an unknown or expired one is "not found". A card payment
// goes through Stripe Checkout in payment mode: a PENDING payment first (its id travels in the session's
// metadata), then the webhook settles it. Money is never lost: a session completed for a payment that was
// replaced meanwhile is still recorded (as a new payment; a surplus becomes credit).
import { and, eq, gt, sql } from 'drizzle-orm';
import type Stripe from 'stripe';
import { type Actor, recordAudit, systemActor } from '~/audit/audit.server';
import { sha256Hex } from '~/auth/tokens.server';
import { deliverSoon } from '~/email/outbox.server';
import { env } from '~/env.server';
import { Conflict, NotFound, UpstreamFailed } from '~/lib/errors';
import type { Database } from '~db/client.server';
import { billingAccounts, invoices, organizations, payments } from '~db/schema';
import type { InvoiceDocument } from './document';
import { invoiceDocument } from './invoices.server';
import {
  coveredAmount,
  insertPayment,
  lockBillingAccount,
  payableInvoice,
  settlePayment,
} from './ledger.server';

type InvoiceRow = typeof invoices.$inferSelect;

export interface PayLinkView {
  invoice: InvoiceRow;
  document: InvoiceDocument;
  organization: { id: string; name: string; slug: string };
  payable: boolean;
}

/** The invoice a link token opens, or null (unknown, expired, or not a local finalized invoice). */
export async function invoiceForToken(db: Database, token: string): Promise<PayLinkView | null> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
  const [row] = await db
    .select({
      invoice: invoices,
      organization: { id: organizations.id, name: organizations.name, slug: organizations.slug },
    })
    .from(invoices)
    .innerJoin(billingAccounts, eq(billingAccounts.id, invoices.billingAccountId))
    .innerJoin(organizations, eq(organizations.id, billingAccounts.organizationId))
    .where(
      and(
        eq(invoices.paymentTokenHash, sha256Hex(token)),
        gt(invoices.paymentTokenExpiresAt, sql`now()`),
        sql`${invoices.finalizedAt} IS NOT NULL`,
        sql`${invoices.stripeInvoiceId} IS NULL`,
      ),
    );
  if (!row) return null;
  return {
    invoice: row.invoice,
    organization: row.organization,
    document: await invoiceDocument(db, row.invoice),
    payable: row.invoice.status !== 'PAID' && row.invoice.status !== 'VOID',
  };
}

export async function requireInvoiceForToken(db: Database, token: string): Promise<PayLinkView> {
  const view = await invoiceForToken(db, token);
  if (!view) throw new NotFound('This payment link is unknown or has expired. Ask for a new invoice email.');
  return view;
}

const payerActor = (request?: Request): Actor => ({
  type: 'SYSTEM',
  userId: null,
  ipAddress: request?.headers.get('x-forwarded-for')?.split(',')[0]?.trim() ?? null,
  userAgent: request?.headers.get('user-agent')?.slice(0, 512) ?? null,
});

/**
 * Starts a card payment of what is still open on the invoice: replaces an earlier unfinished card
 * attempt, records a PENDING payment, and answers Stripe Checkout's URL (payment mode).
 */
export async function startCardPayment(
  db: Database,
  stripe: Stripe,
  token: string,
  request?: Request,
): Promise<{ url: string }> {
  const view = await requireInvoiceForToken(db, token);
  const actor = payerActor(request);
  const { payment, replaced } = await db.transaction(async (tx) => {
    await lockBillingAccount(tx, view.invoice.billingAccountId);
    const invoice = await payableInvoice(tx, view.invoice.id);
    // An abandoned Checkout must not block a new attempt: it is canceled here (and expired at Stripe).
    const earlier = await tx
      .select({ id: payments.id, externalId: payments.externalId })
      .from(payments)
      .where(
        and(
          eq(payments.invoiceId, invoice.id),
          eq(payments.method, 'STRIPE_CARD'),
          eq(payments.status, 'PENDING'),
        ),
      );
    for (const p of earlier)
      await settlePayment(tx, actor, p.id, {
        status: 'CANCELED',
        errorMessage: 'Replaced by a new card payment.',
      });
    const amount = invoice.total - (await coveredAmount(tx, invoice.id));
    if (amount <= 0)
      throw new Conflict('This invoice is covered by payments already (some may still be processing).');
    const created = await insertPayment(tx, actor, {
      billingAccountId: invoice.billingAccountId,
      invoiceId: invoice.id,
      amount,
      method: 'STRIPE_CARD',
      status: 'PENDING',
    });
    return {
      payment: created,
      replaced: earlier.map((p) => p.externalId).filter((id): id is string => Boolean(id)),
    };
  });
  for (const sessionId of replaced) await stripe.checkout.sessions.expire(sessionId).catch(() => {});
  const base = `${env().APP_URL}/pay/${token}`;
  let session: Stripe.Checkout.Session;
  try {
    session = await stripe.checkout.sessions.create({
      mode: 'payment',
      client_reference_id: view.organization.id,
      line_items: [
        {
          quantity: 1,
          price_data: {
            currency: view.invoice.currency.toLowerCase(),
            unit_amount: payment.amount,
            product_data: { name: `Invoice ${view.invoice.invoiceNumber}` },
          },
        },
      ],
      payment_intent_data: { metadata: { payment_id: payment.id, invoice_id: view.invoice.id } },
      metadata: {
        payment_id: payment.id,
        invoice_id: view.invoice.id,
        invoice_number: view.invoice.invoiceNumber ?? '',
      },
      success_url: `${base}?paid=1`,
      cancel_url: base,
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await db.transaction((tx) =>
      settlePayment(tx, actor, payment.id, { status: 'FAILED', errorMessage: message }),
    );
    throw new UpstreamFailed(`Stripe could not start the payment: ${message}`);
  }
  await db
    .update(payments)
    .set({ externalId: session.id, externalStatus: session.status })
    .where(eq(payments.id, payment.id));
  if (!session.url) throw new UpstreamFailed('Stripe started the payment without a page to send you to.');
  return { url: session.url };
}

/**
 * checkout.session.completed / .expired for a payment-mode session (called by the Stripe webhook handler,
 * inside its ledger transaction). Returns what happened and the emails to send.
 */
export async function applyCardCheckout(
  tx: Database,
  session: Stripe.Checkout.Session,
  completed: boolean,
): Promise<{ applied: boolean; note: string | null; emailIds: string[] }> {
  const paymentId = session.metadata?.payment_id;
  if (!paymentId)
    return { applied: false, note: 'A payment Checkout without a payment id: not ours.', emailIds: [] };
  const [payment] = await tx.select().from(payments).where(eq(payments.id, paymentId));
  if (!payment)
    return {
      applied: false,
      note: `No payment ${paymentId} here (its organization may be gone).`,
      emailIds: [],
    };
  if (!completed) {
    const { changed } = await settlePayment(tx, systemActor, paymentId, {
      status: 'CANCELED',
      externalStatus: 'expired',
    });
    return { applied: changed, note: changed ? null : 'The payment was settled already.', emailIds: [] };
  }
  if (session.payment_status !== 'paid')
    return {
      applied: false,
      note: `Checkout completed with payment_status ${session.payment_status}.`,
      emailIds: [],
    };
  const intent =
    typeof session.payment_intent === 'string'
      ? session.payment_intent
      : (session.payment_intent?.id ?? null);
  if (payment.status === 'PENDING') {
    await tx
      .update(payments)
      .set({ externalId: intent ?? payment.externalId })
      .where(eq(payments.id, paymentId));
    const { emailIds } = await settlePayment(tx, systemActor, paymentId, {
      status: 'PAID',
      externalStatus: 'paid',
    });
    return { applied: true, note: null, emailIds };
  }
  if (payment.status === 'PAID')
    return { applied: false, note: 'The payment was recorded already.', emailIds: [] };
  // Paid at Stripe after we gave the attempt up: record the money anyway (a surplus becomes credit).
  await lockBillingAccount(tx, payment.billingAccountId);
  const emails: string[] = [];
  const [invoice] = payment.invoiceId
    ? await tx.select({ status: invoices.status }).from(invoices).where(eq(invoices.id, payment.invoiceId))
    : [];
  const onInvoice = payment.invoiceId && invoice && invoice.status !== 'PAID' && invoice.status !== 'VOID';
  const recorded = await insertPayment(
    tx,
    systemActor,
    {
      billingAccountId: payment.billingAccountId,
      invoiceId: onInvoice ? payment.invoiceId : null,
      amount: session.amount_total ?? payment.amount,
      method: 'STRIPE_CARD',
      status: 'PAID',
      externalId: intent,
      externalStatus: 'paid_after_replacement',
    },
    { allowOverpayment: true, emails },
  );
  await recordAudit(tx, systemActor, {
    organizationId: null,
    action: 'payment.received',
    entityType: 'payment',
    entityId: recorded.id,
    newValues: {
      amount: recorded.amount,
      currency: recorded.currency,
      method: recorded.method,
      status: 'PAID',
    },
    metadata: { replacedPaymentId: paymentId },
  });
  return {
    applied: true,
    note: 'Recorded a card payment completed after its attempt was replaced.',
    emailIds: emails,
  };
}

export { deliverSoon };
