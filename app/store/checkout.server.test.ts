// Checkout and local payment (issue 13 §3–5): the PENDING order's snapshots and arithmetic against the
// CHECKs, gapless numbers, every discount rule and its reason, stock holds, the concurrent last use of a
// code and the concurrent last item, the plan purchase's OWNER/ADMIN rule at checkout and at payment.
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conflict, Forbidden, ValidationFailed } from '~/lib/errors';
import { addMember, createOrg, createUser, type TestUser } from '~/orgs/test-support';
import { type Connection, connectPostgres } from '~db/client.server';
import {
  discounts,
  discountUsages,
  emailLogs,
  orderItems,
  orders,
  organizationMembers,
  plans,
  productDiscounts,
  products,
  subscriptions,
} from '~db/schema';
import { itConcurrent, useTestDatabase } from '../../tests/support/db';
import type { Cart } from './cart.server';
import { placeOrder, previewCheckout } from './checkout.server';
import { ORDER_NUMBER } from './format';
import { confirmLocalPayment } from './order-payments.server';
import { createCompletedOrder, createPublishedProduct, reloadOrder } from './test-support';

const t = useTestDatabase();

const cartOf = (...lines: { price: { id: string; unitAmount: number }; quantity?: number }[]): Cart => ({
  v: 1,
  lines: lines.map((l) => ({ priceId: l.price.id, quantity: l.quantity ?? 1, seen: l.price.unitAmount })),
});

let n = 0;
async function createDiscount(values: Partial<typeof discounts.$inferInsert> = {}) {
  n += 1;
  const [row] = await t.db
    .insert(discounts)
    .values({ code: `CODE${n}X${Date.now() % 100000}`, name: 'Test code', percentOff: '10', ...values })
    .returning();
  return row!;
}

const refusal = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  return err as Error & { fieldErrors?: Record<string, string[]> };
};

