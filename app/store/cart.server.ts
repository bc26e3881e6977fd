// The cart (issue 13 §2, fixed contract): kept in a signed cookie, so it works signed out and without
// JavaScript, and holds only what the buyer chose: price ids, quantities, and the unit amount each line
// showed when it was added. Prices and stock are always read again from the database; a line whose price
// or stock changed since is explained on /cart (and checkout refuses a stale price until it was seen).
import { createCookie } from '@remix-run/node';
import { z } from 'zod';
import { env, secret } from '~/env.server';
import { cookieName, readCookie, secureCookies } from '~/lib/cookies';
import { ValidationFailed } from '~/lib/errors';
import type { Database } from '~db/client.server';
import { availableStock, purchasablePrices } from './catalog.server';
import { formatMoney, MAX_QUANTITY } from './format';

export const MAX_LINES = 30;

const lineShape = z.object({
  priceId: z.string().min(1).max(64),
  quantity: z.number().int().min(1).max(MAX_QUANTITY),
  /** The unit amount (cents) the buyer saw when adding or last reviewing the line. */
  seen: z.number().int().min(0),
});
const cartShape = z.object({ v: z.literal(1), lines: z.array(lineShape).max(MAX_LINES) });

export type CartLine = z.infer<typeof lineShape>;
export type Cart = z.infer<typeof cartShape>;

export const emptyCart = (): Cart => ({ v: 1, lines: [] });

let cookie: ReturnType<typeof createCookie> | undefined;
function cartCookie() {
  cookie ??= createCookie(cookieName('cart', env().APP_URL), {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: secureCookies(env().APP_URL, env().NODE_ENV),
    secrets: [secret('SESSION_SECRET')],
    maxAge: 30 * 86_400,
  });
  return cookie;
}

/** The request's cart; a missing, forged or unreadable cookie is an empty cart. */
export async function readCart(request: Request): Promise<Cart> {
  const name = cookieName('cart', env().APP_URL);
  const value = readCookie(request, name);
  if (!value) return emptyCart();
  try {
    const parsed = cartShape.safeParse(await cartCookie().parse(`${name}=${encodeURIComponent(value)}`));
    return parsed.success ? parsed.data : emptyCart();
  } catch {
    return emptyCart();
  }
}

export const cartSetCookie = (cart: Cart) => cartCookie().serialize(cart);

export const cartFormSchema = z
  .object({
    intent: z.enum(['add', 'update', 'remove'], { errorMap: () => ({ message: 'Unknown cart action.' }) }),
    priceId: z
      .string({ required_error: 'Choose a price.' })
      .trim()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'Choose a price.'),
    quantity: z.coerce
      .number({ invalid_type_error: 'Enter a quantity.' })
      .int('Enter a whole number.')
      .max(MAX_QUANTITY, `At most ${MAX_QUANTITY} of one item.`)
      .optional(),
  })
  .superRefine((v, ctx) => {
    if (v.intent === 'remove') return;
    if (v.quantity === undefined)
      ctx.addIssue({ code: 'custom', path: ['quantity'], message: 'Enter a quantity.' });
    else if (v.quantity < 1)
      ctx.addIssue({
        code: 'custom',
        path: ['quantity'],
        message:
          v.intent === 'update'
            ? 'The quantity must be at least 1. Use Remove to take the item out of the cart.'
            : 'The quantity must be at least 1.',
      });
  });
export type CartInput = z.infer<typeof cartFormSchema>;

const refuse = (message: string): never => {
  throw new ValidationFailed(message, { quantity: [message] });
};

