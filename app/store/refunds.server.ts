// Refunds of store orders (issue 13 §8; seed 003 Refund, RefundReason). Platform ADMIN only ('money:move'
// in app/admin/permissions.ts). Full or partial, never more than paid minus already refunded:
//
// - The order row is locked (SELECT … FOR UPDATE) while the refundable amount is computed and the refund
//   row written, so two staff refunding the same order at once cannot both take the same money.
// - A local order (no PaymentIntent: local checkout, demos) is refunded by recording it: SUCCEEDED at once.
// - A Stripe order is refunded at Stripe. The refund row is written PENDING first (its amount counts as
//   taken while Stripe answers), no row lock is held over the HTTP call, and the Stripe call carries the
//   row id as idempotency key and metadata. Stripe's answer makes it SUCCEEDED (or FAILED, which frees the
//   amount again).
// - `charge.refunded` webhooks reconcile: refunds Stripe reports are matched by id or by our metadata (or
//   recorded when made in Stripe's dashboard), and refunded_amount becomes at least Stripe's
//   amount_refunded. Replays change nothing (the webhook ledger, and the reconciliation is idempotent).
//
// Order status: seed 003's OrderStatus has REFUNDED and no partial state, so a partly refunded order stays
// COMPLETED with refunded_amount > 0 (shown as "Partially refunded"); a fully refunded one becomes
// REFUNDED, payment_status REFUNDED. Refund rows are history: orders → refunds is RESTRICT, nothing here
// deletes one.
import { randomBytes } from 'node:crypto';
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type Stripe from 'stripe';
import { z } from 'zod';
import { type Actor, recordAudit, systemActor } from '~/audit/audit.server';
import { stripeClientOrNull, stripeErrorMessage } from '~/billing/stripe-client.server';
import { Conflict, NotFound, UpstreamFailed, ValidationFailed } from '~/lib/errors';
import type { Database } from '~db/client.server';
import { orders, refundReason, refunds, users } from '~db/schema';
import { assertStaff } from './catalog-admin.server';
import { formatMoney } from './format';

export const REFUND_REASONS = refundReason.enumValues;
export type RefundReason = (typeof REFUND_REASONS)[number];

export const REFUND_REASON_LABELS: Record<RefundReason, string> = {
  REQUESTED_BY_CUSTOMER: 'Requested by the customer',
  DUPLICATE: 'Duplicate charge',
  FRAUDULENT: 'Fraudulent',
  SUBSCRIPTION_CANCELED: 'Subscription canceled',
  OTHER: 'Other',
};

/** Seed 003's reasons in Stripe's words (Stripe knows three; the others travel in metadata). */
const STRIPE_REASON: Partial<Record<RefundReason, Stripe.RefundCreateParams.Reason>> = {
  REQUESTED_BY_CUSTOMER: 'requested_by_customer',
  DUPLICATE: 'duplicate',
  FRAUDULENT: 'fraudulent',
};

const reasonFromStripe = (reason: string | null | undefined): RefundReason =>
  reason === 'duplicate'
    ? 'DUPLICATE'
    : reason === 'fraudulent'
      ? 'FRAUDULENT'
      : reason === 'requested_by_customer'
        ? 'REQUESTED_BY_CUSTOMER'
        : 'OTHER';

export { centsFromInput } from './catalog-admin.server';

export const refundInputSchema = z.object({
  orderId: z.string({ required_error: 'Choose an order.' }).min(1).max(64),
  amount: z
    .number({ required_error: 'Enter an amount.', invalid_type_error: 'Enter an amount.' })
    .int('The amount is in whole cents.')
    .positive('A refund must be more than 0.'),
  reason: z.enum(REFUND_REASONS, { errorMap: () => ({ message: 'Choose a reason.' }) }),
  notes: z
    .string()
    .trim()
    .max(500, 'Notes can be at most 500 characters.')
    .optional()
    .transform((v) => v || null),
});
export type RefundInput = z.input<typeof refundInputSchema>;

type OrderRow = typeof orders.$inferSelect;
type RefundRow = typeof refunds.$inferSelect;

/** Money still refundable: paid, minus refunded, minus refunds waiting for Stripe. */
export function refundableOf(
  order: Pick<OrderRow, 'totalAmount' | 'refundedAmount'>,
  pending: number,
): number {
  return Math.max(0, order.totalAmount - order.refundedAmount - pending);
}

const isPaid = (order: OrderRow) =>
  order.status === 'COMPLETED' || (order.paymentStatus === 'SUCCEEDED' && order.status !== 'CANCELED');

async function lockOrder(tx: Database, orderId: string): Promise<OrderRow> {
  const [order] = await tx.select().from(orders).where(eq(orders.id, orderId)).for('update');
  if (!order) throw new NotFound('Order not found');
  return order;
}