describe('placing an order', () => {
  let buyer: TestUser;
  beforeAll(async () => {
    buyer = await createUser(t.db);
  });

  it('creates a PENDING order with price snapshots, tax, discount and total in cents that satisfy the CHECKs', async () => {
    const a = await createPublishedProduct(t.db, { basePrice: 1999, taxRate: '0.0825' });
    const b = await createPublishedProduct(t.db, { basePrice: 500 });
    const code = await createDiscount({ percentOff: '15' });
    const order = await placeOrder(
      t.db,
      buyer.actor,
      cartOf({ price: a.price, quantity: 2 }, { price: b.price }),
      {
        code: code.code,
      },
    );
    expect(order.orderNumber).toMatch(ORDER_NUMBER);
    expect(order).toMatchObject({
      status: 'PENDING',
      paymentStatus: 'PENDING',
      currency: 'USD',
      subtotal: 4498,
    });
    // 15% of 4498 = 674.7 → 675, spread 600 / 75; tax 8.25% of 3398 = 280.335 → 280.
    expect(order.discountAmount).toBe(675);
    expect(order.taxAmount).toBe(280);
    expect(order.totalAmount).toBe(4498 - 675 + 280);
    const items = await t.db.select().from(orderItems).where(eq(orderItems.orderId, order.id));
    expect(items.map((i) => [i.quantity, i.unitPrice, i.totalPrice]).sort()).toEqual([
      [1, 500, 500],
      [2, 1999, 3998],
    ]);
    // A later price change does not touch the snapshot.
    await t.db.execute(sql`UPDATE prices SET unit_amount = 1 WHERE id = ${a.price.id}`);
    const [kept] = await t.db.select().from(orderItems).where(eq(orderItems.priceId, a.price.id));
    expect(kept?.unitPrice).toBe(1999);
  });

  it('the CHECKs refuse what the arithmetic never writes', async () => {
    const { order } = await createCompletedOrder(t.db, buyer.id);
    const failing = async (q: ReturnType<typeof sql>) =>
      t.db.execute(q).then(
        () => 'ok',
        (e: { cause?: { code?: string } }) => e.cause?.code,
      );
    expect(await failing(sql`UPDATE orders SET total_amount = -1 WHERE id = ${order.id}`)).toBe('23514');
    expect(await failing(sql`UPDATE orders SET discount_amount = -5 WHERE id = ${order.id}`)).toBe('23514');
    expect(
      await failing(sql`UPDATE order_items SET total_price = total_price + 1 WHERE order_id = ${order.id}`),
    ).toBe('23514');
    expect(
      await failing(sql`UPDATE order_items SET quantity = 0, total_price = 0 WHERE order_id = ${order.id}`),
    ).toBe('23514');
  });

  it('numbers are ORD-YYYY-NNNNNN, consecutive, and a refused checkout takes none', async () => {
    const p = await createPublishedProduct(t.db);
    const first = await placeOrder(t.db, buyer.actor, cartOf({ price: p.price }), {});
    await refusal(placeOrder(t.db, buyer.actor, cartOf({ price: p.price }), { code: 'NOSUCHCODE' }));
    const second = await placeOrder(t.db, buyer.actor, cartOf({ price: p.price }), {});
    const num = (o: { orderNumber: string }) => Number(o.orderNumber.slice(-6));
    expect(num(second)).toBe(num(first) + 1);
    expect(second.orderNumber.slice(4, 8)).toBe(String(new Date().getUTCFullYear()));
  });

  it('refuses an empty cart, a stale price and an unpublished product, changing nothing', async () => {
    const before = await t.db.$count(orders);
    expect((await refusal(placeOrder(t.db, buyer.actor, { v: 1, lines: [] }, {}))).message).toBe(
      'Your cart is empty.',
    );
    const p = await createPublishedProduct(t.db, { basePrice: 1000 });
    const stale: Cart = { v: 1, lines: [{ priceId: p.price.id, quantity: 1, seen: 800 }] };
    const err = await refusal(placeOrder(t.db, buyer.actor, stale, {}));
    expect(err).toBeInstanceOf(Conflict);
    expect(err.message).toContain('changed from $8.00 to $10.00');
    await t.db.update(products).set({ status: 'ARCHIVED' }).where(eq(products.id, p.product.id));
    expect((await refusal(placeOrder(t.db, buyer.actor, cartOf({ price: p.price }), {}))).message).toContain(
      'no longer for sale',
    );
    expect(await t.db.$count(orders)).toBe(before);
  });
});

