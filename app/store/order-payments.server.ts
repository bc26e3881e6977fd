// Paying an order (issue 13 §3): the Stripe webhook (checkout.session.completed / payment_intent.succeeded
// of a store Checkout, inside the webhook ledger's transaction, so a replay changes nothing) or the local
// demo confirmation. Under the order's row lock, once: the amount must be the order's total; stock is
// decremented, the discount hold becomes a use, a plan product changes the organization's plan through
// billing's changePlan (OWNER/ADMIN checked again), the order becomes COMPLETED / SUCCEEDED, and the
// receipt is queued. Money taken is never refused: when stock or the plan change cannot be honoured any
// more, the order is kept PROCESSING with the reason for staff (refund or fulfil by hand).
import { and, eq, sql } from 'drizzle-orm';
import type Stripe from 'stripe';
import { type Actor, recordAudit, systemActor, userActor } from '~/audit/audit.server';
import { changePlan } from '~/billing/subscriptions.server';
import { queueEmail } from '~/email/outbox.server';
import { env } from '~/env.server';
import { DomainError, NotFound, ValidationFailed } from '~/lib/errors';
import type { Database } from '~db/client.server';
import { orderItems, orders, plans, prices, products, users } from '~db/schema';
import { assertMayBuyPlan, cancelPendingOrder } from './checkout.server';
import { recordDiscountUse } from './discounts.server';
import { formatMoney } from './format';

type OrderRow = typeof orders.$inferSelect;

export interface PaymentOutcome {
  applied: boolean;
  note: string | null;
  emailIds: string[];
}

const skip = (note: string): PaymentOutcome => ({ applied: false, note, emailIds: [] });

export const orderUrl = (orderNumber: string) => `${env().APP_URL}/account/orders/${orderNumber}`;

/** Applies a payment of `amount` to the order, once. The caller's transaction (the webhook ledger's). */
export async function completeOrderPayment(
  tx: Database,
  orderId: string,
  payment: { amount: number; currency: string; paymentIntentId: string | null; method: 'card' | 'local' },
  actor: Actor = systemActor,
): Promise<PaymentOutcome> {
  const [order] = await tx.select().from(orders).where(eq(orders.id, orderId)).for('update');
  if (!order) return skip(`No order ${orderId} here.`);
  if (order.status !== 'PENDING')
    return skip(
      order.paymentStatus === 'SUCCEEDED'
        ? `Order ${order.orderNumber} was paid already.`
        : `Order ${order.orderNumber} is ${order.status.toLowerCase()}; a payment for it needs staff (refund).`,
    );
  if (payment.amount !== order.totalAmount || payment.currency.toUpperCase() !== order.currency.toUpperCase())
    return skip(
      `The payment (${payment.amount} ${payment.currency}) is not order ${order.orderNumber}'s total (${order.totalAmount} ${order.currency}); nothing applied.`,
    );
  const items = await tx
    .select({
      id: orderItems.id,
      productId: orderItems.productId,
      quantity: orderItems.quantity,
      name: products.name,
      type: products.type,
      trackInventory: products.trackInventory,
      accessDuration: products.accessDuration,
      planKey: plans.key,
      unitPrice: orderItems.unitPrice,
      totalPrice: orderItems.totalPrice,
    })
    .from(orderItems)
    .innerJoin(products, eq(products.id, orderItems.productId))
    .innerJoin(prices, eq(prices.id, orderItems.priceId))
    .leftJoin(plans, eq(plans.id, products.planId))
    .where(eq(orderItems.orderId, order.id))
    .orderBy(orderItems.productId);
  const problems: string[] = [];
  for (const item of items.filter((i) => i.trackInventory)) {
    const [taken] = await tx
      .update(products)
      .set({ stockQuantity: sql`${products.stockQuantity} - ${item.quantity}` })
      .where(and(eq(products.id, item.productId), sql`${products.stockQuantity} >= ${item.quantity}`))
      .returning({ id: products.id });
    if (!taken)
      problems.push(`Not enough stock of ${item.name} for ${item.quantity}: fulfil by hand or refund.`);
  }
  const meta = (order.metadata ?? {}) as Record<string, unknown>;
  if (typeof meta.discountId === 'string')
    await recordDiscountUse(tx, {
      discountId: meta.discountId,
      userId: order.userId,
      orderId: order.id,
      amountSaved: order.discountAmount,
    });
  const buyer = userActor(order.userId);
  for (const item of items.filter((i) => i.type === 'SUBSCRIPTION')) {
    try {
      await assertMayBuyPlan(tx, order.userId, order.organizationId);
      if (!item.planKey) throw new ValidationFailed('The product is no longer linked to a plan.');
      await changePlan(tx, buyer, order.organizationId as string, item.planKey);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      problems.push(`The plan was not changed: ${err.message}`);
    }
  }
  const completedAt = new Date();
  for (const item of items.filter((i) => i.accessDuration !== null))
    await tx
      .update(orderItems)
      .set({
        accessExpiresAt: new Date(completedAt.getTime() + (item.accessDuration as number) * 86_400_000),
      })
      .where(eq(orderItems.id, item.id));
  const status = problems.length ? 'PROCESSING' : 'COMPLETED';
  await tx
    .update(orders)
    .set({
      status,
      paymentStatus: 'SUCCEEDED',
      paymentMethod: payment.method,
      stripePaymentIntentId: payment.paymentIntentId,
      completedAt,
      internalNotes: problems.length ? problems.join('\n') : order.internalNotes,
    })
    .where(eq(orders.id, order.id));
  await recordAudit(tx, actor, {
    organizationId: order.organizationId,
    action: problems.length ? 'order.payment_held' : 'order.paid',
    entityType: 'order',
    entityId: order.id,
    oldValues: { status: order.status, paymentStatus: order.paymentStatus },
    newValues: {
      status,
      paymentStatus: 'SUCCEEDED',
      orderNumber: order.orderNumber,
      totalAmount: order.totalAmount,
      currency: order.currency,
      method: payment.method,
      ...(problems.length ? { problems } : {}),
    },
  });
  const [person] = await tx
    .select({ email: users.email, name: users.name })
    .from(users)
    .where(eq(users.id, order.userId));
  const emailIds: string[] = [];
  if (person)
    emailIds.push(
      await queueEmail(tx, {
        to: person.email,
        template: 'order-receipt',
        data: {
          name: person.name,
          orderNumber: order.orderNumber,
          total: formatMoney(order.totalAmount, order.currency),
          lines: items.map((i) => `${i.quantity} × ${i.name}: ${formatMoney(i.totalPrice, order.currency)}`),
          orderUrl: orderUrl(order.orderNumber),
        },
        entityType: 'order',
        entityId: order.id,
      }),
    );
  return { applied: true, note: problems.length ? problems.join(' ') : null, emailIds };
}

