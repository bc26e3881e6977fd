// Checkout (issue 13 §3, fixed contract POST /checkout with an optional `code`): one transaction turns the
// cart into a PENDING order with its items' price snapshots, discount, tax and total in cents and the next
// ORD-YYYY-NNNNNN, holding the stock and the discount use it needs for RESERVATION_MINUTES (ADR 0015).
// Then the buyer pays: Stripe Checkout in payment mode (client_reference_id = the order id), or, in local
// billing mode, the demo confirmation page /checkout/local/:orderId. Payment is applied by
// order-payments.server.ts (webhook or local confirmation).
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type Stripe from 'stripe';
import { z } from 'zod';
import { type Actor, recordAudit } from '~/audit/audit.server';
import { isStripeMode } from '~/billing/stripe-client.server';
import { env } from '~/env.server';
import { Conflict, Forbidden, UpstreamFailed, ValidationFailed } from '~/lib/errors';
import { type Database, rowsOf } from '~db/client.server';
import {
  discounts,
  orderItems,
  orders,
  organizationMembers,
  organizations,
  plans,
  products,
  subscriptions,
  users,
} from '~db/schema';
import type { Cart, CartView } from './cart.server';
import { viewCart } from './cart.server';
import { reservedQuantity } from './catalog.server';
import { checkDiscount, type DiscountRow, discountCodeSchema, lockDiscount } from './discounts.server';
import { formatMoney, type OrderTotals, orderTotals } from './format';

/** How long a checkout holds its stock and discount use; Stripe's session expires well before (31 min). */
export const RESERVATION_MINUTES = 60;
export const STRIPE_SESSION_MINUTES = 31;

export const checkoutSchema = z.object({
  code: discountCodeSchema,
  organizationId: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .regex(/^[a-z0-9]{1,40}$/i, 'Choose an organization.')
      .optional(),
  ),
});
export type CheckoutInput = z.infer<typeof checkoutSchema>;

type OrderRow = typeof orders.$inferSelect;

/** Organizations the user may buy a plan for (OWNER or ADMIN: SPEC §4 Store). */
export async function buyableOrganizations(db: Database, userId: string) {
  return db
    .select({ id: organizations.id, name: organizations.name, slug: organizations.slug })
    .from(organizationMembers)
    .innerJoin(organizations, eq(organizations.id, organizationMembers.organizationId))
    .where(and(eq(organizationMembers.userId, userId), inArray(organizationMembers.role, ['OWNER', 'ADMIN'])))
    .orderBy(asc(organizations.name));
}

/** The plan purchase's rule, at checkout and again at payment: OWNER or ADMIN of that organization. */
export async function assertMayBuyPlan(db: Database, userId: string, organizationId: string | null) {
  if (!organizationId)
    throw new ValidationFailed('Choose the organization this plan is for.', {
      organizationId: ['Choose the organization this plan is for.'],
    });
  const [row] = await db
    .select({ role: organizationMembers.role, name: organizations.name })
    .from(organizations)
    .leftJoin(
      organizationMembers,
      and(eq(organizationMembers.organizationId, organizations.id), eq(organizationMembers.userId, userId)),
    )
    .where(eq(organizations.id, organizationId));
  if (!row?.role)
    throw new ValidationFailed('Choose one of your organizations.', {
      organizationId: ['Choose one of your organizations.'],
    });
  if (row.role !== 'OWNER' && row.role !== 'ADMIN')
    throw new Forbidden(
      `Only an owner or admin of ${row.name} can buy a plan for it; you are a ${row.role.toLowerCase()}.`,
      { organizationId: [`Only an owner or admin of ${row.name} can buy a plan for it.`] },
    );
}

export interface PricedCheckout {
  view: CartView;
  totals: OrderTotals;
  discount: DiscountRow | null;
  /** The cart holds a plan: the buyer picks an organization. */
  needsOrganization: boolean;
}