async function pendingAmount(tx: Database, orderId: string): Promise<number> {
  const [row] = await tx
    .select({ n: sql<string>`coalesce(sum(${refunds.amount}), 0)` })
    .from(refunds)
    .where(and(eq(refunds.orderId, orderId), eq(refunds.status, 'PENDING')));
  return Number(row?.n ?? 0);
}

/**
 * refunded_amount = the most of: what it was, Σ SUCCEEDED refund rows, Stripe's amount_refunded (never
 * added up twice, so a webhook and our own write arriving in either order agree); status follows.
 */
async function settleTotals(tx: Database, order: OrderRow, stripeAmountRefunded = 0): Promise<OrderRow> {
  const [sum] = await tx
    .select({ n: sql<string>`coalesce(sum(${refunds.amount}), 0)` })
    .from(refunds)
    .where(and(eq(refunds.orderId, order.id), eq(refunds.status, 'SUCCEEDED')));
  const refunded = Math.min(
    order.totalAmount,
    Math.max(order.refundedAmount, Number(sum?.n ?? 0), stripeAmountRefunded),
  );
  const full = refunded >= order.totalAmount && order.totalAmount > 0;
  const [updated] = await tx
    .update(orders)
    .set({
      refundedAmount: refunded,
      ...(full ? { status: 'REFUNDED' as const, paymentStatus: 'REFUNDED' as const } : {}),
    })
    .where(eq(orders.id, order.id))
    .returning();
  return updated ?? order;
}

const snapshot = (order: OrderRow) => ({
  orderNumber: order.orderNumber,
  status: order.status,
  paymentStatus: order.paymentStatus,
  refundedAmount: order.refundedAmount,
});

export interface RefundResult {
  refund: RefundRow;
  order: OrderRow;
}

/**
 * Issues a refund (platform ADMIN). Refused above the refundable amount with the numbers, for unpaid or
 * fully refunded orders, and when Stripe refuses (the row is then FAILED and the amount free again).
 */
export async function issueRefund(
  db: Database,
  actor: Actor,
  input: RefundInput,
  options: { stripe?: Stripe | null } = {},
): Promise<RefundResult> {
  const parsed = refundInputSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ValidationFailed(issue?.message ?? 'Invalid refund', {
      [String(issue?.path[0] ?? 'amount')]: [issue?.message ?? 'Invalid'],
    });
  }
  const { orderId, amount, reason, notes } = parsed.data;
  const stripe = options.stripe === undefined ? stripeClientOrNull() : options.stripe;

  const reserved = await db.transaction(async (tx) => {
    await assertStaff(tx, actor, 'money:move');
    const order = await lockOrder(tx, orderId);
    if (!isPaid(order)) {
      throw new Conflict(
        order.status === 'REFUNDED'
          ? `Order ${order.orderNumber} is refunded in full already.`
          : `Order ${order.orderNumber} is not paid (${order.status.toLowerCase()}): there is nothing to refund.`,
      );
    }
    const pending = await pendingAmount(tx, order.id);
    const refundable = refundableOf(order, pending);
    if (amount > refundable) {
      const message =
        refundable === 0
          ? `Nothing is left to refund on order ${order.orderNumber}.`
          : `At most ${formatMoney(refundable, order.currency)} can be refunded: ${formatMoney(order.totalAmount, order.currency)} paid, ${formatMoney(order.refundedAmount + pending, order.currency)} refunded already.`;
      throw new ValidationFailed(message, { amount: [message] });
    }
    const local = !order.stripePaymentIntentId;
    if (local && order.paymentMethod === 'stripe')
      throw new Conflict('This order was paid through Stripe but has no PaymentIntent on record.');
    const id = `c${randomBytes(12).toString('hex')}`;
    const [refund] = await tx
      .insert(refunds)
      .values({
        id,
        orderId: order.id,
        stripeRefundId: local ? `local_${id}` : `pending_${id}`,
        amount,
        currency: order.currency,
        reason,
        status: local ? 'SUCCEEDED' : 'PENDING',
        notes,
        metadata: { issuedBy: actor.userId, mode: local ? 'local' : 'stripe' },
        processedAt: local ? new Date() : null,
      })
      .returning();
    if (!refund) throw new Error('refund insert returned nothing');
    if (!local) return { refund, order, done: false };
    const updated = await settleTotals(tx, order);
    await auditIssued(tx, actor, refund, order, updated);
    return { refund, order: updated, done: true };
  });
  if (reserved.done) return { refund: reserved.refund, order: reserved.order };

  if (!stripe) {
    await markFailed(db, actor, reserved.refund, 'Stripe is not configured.');
    throw new Conflict('This order was paid through Stripe, and Stripe is not configured here.');
  }
  let stripeRefund: Stripe.Refund;
  try {
    stripeRefund = await stripe.refunds.create(
      {
        payment_intent: reserved.order.stripePaymentIntentId!,
        amount,
        ...(STRIPE_REASON[reason] ? { reason: STRIPE_REASON[reason] } : {}),
        metadata: { refund_id: reserved.refund.id, order_id: reserved.order.id, reason },
      },
      { idempotencyKey: `store-refund-${reserved.refund.id}` },
    );
  } catch (err) {
    const why = stripeErrorMessage(err);
    await markFailed(db, actor, reserved.refund, why);
    throw new UpstreamFailed(`Stripe refused the refund: ${why}`);
  }
  return db.transaction(async (tx) => {
    const order = await lockOrder(tx, orderId);
    const status =
      stripeRefund.status === 'failed' || stripeRefund.status === 'canceled' ? 'FAILED' : 'SUCCEEDED';
    const [refund] = await tx
      .update(refunds)
      .set({
        stripeRefundId: stripeRefund.id,
        status: stripeRefund.status === 'pending' ? 'PENDING' : status,
        processedAt: new Date(),
      })
      .where(eq(refunds.id, reserved.refund.id))
      .returning();
    const updated = await settleTotals(tx, order);
    await auditIssued(tx, actor, refund ?? reserved.refund, order, updated);
    return { refund: refund ?? reserved.refund, order: updated };
  });
}

