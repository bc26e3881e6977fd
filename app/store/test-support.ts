// Store factories for tests (Store A and Store B): a published product with a price, and a completed
// (paid) order of it for a user. Straight to the tables: this is setup, not the behaviour under test.
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Database } from '~db/client.server';
import { orderItems, orders, prices, products } from '~db/schema';

const uid = () => randomBytes(5).toString('hex');

type ProductRow = typeof products.$inferSelect;
type PriceRow = typeof prices.$inferSelect;
type OrderRow = typeof orders.$inferSelect;
type OrderItemRow = typeof orderItems.$inferSelect;

export interface ProductOptions extends Partial<Omit<typeof products.$inferInsert, 'id'>> {
  /** The price's unit amount in cents (default: basePrice, else 1000). */
  unitAmount?: number;
  /** A recurring price ({ interval: 'month' }) instead of a one-time one. */
  recurring?: { interval: 'month' | 'year' } | null;
}

/** A PUBLISHED product with one active price. Any product column can be overridden. */
export async function createPublishedProduct(
  db: Database,
  options: ProductOptions = {},
): Promise<{ product: ProductRow; price: PriceRow }> {
  const { unitAmount, recurring, ...columns } = options;
  const slug = columns.slug ?? `product-${uid()}`;
  const amount = unitAmount ?? columns.basePrice ?? 1000;
  const [product] = await db
    .insert(products)
    .values({
      name: `Product ${slug}`,
      description: 'A product made for the test suite.',
      shortDescription: 'A test product',
      type: 'DIGITAL_DOWNLOAD',
      basePrice: amount,
      tags: [],
      status: 'PUBLISHED',
      publishedAt: new Date(),
      ...columns,
      slug,
    })
    .returning();
  if (!product) throw new Error('no product');
  const [price] = await db
    .insert(prices)
    .values({
      productId: product.id,
      stripePriceId: `local_${uid()}`,
      unitAmount: amount,
      currency: product.currency,
      type: recurring ? 'RECURRING' : 'ONE_TIME',
      recurring: recurring ?? null,
      nickname: recurring ? `Every ${recurring.interval}` : null,
    })
    .returning();
  if (!price) throw new Error('no price');
  return { product, price };
}

/**
 * A COMPLETED, paid (SUCCEEDED) order of `quantity` × the product's price for `userId`, with a number
 * ORD-TEST-xxxxxxxxxx (outside the gapless yearly series). Creates a product when none is given.
 */
export async function createCompletedOrder(
  db: Database,
  userId: string,
  options: {
    product?: { product: ProductRow; price: PriceRow };
    quantity?: number;
    organizationId?: string | null;
    completedAt?: Date;
  } = {},
): Promise<{ order: OrderRow; item: OrderItemRow; product: ProductRow; price: PriceRow }> {
  const { product, price } = options.product ?? (await createPublishedProduct(db));
  const quantity = options.quantity ?? 1;
  const subtotal = quantity * price.unitAmount;
  const completedAt = options.completedAt ?? new Date();
  const [order] = await db
    .insert(orders)
    .values({
      userId,
      organizationId: options.organizationId ?? null,
      orderNumber: `ORD-TEST-${uid()}`,
      status: 'COMPLETED',
      paymentStatus: 'SUCCEEDED',
      paymentMethod: 'local',
      currency: price.currency,
      subtotal,
      totalAmount: subtotal,
      billingAddress: {},
      completedAt,
    })
    .returning();
  if (!order) throw new Error('no order');
  const [item] = await db
    .insert(orderItems)
    .values({
      orderId: order.id,
      productId: product.id,
      priceId: price.id,
      quantity,
      unitPrice: price.unitAmount,
      totalPrice: subtotal,
      accessExpiresAt: product.accessDuration
        ? new Date(completedAt.getTime() + product.accessDuration * 86_400_000)
        : null,
    })
    .returning();
  if (!item) throw new Error('no order item');
  return { order, item, product, price };
}

/** The order row as it is now (tests re-read after a webhook). */
export async function reloadOrder(db: Database, orderId: string): Promise<OrderRow> {
  const [row] = await db.select().from(orders).where(eq(orders.id, orderId));
  if (!row) throw new Error(`no order ${orderId}`);
  return row;
}
