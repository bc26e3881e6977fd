// Refunds (issue 13 §8): arithmetic in cents, partial refunds summing to at most what was paid, two
// refunds of one order at once, Stripe refunds through the fake Stripe, and charge.refunded webhooks that
// reconcile the order (replays change nothing). Only platform ADMIN refunds.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createUser, type TestUser } from '~/orgs/test-support';
import { auditLogs, orders, refunds, users } from '~db/schema';
import { itConcurrent, useAppTestDatabase } from '../../tests/support/db';
import { useFakeStripe } from '../../tests/support/stripe';
import { findOrderForRefund, issueRefund, listRefunds, refundableOf } from './refunds.server';
import { createCompletedOrder, createPublishedProduct, reloadOrder } from './test-support';

const t = useAppTestDatabase();
const s = useFakeStripe(() => t.db);

async function staff(role: 'ADMIN' | 'SUPPORT'): Promise<TestUser> {
  const u = await createUser(t.db);
  await t.db.update(users).set({ role }).where(eq(users.id, u.id));
  return u;
}

async function paidOrder(total = 10_000) {
  const buyer = await createUser(t.db);
  const product = await createPublishedProduct(t.db, { basePrice: total });
  return createCompletedOrder(t.db, buyer.id, { product });
}

/** A completed order paid through the fake Stripe's Checkout (payment mode): it has a PaymentIntent. */
async function stripeOrder(total = 10_000) {
  const { order } = await paidOrder(total);
  const session = await s.stripe.checkout.sessions.create({
    mode: 'payment',
    client_reference_id: order.id,
    success_url: 'http://localhost/done',
    line_items: [
      { price_data: { currency: 'usd', unit_amount: total, product_data: { name: 'X' } }, quantity: 1 },
    ],
  });
  const paid = (await s.fake.completeCheckout(session.id)) as { payment_intent: string };
  await t.db
    .update(orders)
    .set({ stripePaymentIntentId: paid.payment_intent, paymentMethod: 'stripe' })
    .where(eq(orders.id, order.id));
  s.takeEvents();
  return { order: await reloadOrder(t.db, order.id), paymentIntent: paid.payment_intent };
}