/** The lines of a cart as an order would have them (no lock, no write): what /checkout shows. */
async function price(
  tx: Database,
  userId: string,
  view: CartView,
  code: string | undefined,
  now: Date,
  lock: boolean,
): Promise<PricedCheckout> {
  let discount: DiscountRow | null = null;
  let eligible: Set<string> | null = null;
  if (code) {
    discount = lock ? await lockDiscount(tx, code) : await lockless(tx, code);
    ({ productIds: eligible } = await checkDiscount(tx, discount, {
      userId,
      subtotal: view.subtotal,
      currency: view.currency,
      productIds: view.lines.map((l) => l.productId),
      now,
    }));
  }
  const totals = orderTotals(
    view.lines.map((l) => ({
      productId: l.productId,
      total: l.total,
      taxRate: l.taxRate,
      eligible: eligible === null || eligible.has(l.productId),
    })),
    discount,
  );
  return { view, totals, discount, needsOrganization: view.lines.some((l) => l.type === 'SUBSCRIPTION') };
}

/** The code's row without a lock (the preview on /checkout; the order re-checks under the lock). */
async function lockless(tx: Database, code: string): Promise<DiscountRow> {
  const [row] = await tx.select().from(discounts).where(eq(discounts.code, code));
  if (!row)
    throw new ValidationFailed(`There is no discount code ${code}.`, {
      code: [`There is no discount code ${code}.`],
    });
  return row;
}

/** What /checkout shows before the buyer pays; a refused code comes back as `codeError`. */
export async function previewCheckout(db: Database, userId: string, cart: Cart, code: string | undefined) {
  const view = await viewCart(db, cart);
  const now = new Date();
  try {
    return { ...(await price(db, userId, view, code, now, false)), codeError: null as string | null };
  } catch (err) {
    if (!(err instanceof ValidationFailed) || !err.fieldErrors?.code) throw err;
    return { ...(await price(db, userId, view, undefined, now, false)), codeError: err.message };
  }
}

