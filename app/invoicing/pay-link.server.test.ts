// Card payments of a payment link and Stripe's invoices, against the fake Stripe (issue 11 §5, §9, §10):
// Checkout in payment mode settles the PENDING payment once (the webhook ledger), an abandoned attempt is
// replaced and a late completion of it is still recorded, a refund reopens the invoice, and a Stripe
// subscription's invoices are mirrored with Stripe's number without moving the balance.
import { eq } from 'drizzle-orm';
import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { requestStripePlanChange } from '~/billing/stripe-billing.server';
import { env } from '~/env.server';
import { createOrg } from '~/orgs/test-support';
import { billingAccounts, invoices, payments } from '~db/schema';
import { useAppTestDatabase } from '../../tests/support/db';
import { sessionIdOf, useFakeStripe } from '../../tests/support/stripe';
import { issuePaymentToken, listInvoices } from './invoices.server';
import { startCardPayment } from './pay-link.server';
import { invoicedCustomer } from './test-support';

const t = useAppTestDatabase();
const s = useFakeStripe(() => t.db);

async function invoiced() {
  const c = await invoicedCustomer(t.db, 3000);
  const token = await t.db.transaction((tx) => issuePaymentToken(tx, c.invoice.id));
  return { ...c, token };
}

const invoiceRow = async (id: string) => (await t.db.select().from(invoices).where(eq(invoices.id, id)))[0]!;
const accountRow = async (id: string) =>
  (await t.db.select().from(billingAccounts).where(eq(billingAccounts.id, id)))[0]!;

describe('paying a payment link by card (Checkout, payment mode)', () => {
  it('settles once: the invoice is paid, the balance follows, a redelivery changes nothing', async () => {
    const c = await invoiced();
    s.takeEvents();
    const { url } = await startCardPayment(t.db, s.stripe, c.token);
    const session = (await s.fake.completeCheckout(sessionIdOf(url))) as Stripe.Checkout.Session;
    expect(session.mode).toBe('payment');
    const events = s.takeEvents(['checkout.session.completed']);
    const first = await s.deliver(events[0]!);
    expect(first.body.outcome).toBe('APPLIED');
    expect(await invoiceRow(c.invoice.id)).toMatchObject({ status: 'PAID', amountPaid: 3000 });
    expect((await accountRow(c.account.id)).balance).toBe(0);
    expect((await s.deliver(events[0]!)).body.duplicate).toBe(true);
    const rows = await t.db.select().from(payments).where(eq(payments.invoiceId, c.invoice.id));
    expect(rows.map((p) => [p.method, p.status, p.amount])).toEqual([['STRIPE_CARD', 'PAID', 3000]]);
    // Paid: a second attempt is refused with a message.
    await expect(startCardPayment(t.db, s.stripe, c.token)).rejects.toThrow(/already paid/);
  });

  it('an abandoned attempt is replaced; if it is paid after all, the money is still recorded', async () => {
    const c = await invoiced();
    const first = await startCardPayment(t.db, s.stripe, c.token);
    const second = await startCardPayment(t.db, s.stripe, c.token);
    const attempts = await t.db.select().from(payments).where(eq(payments.invoiceId, c.invoice.id));
    expect(attempts.map((p) => p.status).sort()).toEqual(['CANCELED', 'PENDING']);
    // The first session was expired at Stripe; the second is paid.
    await expect(s.fake.completeCheckout(sessionIdOf(first.url))).rejects.toThrow();
    s.takeEvents();
    await s.fake.completeCheckout(sessionIdOf(second.url));
    await s.deliverAll();
    expect(await invoiceRow(c.invoice.id)).toMatchObject({ status: 'PAID' });
  });

  it('a full refund marks the payment REFUNDED and reopens the invoice', async () => {
    const c = await invoiced();
    const { url } = await startCardPayment(t.db, s.stripe, c.token);
    const session = (await s.fake.completeCheckout(sessionIdOf(url))) as Stripe.Checkout.Session;
    await s.deliverAll();
    await s.fake.refundPaymentIntent(session.payment_intent as string);
    const [refund] = await s.deliverAll(['charge.refunded']);
    expect(refund!.status).toBe(200);
    const [payment] = await t.db.select().from(payments).where(eq(payments.invoiceId, c.invoice.id));
    expect(payment!.status).toBe('REFUNDED');
    expect(await invoiceRow(c.invoice.id)).toMatchObject({ amountPaid: 0 });
    expect((await accountRow(c.account.id)).balance).toBe(-3000);
  });
});

describe('Stripe invoices mirrored', () => {
  it("a Stripe subscription's invoice appears with Stripe's number and PDF, and the balance stays", async () => {
    const { organization, owner } = await createOrg(t.db);
    const result = await requestStripePlanChange(t.db, s.stripe, owner.actor, organization.id, {
      planKey: 'yearly',
      billingUrl: `${env().APP_URL}/o/${organization.slug}/billing`,
    });
    if (result.kind !== 'checkout') throw new Error('expected Checkout');
    s.takeEvents();
    await s.fake.completeCheckout(sessionIdOf(result.url));
    await s.deliverAll();
    const list = await listInvoices(t.db, owner.actor, organization.id);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ stripe: true, status: 'PAID', total: 29000, amountDue: 0 });
    expect(list[0]!.number).not.toMatch(/^INV-/);
    expect(list[0]!.pdfUrl).toBeTruthy();
    const [account] = await t.db
      .select()
      .from(billingAccounts)
      .where(eq(billingAccounts.organizationId, organization.id));
    expect(account).toMatchObject({ balance: 0, status: 'ACTIVE' });
  });
});