describe('discount codes (seed 003)', () => {
  let buyer: TestUser;
  beforeAll(async () => {
    buyer = await createUser(t.db);
  });
  const attempt = async (code: string, cart: Cart, who = buyer) =>
    (await refusal(placeOrder(t.db, who.actor, cart, { code }))) as ValidationFailed;

  it('fixed amounts, and every refusal names its reason on the code field', async () => {
    const p = await createPublishedProduct(t.db, { basePrice: 3000 });
    const cart = cartOf({ price: p.price });
    const day = 86_400_000;
    const cases: [Partial<typeof discounts.$inferInsert>, RegExp][] = [
      [{ isActive: false }, /no longer active/],
      [{ validFrom: new Date(Date.now() + day) }, /not valid yet/],
      [{ validUntil: new Date(Date.now() - day) }, /has expired/],
      [{ maxUses: 2, currentUses: 2 }, /used up/],
      [{ minimumAmount: 5000 }, /at least \$50\.00.*below the minimum/],
      [{ amountOff: 500, percentOff: null, currency: 'EUR' }, /in EUR; your cart is in USD/],
    ];
    for (const [values, reason] of cases) {
      const d = await createDiscount(values);
      const err = await attempt(d.code, cart);
      expect(err).toBeInstanceOf(ValidationFailed);
      expect(err.fieldErrors?.code?.[0]).toMatch(reason);
    }
    expect((await attempt('NOPE', cart)).message).toBe('There is no discount code NOPE.');
    const fixed = await createDiscount({ amountOff: 750, percentOff: null, minimumAmount: 3000 });
    const order = await placeOrder(t.db, buyer.actor, cart, { code: fixed.code.toLowerCase() });
    expect(order).toMatchObject({ subtotal: 3000, discountAmount: 750, totalAmount: 2250 });
  });

  it('a product restriction discounts only those products, and refuses a cart without them', async () => {
    const listed = await createPublishedProduct(t.db, { basePrice: 2000 });
    const other = await createPublishedProduct(t.db, { basePrice: 1000 });
    const d = await createDiscount({ percentOff: '50' });
    await t.db.insert(productDiscounts).values({ productId: listed.product.id, discountId: d.id });
    expect((await attempt(d.code, cartOf({ price: other.price }))).message).toMatch(
      /not for the products in your cart/,
    );
    const order = await placeOrder(
      t.db,
      buyer.actor,
      cartOf({ price: listed.price }, { price: other.price }),
      {
        code: d.code,
      },
    );
    expect(order).toMatchObject({ subtotal: 3000, discountAmount: 1000, totalAmount: 2000 });
  });

  it('max_uses_per_customer counts uses and the buyer’s own open checkouts; first-time-only needs no paid order', async () => {
    const p = await createPublishedProduct(t.db);
    const once = await createDiscount({ maxUsesPerCustomer: 1 });
    const someone = await createUser(t.db);
    await placeOrder(t.db, someone.actor, cartOf({ price: p.price }), { code: once.code });
    expect((await attempt(once.code, cartOf({ price: p.price }), someone)).message).toMatch(/already used/);
    // Another buyer is not affected.
    await placeOrder(t.db, buyer.actor, cartOf({ price: p.price }), { code: once.code });

    const first = await createDiscount({ firstTimeOnly: true });
    const newcomer = await createUser(t.db);
    await placeOrder(t.db, newcomer.actor, cartOf({ price: p.price }), { code: first.code });
    const regular = await createUser(t.db);
    await createCompletedOrder(t.db, regular.id);
    expect((await attempt(first.code, cartOf({ price: p.price }), regular)).message).toMatch(
      /first order only/,
    );
  });

  it('the /checkout preview shows a refused code’s reason and the totals without it', async () => {
    const p = await createPublishedProduct(t.db, { basePrice: 1000 });
    const expired = await createDiscount({ validUntil: new Date(Date.now() - 1000) });
    const preview = await previewCheckout(t.db, buyer.id, cartOf({ price: p.price }), expired.code);
    expect(preview.codeError).toMatch(/has expired/);
    expect(preview.totals.totalAmount).toBe(1000);
  });
});