async function auditIssued(tx: Database, actor: Actor, refund: RefundRow, before: OrderRow, after: OrderRow) {
  await recordAudit(tx, actor, {
    action: 'store_refund.issued',
    entityType: 'refund',
    entityId: refund.id,
    oldValues: snapshot(before),
    newValues: {
      ...snapshot(after),
      amount: refund.amount,
      currency: refund.currency,
      reason: refund.reason,
      stripeRefundId: refund.stripeRefundId,
    },
    metadata: { orderId: before.id },
  });
}

async function markFailed(db: Database, actor: Actor, refund: RefundRow, why: string) {
  await db.transaction(async (tx) => {
    const order = await lockOrder(tx, refund.orderId);
    await tx
      .update(refunds)
      .set({
        status: 'FAILED',
        processedAt: new Date(),
        notes: [refund.notes, why].filter(Boolean).join(' — '),
      })
      .where(and(eq(refunds.id, refund.id), eq(refunds.status, 'PENDING')));
    await recordAudit(tx, actor, {
      action: 'store_refund.failed',
      entityType: 'refund',
      entityId: refund.id,
      newValues: {
        orderNumber: order.orderNumber,
        amount: refund.amount,
        currency: refund.currency,
        error: why,
      },
      metadata: { orderId: order.id },
    });
  });
}

// ---- the charge.refunded webhook ----------------------------------------------------------------------

const intentOf = (charge: Stripe.Charge) =>
  typeof charge.payment_intent === 'string' ? charge.payment_intent : (charge.payment_intent?.id ?? null);

/**
 * Reconciles a store order with a refunded Stripe charge (called by app/billing/stripe-webhook.server.ts
 * inside its ledger transaction). Null when the charge is not a store order's: the billing side handles it.
 */
export async function reconcileOrderRefund(
  tx: Database,
  charge: Stripe.Charge,
  eventId: string,
): Promise<{ note: string } | null> {
  const intent = intentOf(charge);
  if (!intent) return null;
  const [found] = await tx
    .select({ id: orders.id })
    .from(orders)
    .where(eq(orders.stripePaymentIntentId, intent));
  if (!found) return null;
  const order = await lockOrder(tx, found.id);
  const rows = await tx.select().from(refunds).where(eq(refunds.orderId, order.id));
  let changed = 0;
  for (const re of charge.refunds?.data ?? []) {
    const status = re.status === 'succeeded' ? 'SUCCEEDED' : re.status === 'pending' ? 'PENDING' : 'FAILED';
    const mine =
      rows.find((r) => r.stripeRefundId === re.id) ??
      rows.find((r) => r.id === re.metadata?.refund_id && r.stripeRefundId.startsWith('pending_'));
    if (mine) {
      if (mine.stripeRefundId !== re.id || mine.status !== status) {
        await tx
          .update(refunds)
          .set({ stripeRefundId: re.id, status, processedAt: mine.processedAt ?? new Date() })
          .where(eq(refunds.id, mine.id));
        changed++;
      }
      continue;
    }
    // A refund made in Stripe's dashboard: recorded, so the history is complete.
    await tx.insert(refunds).values({
      orderId: order.id,
      stripeRefundId: re.id,
      amount: re.amount,
      currency: re.currency.toUpperCase(),
      reason: reasonFromStripe(re.reason),
      status,
      notes: 'Refunded in Stripe.',
      metadata: { source: 'stripe', eventId },
      processedAt: new Date(re.created * 1000),
    });
    changed++;
  }
  const updated = await settleTotals(tx, order, charge.amount_refunded ?? 0);
  if (!changed && updated.refundedAmount === order.refundedAmount && updated.status === order.status)
    return { note: `Order ${order.orderNumber} already reflects this refund.` };
  await recordAudit(tx, systemActor, {
    action: 'store_refund.reconciled',
    entityType: 'order',
    entityId: order.id,
    oldValues: snapshot(order),
    newValues: { ...snapshot(updated), amount: updated.refundedAmount, currency: updated.currency },
    metadata: { source: 'stripe', eventId, charge: charge.id },
  });
  return {
    note: `Order ${order.orderNumber}: ${formatMoney(updated.refundedAmount, updated.currency)} refunded.`,
  };
}

