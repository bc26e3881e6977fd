// Store orders paid through Stripe (fake Stripe, the real webhook route): Checkout in payment mode with
// client_reference_id = the order id; the webhook completes the order once (payment_intent.succeeded and
// checkout.session.completed both name it; replays and forged deliveries change nothing); an expired
// session releases the order's holds; a payment that is not the order's total is refused.
import { eq } from 'drizzle-orm';
import type Stripe from 'stripe';
import { beforeAll, describe, expect, it } from 'vitest';
import { createUser, type TestUser } from '~/orgs/test-support';
import { discounts, discountUsages, emailLogs, products, webhookEvents } from '~db/schema';
import { useAppTestDatabase } from '../../tests/support/db';
import { postWebhook, sessionIdOf, useFakeStripe } from '../../tests/support/stripe';
import type { Cart } from './cart.server';
import { paymentUrl, placeOrder } from './checkout.server';
import { createPublishedProduct, reloadOrder } from './test-support';

const t = useAppTestDatabase();
const stripe = useFakeStripe(() => t.db);

const cartOf = (price: { id: string; unitAmount: number }, quantity = 1): Cart => ({
  v: 1,
  lines: [{ priceId: price.id, quantity, seen: price.unitAmount }],
});

async function pendingOrder(buyer: TestUser, options: { stock?: number; code?: string } = {}) {
  const p = await createPublishedProduct(t.db, {
    basePrice: 2500,
    taxRate: '0.1',
    ...(options.stock !== undefined ? { trackInventory: true, stockQuantity: options.stock } : {}),
  });
  const order = await placeOrder(t.db, buyer.actor, cartOf(p.price), { code: options.code });
  stripe.takeEvents();
  const url = await paymentUrl(t.db, stripe.stripe, order);
  return { order, product: p, url, sessionId: sessionIdOf(url) };
}