/** The next ORD-YYYY-NNNNNN, gapless per year: taken under a transaction lock, released at commit or rollback. */
export async function nextOrderNumber(tx: Database, year: number): Promise<string> {
  // A transaction-level advisory lock (never session-level: SPEC §8) serializes number taking, as
  // invoice_counters' row lock does for invoices; a rolled-back checkout leaves no gap.
  await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext('orders.order_number'))`);
  const [last] = rowsOf<{ order_number: string }>(
    await tx.execute(sql`SELECT order_number FROM orders
      WHERE order_number >= ${`ORD-${year}-000000`} AND order_number <= ${`ORD-${year}-999999`}
      ORDER BY order_number DESC LIMIT 1`),
  );
  const n = last ? Number(last.order_number.slice(-6)) + 1 : 1;
  if (n > 999_999) throw new Conflict(`The order numbers of ${year} are used up.`);
  return `ORD-${year}-${String(n).padStart(6, '0')}`;
}

/**
 * POST /checkout: the PENDING order, in one transaction. Refusals (empty cart, stale price, sold out, a
 * code's reason, a plan for an organization the buyer does not run) change nothing.
 */
export async function placeOrder(
  db: Database,
  actor: Actor & { userId: string },
  cart: Cart,
  input: CheckoutInput,
  now = new Date(),
): Promise<OrderRow> {
  input = checkoutSchema.parse(input);
  const view = await viewCart(db, cart);
  if (view.changed)
    throw new Conflict(`Your cart changed: ${view.notices.join(' ')} Review it and check out again.`);
  if (view.lines.length === 0) throw new ValidationFailed('Your cart is empty.');
  if (view.lines.some((l) => l.currency !== view.currency))
    throw new ValidationFailed('Items in different currencies cannot be paid together.');
  const planLines = view.lines.filter((l) => l.type === 'SUBSCRIPTION');
  let organizationId: string | null = null;
  if (planLines.length > 0) {
    if (planLines.length > 1 || planLines[0]!.quantity > 1)
      throw new ValidationFailed('An order can change one plan: buy one plan at a time.');
    await assertMayBuyPlan(db, actor.userId, input.organizationId ?? null);
    organizationId = input.organizationId ?? null;
    await assertPlanPurchasable(db, organizationId!, planLines[0]!.planId);
  } else if (input.organizationId) {
    await assertMember(db, actor.userId, input.organizationId);
    organizationId = input.organizationId;
  }
  const order = await db.transaction(async (tx) => {
    // Lock order (ADR 0015): tracked products by id, then the discount, then the order number.
    const tracked = await tx
      .select({ id: products.id, name: products.name, stock: products.stockQuantity })
      .from(products)
      .where(
        and(
          inArray(
            products.id,
            view.lines.map((l) => l.productId),
          ),
          eq(products.trackInventory, true),
        ),
      )
      .orderBy(asc(products.id))
      .for('update');
    for (const p of tracked) {
      const [held] = rowsOf<{ n: number }>(await tx.execute(sql`SELECT ${reservedQuantity(p.id)} AS n`));
      const available = p.stock - Number(held?.n ?? 0);
      const wanted = view.lines.filter((l) => l.productId === p.id).reduce((a, l) => a + l.quantity, 0);
      if (available <= 0) throw new Conflict(`${p.name} is sold out.`);
      if (wanted > available)
        throw new Conflict(`Only ${available} of ${p.name} left; lower the quantity in your cart.`);
    }
    const priced = await price(tx, actor.userId, view, input.code, now, true);
    const { totals, discount } = priced;
    const number = await nextOrderNumber(tx, now.getUTCFullYear());
    const [buyer] = await tx
      .select({ name: users.name, email: users.email })
      .from(users)
      .where(eq(users.id, actor.userId));
    const reservedUntil = new Date(now.getTime() + RESERVATION_MINUTES * 60_000).toISOString();
    const [created] = await tx
      .insert(orders)
      .values({
        userId: actor.userId,
        organizationId,
        orderNumber: number,
        status: 'PENDING',
        paymentStatus: 'PENDING',
        currency: view.currency,
        subtotal: totals.subtotal,
        discountAmount: totals.discountAmount,
        taxAmount: totals.taxAmount,
        totalAmount: totals.totalAmount,
        billingAddress: { name: buyer?.name ?? null, email: buyer?.email ?? null },
        paymentMethod: isStripeMode() ? 'card' : 'local',
        metadata: {
          reservedUntil,
          ...(discount ? { discountId: discount.id, discountCode: discount.code } : {}),
          lines: view.lines.map((l, i) => ({
            priceId: l.priceId,
            discount: totals.lines[i]?.discount ?? 0,
            tax: totals.lines[i]?.tax ?? 0,
          })),
        },
      })
      .returning();
    const row = created as OrderRow;
    await tx.insert(orderItems).values(
      view.lines.map((l) => ({
        orderId: row.id,
        productId: l.productId,
        priceId: l.priceId,
        quantity: l.quantity,
        unitPrice: l.unitAmount,
        totalPrice: l.total,
      })),
    );
    await recordAudit(tx, actor, {
      organizationId,
      action: 'order.placed',
      entityType: 'order',
      entityId: row.id,
      newValues: {
        orderNumber: number,
        subtotal: totals.subtotal,
        discountAmount: totals.discountAmount,
        taxAmount: totals.taxAmount,
        totalAmount: totals.totalAmount,
        currency: view.currency,
        discountCode: discount?.code ?? null,
      },
    });
    return row;
  });
  return order;
}

async function assertMember(db: Database, userId: string, organizationId: string) {
  const [m] = await db
    .select({ id: organizationMembers.id })
    .from(organizationMembers)
    .where(
      and(eq(organizationMembers.organizationId, organizationId), eq(organizationMembers.userId, userId)),
    );
  if (!m)
    throw new ValidationFailed('Choose one of your organizations.', {
      organizationId: ['Choose one of your organizations.'],
    });
}

/** A plan product's plan must exist, differ from the current one, and be changeable here (local billing). */
async function assertPlanPurchasable(db: Database, organizationId: string, planId: string | null) {
  if (isStripeMode())
    throw new Conflict(
      "Plans are billed through Stripe on this installation: change the plan on the organization's billing page.",
    );
  if (!planId) throw new Conflict('This plan product is not linked to a plan; it cannot be bought.');
  const [row] = await db
    .select({ planId: subscriptions.planId, stripe: subscriptions.stripeSubscriptionId, name: plans.name })
    .from(subscriptions)
    .innerJoin(plans, eq(plans.id, subscriptions.planId))
    .where(eq(subscriptions.organizationId, organizationId));
  const [target] = await db
    .select({ name: plans.name })
    .from(plans)
    .where(and(eq(plans.id, planId), isNull(plans.deletedAt)));
  if (!target) throw new Conflict('The plan this product sells is no longer offered.');
  if (row?.planId === planId) throw new Conflict(`The organization is already on the ${target.name} plan.`);
}

/** Where the buyer goes to pay: Stripe Checkout (payment mode) or the local demo confirmation. */
export async function paymentUrl(db: Database, stripe: Stripe | null, order: OrderRow): Promise<string> {
  if (!stripe) return `/checkout/local/${order.id}`;
  const base = env().APP_URL;
  const metadata = { kind: 'store_order', order_id: order.id, order_number: order.orderNumber };
  let session: Stripe.Checkout.Session;
  try {
    session = await stripe.checkout.sessions.create({
      mode: 'payment',
      client_reference_id: order.id,
      line_items: [
        {
          quantity: 1,
          price_data: {
            currency: order.currency.toLowerCase(),
            unit_amount: order.totalAmount,
            product_data: { name: `Order ${order.orderNumber}` },
          },
        },
      ],
      metadata,
      payment_intent_data: { metadata },
      expires_at: Math.floor(Date.now() / 1000) + STRIPE_SESSION_MINUTES * 60,
      success_url: `${base}/account/orders/${order.orderNumber}?paid=1`,
      cancel_url: `${base}/cart`,
    });
  } catch (err) {
    await cancelPendingOrder(db, order.id, 'Stripe could not start the payment.');
    throw new UpstreamFailed(
      `Stripe could not start the payment: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  await db
    .update(orders)
    .set({ metadata: sql`${orders.metadata} || ${JSON.stringify({ checkoutSessionId: session.id })}::jsonb` })
    .where(eq(orders.id, order.id));
  if (!session.url) throw new UpstreamFailed('Stripe started the payment without a page to send you to.');
  return session.url;
}

/** A PENDING order given up (Stripe refused to start, the session expired): its holds end. */
export async function cancelPendingOrder(db: Database, orderId: string, reason: string) {
  return db.transaction(async (tx) => {
    const [order] = await tx.select().from(orders).where(eq(orders.id, orderId)).for('update');
    if (order?.status !== 'PENDING') return false;
    await tx
      .update(orders)
      .set({ status: 'CANCELED', paymentStatus: 'CANCELED', canceledAt: sql`now()`, internalNotes: reason })
      .where(eq(orders.id, orderId));
    await recordAudit(
      tx,
      { type: 'SYSTEM', userId: null },
      {
        organizationId: order.organizationId,
        action: 'order.canceled',
        entityType: 'order',
        entityId: order.id,
        oldValues: { status: order.status },
        newValues: { status: 'CANCELED', orderNumber: order.orderNumber, reason },
      },
    );
    return true;
  });
}

export const describeTotal = (o: Pick<OrderRow, 'totalAmount' | 'currency'>) =>
  formatMoney(o.totalAmount, o.currency);
