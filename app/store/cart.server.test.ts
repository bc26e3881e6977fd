// The cart's rules against live prices and stock: adding beyond the stock or to a sold-out product is
// refused with the number left, a plan is bought one at a time, and /cart's view caps, drops and explains.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { ValidationFailed } from '~/lib/errors';
import { createUser } from '~/orgs/test-support';
import { prices, products } from '~db/schema';
import { useTestDatabase } from '../../tests/support/db';
import { type Cart, changeCart, emptyCart, viewCart } from './cart.server';
import { placeOrder } from './checkout.server';
import { createPublishedProduct } from './test-support';

const t = useTestDatabase();

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: ValidationFailed) => {
      expect(e).toBeInstanceOf(ValidationFailed);
      return e.fieldErrors?.quantity?.[0] ?? e.message;
    },
  );

describe('changing the cart', () => {
  it('adds, adds more, updates and removes', async () => {
    const p = await createPublishedProduct(t.db, { basePrice: 700 });
    let cart: Cart = emptyCart();
    ({ cart } = await changeCart(t.db, cart, { intent: 'add', priceId: p.price.id, quantity: 2 }));
    ({ cart } = await changeCart(t.db, cart, { intent: 'add', priceId: p.price.id, quantity: 1 }));
    expect(cart.lines).toEqual([{ priceId: p.price.id, quantity: 3, seen: 700 }]);
    ({ cart } = await changeCart(t.db, cart, { intent: 'update', priceId: p.price.id, quantity: 5 }));
    expect(cart.lines[0]?.quantity).toBe(5);
    const removed = await changeCart(t.db, cart, { intent: 'remove', priceId: p.price.id });
    expect(removed).toEqual({ cart: emptyCart(), message: 'Removed from your cart.' });
  });

  it('refuses more than the stock (counting what open checkouts hold), a sold-out product, a second plan', async () => {
    const p = await createPublishedProduct(t.db, { trackInventory: true, stockQuantity: 3 });
    const { cart } = await changeCart(t.db, emptyCart(), { intent: 'add', priceId: p.price.id, quantity: 2 });
    expect(await refusal(changeCart(t.db, cart, { intent: 'add', priceId: p.price.id, quantity: 2 }))).toBe(
      `Only 3 of ${p.product.name} left (2 in your cart).`,
    );
    const someone = await createUser(t.db);
    await placeOrder(
      t.db,
      someone.actor,
      { v: 1, lines: [{ priceId: p.price.id, quantity: 3, seen: 1000 }] },
      {},
    );
    expect(
      await refusal(changeCart(t.db, emptyCart(), { intent: 'add', priceId: p.price.id, quantity: 1 })),
    ).toBe(`${p.product.name} is sold out.`);
    const plan = await createPublishedProduct(t.db, { type: 'SUBSCRIPTION' });
    expect(
      await refusal(changeCart(t.db, emptyCart(), { intent: 'add', priceId: plan.price.id, quantity: 2 })),
    ).toBe('A plan is bought one at a time.');
  });

  it('refuses an inactive price and a product that is not published', async () => {
    const p = await createPublishedProduct(t.db);
    await t.db.update(prices).set({ isActive: false }).where(eq(prices.id, p.price.id));
    expect(
      await refusal(changeCart(t.db, emptyCart(), { intent: 'add', priceId: p.price.id, quantity: 1 })),
    ).toBe('This item is not for sale.');
  });
});

describe('viewing the cart', () => {
  it('caps a quantity at the stock, drops what is gone, and says so', async () => {
    const low = await createPublishedProduct(t.db, { trackInventory: true, stockQuantity: 5 });
    const gone = await createPublishedProduct(t.db);
    const cart: Cart = {
      v: 1,
      lines: [
        { priceId: low.price.id, quantity: 4, seen: 1000 },
        { priceId: gone.price.id, quantity: 1, seen: 1000 },
      ],
    };
    await t.db.update(products).set({ stockQuantity: 2 }).where(eq(products.id, low.product.id));
    await t.db.update(products).set({ deletedAt: new Date() }).where(eq(products.id, gone.product.id));
    const view = await viewCart(t.db, cart);
    expect(view.notices).toEqual([
      `Only 2 of ${low.product.name} left: the quantity was lowered from 4 to 2.`,
      `${gone.product.name} is no longer for sale and was removed from your cart.`,
    ]);
    expect(view.reviewed.lines).toEqual([{ priceId: low.price.id, quantity: 2, seen: 1000 }]);
    expect(view.subtotal).toBe(2000);
  });
});