/** The cart after one POST /cart (add, update, remove), checked against the live price and stock. */
export async function changeCart(
  db: Database,
  cart: Cart,
  input: CartInput,
): Promise<{ cart: Cart; message: string }> {
  const existing = cart.lines.find((l) => l.priceId === input.priceId);
  if (input.intent === 'remove') {
    if (!existing) return { cart, message: 'That item is not in your cart.' };
    return {
      cart: { ...cart, lines: cart.lines.filter((l) => l !== existing) },
      message: 'Removed from your cart.',
    };
  }
  const [row] = await purchasablePrices(db, [input.priceId]);
  if (!row?.price.isActive || row.product.status !== 'PUBLISHED' || row.product.deletedAt)
    throw new ValidationFailed('This item is not for sale.', { priceId: ['This item is not for sale.'] });
  const quantity =
    input.intent === 'add' ? (existing?.quantity ?? 0) + (input.quantity ?? 1) : (input.quantity ?? 1);
  if (quantity > MAX_QUANTITY) refuse(`At most ${MAX_QUANTITY} of one item.`);
  if (row.product.type === 'SUBSCRIPTION' && quantity > 1) refuse('A plan is bought one at a time.');
  if (row.product.trackInventory) {
    const available = await availableStock(db, row.product.id);
    if (available <= 0) refuse(`${row.product.name} is sold out.`);
    if (quantity > available)
      refuse(
        `Only ${available} of ${row.product.name} left${existing ? ` (${existing.quantity} in your cart)` : ''}.`,
      );
  }
  if (!existing && cart.lines.length >= MAX_LINES)
    refuse(`A cart holds at most ${MAX_LINES} different items.`);
  const line: CartLine = { priceId: row.price.id, quantity, seen: row.price.unitAmount };
  const lines = existing ? cart.lines.map((l) => (l === existing ? line : l)) : [...cart.lines, line];
  return {
    cart: { ...cart, lines },
    message: input.intent === 'add' ? `${row.product.name} is in your cart.` : 'Quantity updated.',
  };
}

export interface CartView {
  lines: {
    priceId: string;
    productId: string;
    productName: string;
    slug: string;
    type: string;
    nickname: string | null;
    quantity: number;
    unitAmount: number;
    total: number;
    currency: string;
    recurring: unknown;
    taxRate: string | null;
    planId: string | null;
  }[];
  subtotal: number;
  currency: string;
  /** What changed since the lines were added, in words. */
  notices: string[];
  /** The cart with every change acknowledged (the cookie to set once the buyer has seen the notices). */
  reviewed: Cart;
  /** Whether `reviewed` differs from the cart read. */
  changed: boolean;
}

/** The cart priced now: unavailable lines dropped, quantities capped at the stock, price changes named. */
export async function viewCart(db: Database, cart: Cart): Promise<CartView> {
  const rows = await purchasablePrices(
    db,
    cart.lines.map((l) => l.priceId),
  );
  const byId = new Map(rows.map((r) => [r.price.id, r]));
  const notices: string[] = [];
  const lines: CartView['lines'] = [];
  const reviewed: CartLine[] = [];
  for (const line of cart.lines) {
    const row = byId.get(line.priceId);
    if (!row?.price.isActive || row.product.status !== 'PUBLISHED' || row.product.deletedAt) {
      notices.push(`${row?.product.name ?? 'An item'} is no longer for sale and was removed from your cart.`);
      continue;
    }
    const { price, product } = row;
    let quantity = line.quantity;
    if (product.trackInventory) {
      const available = await availableStock(db, product.id);
      if (available <= 0) {
        notices.push(`${product.name} sold out since you added it and was removed from your cart.`);
        continue;
      }
      if (quantity > available) {
        notices.push(
          `Only ${available} of ${product.name} left: the quantity was lowered from ${quantity} to ${available}.`,
        );
        quantity = available;
      }
    }
    if (price.unitAmount !== line.seen)
      notices.push(
        `The price of ${product.name} changed from ${formatMoney(line.seen, price.currency)} to ${formatMoney(price.unitAmount, price.currency)} since you added it.`,
      );
    reviewed.push({ priceId: price.id, quantity, seen: price.unitAmount });
    lines.push({
      priceId: price.id,
      productId: product.id,
      productName: product.name,
      slug: product.slug,
      type: product.type,
      nickname: price.nickname,
      quantity,
      unitAmount: price.unitAmount,
      total: quantity * price.unitAmount,
      currency: price.currency,
      recurring: price.recurring,
      taxRate: product.taxRate,
      planId: product.planId,
    });
  }
  const currency = lines[0]?.currency ?? 'USD';
  if (lines.some((l) => l.currency !== currency))
    notices.push('Items in different currencies cannot be paid together: check out one currency at a time.');
  return {
    lines,
    subtotal: lines.reduce((a, l) => a + l.total, 0),
    currency,
    notices,
    reviewed: { v: 1, lines: reviewed },
    changed: notices.length > 0,
  };
}
