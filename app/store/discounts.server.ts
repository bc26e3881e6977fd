// Discount codes (seed 003, SPEC §6 "Discount codes", issue 13 §4): percent or fixed amount, a validity
// window, a minimum amount, first-time-only, a product restriction, max_uses and max_uses_per_customer.
// Count rules run under the discount row's lock (SELECT … FOR UPDATE, SPEC §3) in the transaction that
// writes: a checkout counts the uses taken (current_uses) plus the uses held by unexpired checkouts
// (PENDING orders naming the discount), so two buyers cannot both take the last use; the payment turns
// the hold into a use (current_uses + 1 and a discount_usages row) under the same lock (ADR 0015).
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { ValidationFailed } from '~/lib/errors';
import { type Database, rowsOf } from '~db/client.server';
import { discounts, discountUsages, productDiscounts } from '~db/schema';
import { formatMoney } from './format';

export type DiscountRow = typeof discounts.$inferSelect;

export const discountCodeSchema = z.preprocess(
  (v) => (typeof v === 'string' ? v.trim().toUpperCase() || undefined : v),
  z
    .string()
    .max(64, 'That is not a discount code.')
    .regex(/^[A-Z0-9_-]+$/, 'That is not a discount code.')
    .optional(),
);

const refuse = (message: string): never => {
  throw new ValidationFailed(message, { code: [message] });
};

/** Uses held by checkouts that may still be paid, optionally only one buyer's, never `exceptOrderId`'s. */
async function heldUses(tx: Database, discountId: string, userId?: string, exceptOrderId?: string) {
  const [row] = rowsOf<{ n: number }>(
    await tx.execute(sql`SELECT count(*)::int AS n FROM orders
      WHERE status = 'PENDING' AND metadata->>'discountId' = ${discountId}
        AND (metadata->>'reservedUntil')::timestamptz > now()
        ${userId ? sql`AND user_id = ${userId}` : sql``}
        ${exceptOrderId ? sql`AND id <> ${exceptOrderId}` : sql``}`),
  );
  return Number(row?.n ?? 0);
}

/** The code's row, locked; an unknown code is refused. */
export async function lockDiscount(tx: Database, code: string): Promise<DiscountRow> {
  const [row] = await tx.select().from(discounts).where(eq(discounts.code, code)).for('update');
  if (!row) refuse(`There is no discount code ${code}.`);
  return row as DiscountRow;
}

export interface DiscountCheck {
  userId: string;
  /** The cart's subtotal before discount and tax, cents. */
  subtotal: number;
  currency: string;
  productIds: string[];
  now: Date;
}

/**
 * Whether the (locked) discount may be used for this cart; throws a ValidationFailed on the `code` field
 * naming the reason. Returns the products it applies to (null: every product).
 */
export async function checkDiscount(
  tx: Database,
  discount: DiscountRow,
  input: DiscountCheck,
): Promise<{ productIds: Set<string> | null }> {
  const code = discount.code;
  if (!discount.isActive) refuse(`The code ${code} is no longer active.`);
  if (discount.validFrom && input.now < discount.validFrom)
    refuse(
      `The code ${code} is not valid yet: it starts on ${discount.validFrom.toISOString().slice(0, 10)}.`,
    );
  if (discount.validUntil && input.now > discount.validUntil)
    refuse(`The code ${code} has expired (it ended on ${discount.validUntil.toISOString().slice(0, 10)}).`);
  if (
    discount.maxUses !== null &&
    discount.currentUses + (await heldUses(tx, discount.id)) >= discount.maxUses
  )
    refuse(`The code ${code} has been used up.`);
  if (discount.maxUsesPerCustomer !== null) {
    const [used] = rowsOf<{ n: number }>(
      await tx.execute(sql`SELECT count(*)::int AS n FROM discount_usages
        WHERE discount_id = ${discount.id} AND user_id = ${input.userId}`),
    );
    const mine = Number(used?.n ?? 0) + (await heldUses(tx, discount.id, input.userId));
    if (mine >= discount.maxUsesPerCustomer)
      refuse(
        discount.maxUsesPerCustomer === 1
          ? `You have already used the code ${code}.`
          : `You have already used the code ${code} ${mine} times, its limit per customer.`,
      );
  }
  if (discount.firstTimeOnly) {
    const [before] = rowsOf<{ n: number }>(
      await tx.execute(sql`SELECT count(*)::int AS n FROM orders
        WHERE user_id = ${input.userId} AND payment_status IN ('SUCCEEDED', 'REFUNDED')`),
    );
    if (Number(before?.n ?? 0) > 0)
      refuse(`The code ${code} is for a first order only, and you have already used your first order.`);
  }
  if (discount.amountOff !== null && discount.currency.toUpperCase() !== input.currency.toUpperCase())
    refuse(`The code ${code} is in ${discount.currency}; your cart is in ${input.currency}.`);
  const restricted = await tx
    .select({ productId: productDiscounts.productId })
    .from(productDiscounts)
    .where(eq(productDiscounts.discountId, discount.id));
  let productIds: Set<string> | null = null;
  if (restricted.length > 0) {
    productIds = new Set(restricted.map((r) => r.productId).filter((id) => input.productIds.includes(id)));
    if (productIds.size === 0) refuse(`The code ${code} is not for the products in your cart.`);
  }
  if (discount.minimumAmount !== null && input.subtotal < discount.minimumAmount)
    refuse(
      `The code ${code} needs an order of at least ${formatMoney(discount.minimumAmount, input.currency)} before tax; your cart is ${formatMoney(input.subtotal, input.currency)}, below the minimum.`,
    );
  return { productIds };
}

/** At payment, under the discount lock: the hold becomes a use. */
export async function recordDiscountUse(
  tx: Database,
  input: { discountId: string; userId: string; orderId: string; amountSaved: number },
): Promise<void> {
  await tx
    .select({ id: discounts.id })
    .from(discounts)
    .where(eq(discounts.id, input.discountId))
    .for('update');
  await tx
    .update(discounts)
    .set({ currentUses: sql`${discounts.currentUses} + 1` })
    .where(eq(discounts.id, input.discountId));
  await tx.insert(discountUsages).values(input);
}

/** Uses recorded for the discount (tests, staff pages). */
export async function usesOf(db: Database, discountId: string) {
  const [row] = await db
    .select()
    .from(discounts)
    .where(and(eq(discounts.id, discountId)));
  const usages = await db.select().from(discountUsages).where(eq(discountUsages.discountId, discountId));
  return { currentUses: row?.currentUses ?? 0, usages };
}