const orderIdOf = (object: { metadata?: Stripe.Metadata | null; client_reference_id?: string | null }) =>
  object.metadata?.kind === 'store_order' ? (object.metadata.order_id ?? null) : null;

/** Whether a payment-mode Checkout session or PaymentIntent is a store order's (the webhook's dispatch). */
export const isStoreOrderPayment = (object: unknown) =>
  Boolean(orderIdOf((object ?? {}) as { metadata?: Stripe.Metadata | null }));

/** checkout.session.completed / .expired of a store Checkout (webhook ledger transaction). */
export async function applyStoreCheckout(
  tx: Database,
  session: Stripe.Checkout.Session,
  completed: boolean,
): Promise<PaymentOutcome> {
  const orderId = orderIdOf(session);
  if (!orderId || session.client_reference_id !== orderId) return skip('The session names no store order.');
  if (!completed) {
    const [order] = await tx.select().from(orders).where(eq(orders.id, orderId));
    if (order?.status !== 'PENDING') return skip('The order is not waiting for payment.');
    await cancelPendingOrder(tx, orderId, 'The Stripe Checkout session expired unpaid.');
    return { applied: true, note: null, emailIds: [] };
  }
  if (session.payment_status !== 'paid')
    return skip(`Checkout completed with payment_status ${session.payment_status}.`);
  const intent =
    typeof session.payment_intent === 'string'
      ? session.payment_intent
      : (session.payment_intent?.id ?? null);
  return completeOrderPayment(tx, orderId, {
    amount: session.amount_total ?? -1,
    currency: session.currency ?? '',
    paymentIntentId: intent,
    method: 'card',
  });
}

/** payment_intent.succeeded of a store Checkout's PaymentIntent (whichever of the two events comes first pays). */
export async function applyStorePaymentIntent(
  tx: Database,
  intent: Stripe.PaymentIntent,
): Promise<PaymentOutcome> {
  const orderId = orderIdOf(intent);
  if (!orderId) return skip('The payment names no store order.');
  if (intent.status !== 'succeeded') return skip(`The PaymentIntent is ${intent.status}.`);
  return completeOrderPayment(tx, orderId, {
    amount: intent.amount_received,
    currency: intent.currency,
    paymentIntentId: intent.id,
    method: 'card',
  });
}

/** The local demo confirmation (no Stripe): the buyer's own PENDING order, inside its reservation. */
export async function confirmLocalPayment(
  db: Database,
  actor: Actor & { userId: string },
  orderId: string,
  stripeMode: boolean,
): Promise<{ order: OrderRow; outcome: PaymentOutcome }> {
  if (stripeMode) throw new NotFound('There is no such order to confirm.');
  return db.transaction(async (tx) => {
    const order = await localOrder(tx, actor.userId, orderId);
    if (order.status !== 'PENDING')
      throw new ValidationFailed(`Order ${order.orderNumber} is not waiting for payment.`);
    const until = (order.metadata as { reservedUntil?: string } | null)?.reservedUntil;
    if (!until || new Date(until) <= new Date())
      throw new ValidationFailed(`Order ${order.orderNumber} expired unpaid; check out again.`);
    const outcome = await completeOrderPayment(
      tx,
      order.id,
      { amount: order.totalAmount, currency: order.currency, paymentIntentId: null, method: 'local' },
      actor,
    );
    return { order, outcome };
  });
}

/** The buyer's order by id (the local confirmation page); anyone else's is NotFound. */
export async function localOrder(db: Database, userId: string, orderId: string): Promise<OrderRow> {
  if (!/^[a-z0-9]{1,40}$/i.test(orderId)) throw new NotFound('There is no such order.');
  const [order] = await db
    .select()
    .from(orders)
    .where(and(eq(orders.id, orderId), eq(orders.userId, userId)));
  if (!order) throw new NotFound('There is no such order.');
  return order;
}