describe('paying a store order with Stripe Checkout', () => {
  let buyer: TestUser;
  beforeAll(async () => {
    buyer = await createUser(t.db);
  });

  it('starts a payment-mode Checkout for the order total, named by the order id', async () => {
    const { order, sessionId } = await pendingOrder(buyer);
    const session = await stripe.stripe.checkout.sessions.retrieve(sessionId);
    expect(session).toMatchObject({
      mode: 'payment',
      client_reference_id: order.id,
      amount_total: 2750,
      metadata: { kind: 'store_order', order_id: order.id, order_number: order.orderNumber },
    });
    expect((await reloadOrder(t.db, order.id)).metadata).toMatchObject({ checkoutSessionId: sessionId });
  });

  it('the webhook completes the order once: stock, discount use, receipt; a replay changes nothing', async () => {
    const [code] = await t.db
      .insert(discounts)
      .values({ code: 'STRIPE10', name: 'Ten', percentOff: '10', maxUses: 5 })
      .returning();
    const { order, product, sessionId } = await pendingOrder(buyer, { stock: 3, code: 'STRIPE10' });
    expect(order.totalAmount).toBe(2250 + 225);
    await stripe.fake.completeCheckout(sessionId);
    const events = stripe.takeEvents(['payment_intent.succeeded', 'checkout.session.completed']);
    expect(events.map((e) => e.type)).toEqual(['payment_intent.succeeded', 'checkout.session.completed']);
    const answers = [];
    for (const e of events) answers.push(await stripe.deliver(e));
    expect(answers.map((a) => [a.status, a.body.outcome])).toEqual([
      [200, 'APPLIED'],
      [200, 'IGNORED'],
    ]);
    expect(answers[1]?.body.note).toMatch(/was paid already/);
    const paid = await reloadOrder(t.db, order.id);
    expect(paid).toMatchObject({ status: 'COMPLETED', paymentStatus: 'SUCCEEDED', paymentMethod: 'card' });
    expect(paid.stripePaymentIntentId).toMatch(/^pi_/);
    const stock = async () =>
      (await t.db.select().from(products).where(eq(products.id, product.product.id)))[0]?.stockQuantity;
    const uses = async () =>
      (await t.db.select().from(discounts).where(eq(discounts.id, code!.id)))[0]?.currentUses;
    const receipts = async () =>
      (await t.db.select().from(emailLogs).where(eq(emailLogs.entityId, order.id))).length;
    expect([await stock(), await uses(), await receipts()]).toEqual([2, 1, 1]);
    expect(await t.db.$count(discountUsages, eq(discountUsages.orderId, order.id))).toBe(1);

    // Stripe delivers again (a replay, and twenty at once): the ledger answers duplicate, nothing moves.
    const again = await Promise.all([...events, ...events, ...events].map((e) => stripe.deliver(e)));
    expect(again.every((a) => a.status === 200 && a.body.duplicate === true)).toBe(true);
    expect([await stock(), await uses(), await receipts()]).toEqual([2, 1, 1]);
    expect((await reloadOrder(t.db, order.id)).updatedAt).toEqual(paid.updatedAt);
  });

  it('a forged delivery (bad or missing signature, wrong secret) is refused with 400 and nothing changes', async () => {
    const { order, sessionId } = await pendingOrder(buyer);
    await stripe.fake.completeCheckout(sessionId);
    const [event] = stripe.takeEvents(['checkout.session.completed']);
    const body = JSON.stringify(event);
    expect((await postWebhook(body, {})).status).toBe(400);
    expect((await postWebhook(body, { 'stripe-signature': 't=1,v1=deadbeef' })).status).toBe(400);
    const wrong = stripe.fake.signedPayload(event as never, 'whsec_someone_else');
    const answer = await postWebhook(wrong.body, { 'stripe-signature': wrong.signature });
    expect(answer.status).toBe(400);
    expect((await reloadOrder(t.db, order.id)).status).toBe('PENDING');
    expect(await t.db.$count(webhookEvents, eq(webhookEvents.eventId, (event as Stripe.Event).id))).toBe(0);
  });

  it('a signed event whose amount is not the order total is recorded and refused; the order stays unpaid', async () => {
    const { order, sessionId } = await pendingOrder(buyer);
    await stripe.fake.completeCheckout(sessionId);
    const [event] = stripe.takeEvents(['checkout.session.completed']) as Stripe.Event[];
    const tampered = {
      ...event!,
      id: `${event!.id}_tampered`,
      data: { object: { ...(event!.data.object as Stripe.Checkout.Session), amount_total: 1 } },
    };
    const answer = await stripe.deliver(tampered as Stripe.Event);
    expect(answer.body.outcome).toBe('IGNORED');
    expect(answer.body.note).toMatch(/not order .* total/);
    expect((await reloadOrder(t.db, order.id)).status).toBe('PENDING');
  });

  it('an expired Checkout cancels the PENDING order, so its stock hold ends', async () => {
    const { order, product, sessionId } = await pendingOrder(buyer, { stock: 1 });
    await stripe.stripe.checkout.sessions.expire(sessionId);
    const answers = await stripe.deliverAll(['checkout.session.expired']);
    expect(answers.map((a) => a.body.outcome)).toEqual(['APPLIED']);
    expect(await reloadOrder(t.db, order.id)).toMatchObject({
      status: 'CANCELED',
      paymentStatus: 'CANCELED',
    });
    // The unit is free again for another buyer.
    const other = await createUser(t.db);
    const next = await placeOrder(t.db, other.actor, cartOf(product.price), {});
    expect(next.status).toBe('PENDING');
  });

  it('plan products are refused at checkout in Stripe mode (plans are billed by Stripe subscriptions)', async () => {
    const p = await createPublishedProduct(t.db, { type: 'SUBSCRIPTION' });
    const { createOrg } = await import('~/orgs/test-support');
    const { organization, owner } = await createOrg(t.db);
    const err = await placeOrder(t.db, owner.actor, cartOf(p.price), {
      organizationId: organization.id,
    }).catch((e) => e);
    expect(err.message).toMatch(/billed through Stripe/);
  });
});