describe('arithmetic (local orders: recorded directly)', () => {
  it('partial refunds add up; the last one may take exactly what is left; then the order is REFUNDED', async () => {
    const admin = await staff('ADMIN');
    const { order } = await paidOrder(10_000);
    const first = await issueRefund(t.db, admin.actor, {
      orderId: order.id,
      amount: 2_550,
      reason: 'DUPLICATE',
    });
    expect(first.refund).toMatchObject({ amount: 2_550, status: 'SUCCEEDED', reason: 'DUPLICATE' });
    expect(first.order).toMatchObject({
      refundedAmount: 2_550,
      status: 'COMPLETED',
      paymentStatus: 'SUCCEEDED',
    });

    await expect(
      issueRefund(t.db, admin.actor, { orderId: order.id, amount: 7_451, reason: 'OTHER' }),
    ).rejects.toThrow('At most $74.50 can be refunded: $100.00 paid, $25.50 refunded already.');

    const last = await issueRefund(t.db, admin.actor, {
      orderId: order.id,
      amount: 7_450,
      reason: 'REQUESTED_BY_CUSTOMER',
      notes: 'Customer asked',
    });
    expect(last.order).toMatchObject({
      refundedAmount: 10_000,
      status: 'REFUNDED',
      paymentStatus: 'REFUNDED',
    });
    await expect(
      issueRefund(t.db, admin.actor, { orderId: order.id, amount: 1, reason: 'OTHER' }),
    ).rejects.toThrow(/refunded in full already/);

    const history = await t.db.select().from(refunds).where(eq(refunds.orderId, order.id));
    expect(history.map((r) => r.amount).sort()).toEqual([2_550, 7_450]);
    const audits = await t.db.select().from(auditLogs).where(eq(auditLogs.action, 'store_refund.issued'));
    expect(audits.filter((a) => (a.metadata as { orderId?: string }).orderId === order.id)).toHaveLength(2);
  });

  it('refuses zero, negative, fractional cents, unknown reasons, unpaid and unknown orders', async () => {
    const admin = await staff('ADMIN');
    const { order } = await paidOrder(5_000);
    for (const amount of [0, -100, 1.5])
      await expect(
        issueRefund(t.db, admin.actor, { orderId: order.id, amount, reason: 'OTHER' }),
      ).rejects.toMatchObject({ status: 400 });
    await expect(
      issueRefund(t.db, admin.actor, { orderId: order.id, amount: 100, reason: 'BORED' as never }),
    ).rejects.toThrow('Choose a reason.');
    await expect(
      issueRefund(t.db, admin.actor, { orderId: 'c-missing', amount: 100, reason: 'OTHER' }),
    ).rejects.toMatchObject({ status: 404 });
    await t.db
      .update(orders)
      .set({ status: 'PENDING', paymentStatus: 'PENDING' })
      .where(eq(orders.id, order.id));
    await expect(
      issueRefund(t.db, admin.actor, { orderId: order.id, amount: 100, reason: 'OTHER' }),
    ).rejects.toThrow(/is not paid/);
    expect((await reloadOrder(t.db, order.id)).refundedAmount).toBe(0);
  });

  it('only platform ADMIN: SUPPORT and customers are refused and nothing changes', async () => {
    const { order } = await paidOrder(5_000);
    const support = await staff('SUPPORT');
    const customer = await createUser(t.db);
    await expect(
      issueRefund(t.db, support.actor, { orderId: order.id, amount: 100, reason: 'OTHER' }),
    ).rejects.toThrow(/Support staff cannot/);
    await expect(
      issueRefund(t.db, customer.actor, { orderId: order.id, amount: 100, reason: 'OTHER' }),
    ).rejects.toMatchObject({ status: 403 });
    await expect(listRefunds(t.db, support.actor)).rejects.toMatchObject({ status: 403 });
    expect(await t.db.select().from(refunds).where(eq(refunds.orderId, order.id))).toEqual([]);
  });

  it('refundableOf never goes below zero', () => {
    expect(refundableOf({ totalAmount: 1000, refundedAmount: 400 }, 100)).toBe(500);
    expect(refundableOf({ totalAmount: 1000, refundedAmount: 1000 }, 100)).toBe(0);
  });

  itConcurrent('two refunds of one order at once: together never more than was paid', async () => {
    const admin = await staff('ADMIN');
    const { order } = await paidOrder(10_000);
    const results = await Promise.allSettled([
      issueRefund(t.db, admin.actor, { orderId: order.id, amount: 6_000, reason: 'OTHER' }),
      issueRefund(t.db, admin.actor, { orderId: order.id, amount: 6_000, reason: 'OTHER' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(String(rejected.reason.message)).toMatch(/At most \$40\.00 can be refunded/);
    expect((await reloadOrder(t.db, order.id)).refundedAmount).toBe(6_000);
  });
});

describe('Stripe orders', () => {
  it('refunds through Stripe; the charge.refunded webhook then changes nothing more, a replay neither', async () => {
    const admin = await staff('ADMIN');
    const { order, paymentIntent } = await stripeOrder(8_000);
    const { refund, order: after } = await issueRefund(t.db, admin.actor, {
      orderId: order.id,
      amount: 3_000,
      reason: 'REQUESTED_BY_CUSTOMER',
    });
    expect(refund.stripeRefundId).toMatch(/^re_/);
    expect(refund.status).toBe('SUCCEEDED');
    expect(after.refundedAmount).toBe(3_000);
    const charges = await s.stripe.charges.list({ payment_intent: paymentIntent });
    expect(charges.data[0]?.amount_refunded).toBe(3_000);
    expect(charges.data[0]?.refunds?.data[0]?.metadata).toMatchObject({ refund_id: refund.id });

    const [event] = s.takeEvents(['charge.refunded']);
    expect(event).toBeDefined();
    const first = await s.deliver(event!);
    expect(first.status).toBe(200);
    const replay = await s.deliver(event!);
    expect(replay.body.duplicate).toBe(true);
    const reloaded = await reloadOrder(t.db, order.id);
    expect(reloaded).toMatchObject({ refundedAmount: 3_000, status: 'COMPLETED' });
    expect(await t.db.select().from(refunds).where(eq(refunds.orderId, order.id))).toHaveLength(1);
  });

  it('a webhook that arrives before our own write matches the PENDING row by metadata (no double count)', async () => {
    const admin = await staff('ADMIN');
    const { order, paymentIntent } = await stripeOrder(5_000);
    // As when Stripe delivers charge.refunded while the admin's request still waits for Stripe's answer.
    const { refund } = await issueRefund(t.db, admin.actor, {
      orderId: order.id,
      amount: 5_000,
      reason: 'FRAUDULENT',
    });
    const [event] = s.takeEvents(['charge.refunded']);
    // Make the row PENDING again with its placeholder id, as it is between the Stripe call and our write.
    await t.db
      .update(refunds)
      .set({ status: 'PENDING', stripeRefundId: `pending_${refund.id}` })
      .where(eq(refunds.id, refund.id));
    await t.db
      .update(orders)
      .set({ refundedAmount: 0, status: 'COMPLETED', paymentStatus: 'SUCCEEDED' })
      .where(eq(orders.id, order.id));
    const answer = await s.deliver(event!);
    expect(answer.status).toBe(200);
    const [row] = await t.db.select().from(refunds).where(eq(refunds.orderId, order.id));
    expect(row).toMatchObject({ id: refund.id, status: 'SUCCEEDED', stripeRefundId: refund.stripeRefundId });
    expect(await reloadOrder(t.db, order.id)).toMatchObject({ refundedAmount: 5_000, status: 'REFUNDED' });
    expect(paymentIntent).toMatch(/^pi_/);
  });

  it('a refund made in Stripe’s dashboard is recorded from the webhook, and the order reconciled', async () => {
    const { order, paymentIntent } = await stripeOrder(4_000);
    await s.fake.refundPaymentIntent(paymentIntent, 1_500);
    const answers = await s.deliverAll(['charge.refunded']);
    expect(answers.map((a) => a.status)).toEqual([200]);
    const history = await t.db.select().from(refunds).where(eq(refunds.orderId, order.id));
    expect(history).toMatchObject([{ amount: 1_500, status: 'SUCCEEDED', reason: 'OTHER' }]);
    expect(await reloadOrder(t.db, order.id)).toMatchObject({ refundedAmount: 1_500, status: 'COMPLETED' });
    const view = await findOrderForRefund(t.db, (await staff('ADMIN')).actor, order.orderNumber);
    expect(view).toMatchObject({ refundable: 2_500, viaStripe: true, refunds: [{ amount: 1_500 }] });
  });

  it('Stripe refusing the refund marks it FAILED and frees the amount', async () => {
    const admin = await staff('ADMIN');
    const { order } = await stripeOrder(2_000);
    s.fake.failNext('POST', '/v1/refunds', 400, 'invalid_request_error', 'Charge is disputed.');
    await expect(
      issueRefund(t.db, admin.actor, { orderId: order.id, amount: 2_000, reason: 'OTHER' }),
    ).rejects.toThrow('Stripe refused the refund: Charge is disputed.');
    const [row] = await t.db.select().from(refunds).where(eq(refunds.orderId, order.id));
    expect(row?.status).toBe('FAILED');
    const again = await issueRefund(t.db, admin.actor, { orderId: order.id, amount: 2_000, reason: 'OTHER' });
    expect(again.order.status).toBe('REFUNDED');
  });

  it('refund history is RESTRICT: an order with refunds cannot be deleted', async () => {
    const admin = await staff('ADMIN');
    const { order } = await paidOrder(1_000);
    await issueRefund(t.db, admin.actor, { orderId: order.id, amount: 500, reason: 'OTHER' });
    await expect(t.db.delete(orders).where(eq(orders.id, order.id))).rejects.toThrow();
  });
});