describe('local payment', () => {
  it('completes the order: SUCCEEDED, stock decremented, the use recorded, the receipt queued; once', async () => {
    const buyer = await createUser(t.db);
    const p = await createPublishedProduct(t.db, {
      basePrice: 1200,
      trackInventory: true,
      stockQuantity: 5,
      accessDuration: 30,
    });
    const d = await createDiscount({ maxUses: 10, percentOff: '25' });
    const order = await placeOrder(t.db, buyer.actor, cartOf({ price: p.price, quantity: 2 }), {
      code: d.code,
    });
    const { outcome } = await confirmLocalPayment(t.db, buyer.actor, order.id, false);
    expect(outcome.applied).toBe(true);
    const paid = await reloadOrder(t.db, order.id);
    expect(paid).toMatchObject({ status: 'COMPLETED', paymentStatus: 'SUCCEEDED', paymentMethod: 'local' });
    expect(paid.completedAt).not.toBeNull();
    const [product] = await t.db.select().from(products).where(eq(products.id, p.product.id));
    expect(product?.stockQuantity).toBe(3);
    const [discount] = await t.db.select().from(discounts).where(eq(discounts.id, d.id));
    expect(discount?.currentUses).toBe(1);
    const usages = await t.db.select().from(discountUsages).where(eq(discountUsages.discountId, d.id));
    expect(usages).toMatchObject([{ userId: buyer.id, orderId: order.id, amountSaved: 600 }]);
    const [item] = await t.db.select().from(orderItems).where(eq(orderItems.orderId, order.id));
    expect(item?.accessExpiresAt?.getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    const mail = await t.db
      .select()
      .from(emailLogs)
      .where(and(eq(emailLogs.entityId, order.id)));
    expect(mail).toMatchObject([{ to: buyer.email, template: 'order-receipt' }]);
    expect(mail[0]?.subject).toContain(order.orderNumber);
    // Confirming again changes nothing.
    expect((await refusal(confirmLocalPayment(t.db, buyer.actor, order.id, false))).message).toMatch(
      /not waiting for payment/,
    );
    expect((await t.db.select().from(discounts).where(eq(discounts.id, d.id)))[0]?.currentUses).toBe(1);
  });

  it('only the buyer confirms, only in local mode, and only inside the reservation', async () => {
    const buyer = await createUser(t.db);
    const stranger = await createUser(t.db);
    const p = await createPublishedProduct(t.db);
    const order = await placeOrder(t.db, buyer.actor, cartOf({ price: p.price }), {});
    expect((await refusal(confirmLocalPayment(t.db, stranger.actor, order.id, false))).message).toBe(
      'There is no such order.',
    );
    expect((await refusal(confirmLocalPayment(t.db, buyer.actor, order.id, true))).message).toMatch(
      /no such order/,
    );
    await t.db.execute(
      sql`UPDATE orders SET metadata = metadata || '{"reservedUntil":"2000-01-01T00:00:00Z"}'::jsonb WHERE id = ${order.id}`,
    );
    expect((await refusal(confirmLocalPayment(t.db, buyer.actor, order.id, false))).message).toMatch(
      /expired unpaid/,
    );
    expect((await reloadOrder(t.db, order.id)).status).toBe('PENDING');
  });
});

describe('inventory', () => {
  it('open checkouts hold stock: a second buyer sees what is left, and sold out says so', async () => {
    const p = await createPublishedProduct(t.db, { trackInventory: true, stockQuantity: 2 });
    const [a, b] = [await createUser(t.db), await createUser(t.db)];
    await placeOrder(t.db, a.actor, cartOf({ price: p.price }), {});
    expect(
      (await refusal(placeOrder(t.db, b.actor, cartOf({ price: p.price, quantity: 2 }), {}))).message,
    ).toContain(`Only 1 of ${p.product.name} left: the quantity was lowered from 2 to 1.`);
    await placeOrder(t.db, b.actor, cartOf({ price: p.price }), {});
    expect((await refusal(placeOrder(t.db, b.actor, cartOf({ price: p.price }), {}))).message).toContain(
      `${p.product.name} sold out since you added it and was removed from your cart.`,
    );
  });
});

describe('plan products (SPEC §4: OWNER or ADMIN of the organization)', () => {
  async function planProduct() {
    const [monthly] = await t.db.select().from(plans).where(eq(plans.key, 'monthly'));
    return createPublishedProduct(t.db, {
      type: 'SUBSCRIPTION',
      planId: monthly!.id,
      basePrice: monthly!.price,
    });
  }
  const planOf = async (organizationId: string) =>
    (
      await t.db
        .select({ key: plans.key })
        .from(subscriptions)
        .innerJoin(plans, eq(plans.id, subscriptions.planId))
        .where(eq(subscriptions.organizationId, organizationId))
    )[0]?.key;

  it('an owner buys it and the organization’s plan changes through changePlan on payment', async () => {
    const { organization, owner } = await createOrg(t.db);
    const p = await planProduct();
    const order = await placeOrder(t.db, owner.actor, cartOf({ price: p.price }), {
      organizationId: organization.id,
    });
    expect(order.organizationId).toBe(organization.id);
    expect(await planOf(organization.id)).toBe('free');
    await confirmLocalPayment(t.db, owner.actor, order.id, false);
    expect(await planOf(organization.id)).toBe('monthly');
    expect((await reloadOrder(t.db, order.id)).status).toBe('COMPLETED');
  });

  it('a MEMBER is refused at checkout; no organization or a foreign one is refused too', async () => {
    const { organization } = await createOrg(t.db);
    const member = await addMember(t.db, organization.id, 'MEMBER');
    const p = await planProduct();
    const err = await refusal(
      placeOrder(t.db, member.actor, cartOf({ price: p.price }), { organizationId: organization.id }),
    );
    expect(err).toBeInstanceOf(Forbidden);
    expect(err.message).toMatch(/Only an owner or admin of .* can buy a plan for it; you are a member/);
    expect((await refusal(placeOrder(t.db, member.actor, cartOf({ price: p.price }), {}))).message).toMatch(
      /Choose the organization/,
    );
    const stranger = await createOrg(t.db);
    expect(
      (
        await refusal(
          placeOrder(t.db, member.actor, cartOf({ price: p.price }), {
            organizationId: stranger.organization.id,
          }),
        )
      ).message,
    ).toMatch(/Choose one of your organizations/);
    expect(await planOf(organization.id)).toBe('free');
  });

  it('an admin demoted between checkout and payment: paid, plan unchanged, held for staff', async () => {
    const { organization } = await createOrg(t.db);
    const admin = await addMember(t.db, organization.id, 'ADMIN');
    const p = await planProduct();
    const order = await placeOrder(t.db, admin.actor, cartOf({ price: p.price }), {
      organizationId: organization.id,
    });
    await t.db
      .update(organizationMembers)
      .set({ role: 'MEMBER' })
      .where(eq(organizationMembers.id, admin.memberId));
    const { outcome } = await confirmLocalPayment(t.db, admin.actor, order.id, false);
    expect(outcome.note).toMatch(/plan was not changed: Only an owner or admin/);
    const held = await reloadOrder(t.db, order.id);
    expect(held).toMatchObject({ status: 'PROCESSING', paymentStatus: 'SUCCEEDED' });
    expect(held.internalNotes).toMatch(/plan was not changed/);
    expect(await planOf(organization.id)).toBe('free');
  });
});

describe('concurrency (two real transactions)', () => {
  let second: Connection | undefined;
  beforeAll(() => {
    if (t.url) second = connectPostgres(t.url, { max: 2 });
  });
  afterAll(async () => {
    await second?.close();
  });

  itConcurrent(
    'two buyers racing for the last use of a code: one order takes it, the other is told it is used up',
    async () => {
      for (let round = 0; round < 5; round++) {
        const p = await createPublishedProduct(t.db);
        const d = await createDiscount({ maxUses: 1 });
        const [a, b] = [await createUser(t.db), await createUser(t.db)];
        const results = await Promise.allSettled([
          placeOrder(t.db, a.actor, cartOf({ price: p.price }), { code: d.code }),
          placeOrder(second!.db, b.actor, cartOf({ price: p.price }), { code: d.code }),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        expect(String(refused.reason.message)).toMatch(/used up/);
        const winner = (
          results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{
            id: string;
            userId: string;
          }>
        ).value;
        const buyer = winner.userId === a.id ? a : b;
        await confirmLocalPayment(t.db, buyer.actor, winner.id, false);
        const [row] = await t.db.select().from(discounts).where(eq(discounts.id, d.id));
        expect(row?.currentUses).toBe(1);
      }
    },
  );

  itConcurrent(
    'two buyers racing for the last item: one order holds it, the other hears it is sold out',
    async () => {
      for (let round = 0; round < 5; round++) {
        const p = await createPublishedProduct(t.db, { trackInventory: true, stockQuantity: 1 });
        const [a, b] = [await createUser(t.db), await createUser(t.db)];
        const results = await Promise.allSettled([
          placeOrder(t.db, a.actor, cartOf({ price: p.price }), {}),
          placeOrder(second!.db, b.actor, cartOf({ price: p.price }), {}),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        expect(refused.reason).toBeInstanceOf(Conflict);
        // Under the product lock ("is sold out"), or, when the winner committed first, already in the cart check.
        expect(refused.reason.message).toMatch(new RegExp(`${p.product.name} (is )?sold out`));
        const winner = (
          results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{
            id: string;
            userId: string;
          }>
        ).value;
        await confirmLocalPayment(t.db, winner.userId === a.id ? a.actor : b.actor, winner.id, false);
        const [row] = await t.db.select().from(products).where(eq(products.id, p.product.id));
        expect(row?.stockQuantity).toBe(0);
      }
    },
  );
});