// ---- staff views --------------------------------------------------------------------------------------

export interface RefundListEntry {
  id: string;
  orderId: string;
  orderNumber: string;
  amount: number;
  currency: string;
  reason: RefundReason;
  status: RefundRow['status'];
  notes: string | null;
  createdAt: string;
}

/** The newest refunds (platform ADMIN). */
export async function listRefunds(db: Database, actor: Actor, limit = 50): Promise<RefundListEntry[]> {
  await assertStaff(db, actor, 'money:move');
  const rows = await db
    .select({ refund: refunds, orderNumber: orders.orderNumber })
    .from(refunds)
    .innerJoin(orders, eq(orders.id, refunds.orderId))
    .orderBy(desc(refunds.createdAt), desc(refunds.id))
    .limit(limit);
  return rows.map(({ refund: r, orderNumber }) => ({
    id: r.id,
    orderId: r.orderId,
    orderNumber,
    amount: r.amount,
    currency: r.currency,
    reason: r.reason,
    status: r.status,
    notes: r.notes,
    createdAt: r.createdAt.toISOString(),
  }));
}

export interface RefundableOrder {
  id: string;
  orderNumber: string;
  buyerEmail: string;
  status: OrderRow['status'];
  paymentStatus: OrderRow['paymentStatus'];
  currency: string;
  totalAmount: number;
  refundedAmount: number;
  pendingAmount: number;
  refundable: number;
  viaStripe: boolean;
  refunds: RefundListEntry[];
}

/** One order by its number, with its refund history and what can still be refunded (platform ADMIN). */
export async function findOrderForRefund(
  db: Database,
  actor: Actor,
  orderNumber: string,
): Promise<RefundableOrder> {
  await assertStaff(db, actor, 'money:move');
  const [row] = await db
    .select({ order: orders, email: users.email })
    .from(orders)
    .innerJoin(users, eq(users.id, orders.userId))
    .where(eq(orders.orderNumber, orderNumber.trim()));
  if (!row) throw new NotFound(`No order has the number ${orderNumber.slice(0, 40)}.`);
  const history = await db
    .select()
    .from(refunds)
    .where(eq(refunds.orderId, row.order.id))
    .orderBy(desc(refunds.createdAt));
  const pending = history.filter((r) => r.status === 'PENDING').reduce((a, r) => a + r.amount, 0);
  return {
    id: row.order.id,
    orderNumber: row.order.orderNumber,
    buyerEmail: row.email,
    status: row.order.status,
    paymentStatus: row.order.paymentStatus,
    currency: row.order.currency,
    totalAmount: row.order.totalAmount,
    refundedAmount: row.order.refundedAmount,
    pendingAmount: pending,
    refundable: isPaid(row.order) ? refundableOf(row.order, pending) : 0,
    viaStripe: Boolean(row.order.stripePaymentIntentId),
    refunds: history.map((r) => ({
      id: r.id,
      orderId: r.orderId,
      orderNumber: row.order.orderNumber,
      amount: r.amount,
      currency: r.currency,
      reason: r.reason,
      status: r.status,
      notes: r.notes,
      createdAt: r.createdAt.toISOString(),
    })),
  };
}

/** Recent paid orders with money left to refund, for the refunds page's picker (platform ADMIN). */
export async function listRefundableOrders(db: Database, actor: Actor, limit = 20) {
  await assertStaff(db, actor, 'money:move');
  return db
    .select({
      id: orders.id,
      orderNumber: orders.orderNumber,
      totalAmount: orders.totalAmount,
      refundedAmount: orders.refundedAmount,
      currency: orders.currency,
      status: orders.status,
    })
    .from(orders)
    .where(and(inArray(orders.status, ['COMPLETED']), sql`${orders.refundedAmount} < ${orders.totalAmount}`))
    .orderBy(desc(orders.completedAt), desc(orders.id))
    .limit(limit);
}
