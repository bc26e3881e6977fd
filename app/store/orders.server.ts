// A buyer's orders (issue 13 §3): /account/orders and /account/orders/:orderNumber. Only the buyer sees an
// order; anyone else's, or an unknown number, is "not found" (SPEC §7).
import { and, asc, desc, eq } from 'drizzle-orm';
import { NotFound } from '~/lib/errors';
import type { Database } from '~db/client.server';
import { orderItems, orders, organizations, prices, products } from '~db/schema';

export async function listOrders(db: Database, userId: string) {
  return db
    .select({
      id: orders.id,
      orderNumber: orders.orderNumber,
      status: orders.status,
      paymentStatus: orders.paymentStatus,
      totalAmount: orders.totalAmount,
      currency: orders.currency,
      createdAt: orders.createdAt,
    })
    .from(orders)
    .where(eq(orders.userId, userId))
    .orderBy(desc(orders.createdAt), desc(orders.id))
    .limit(200);
}

export async function orderForBuyer(db: Database, userId: string, orderNumber: string) {
  if (!/^ORD-[A-Z0-9-]{1,40}$/.test(orderNumber)) throw new NotFound('There is no such order.');
  const [row] = await db
    .select({ order: orders, organization: { name: organizations.name, slug: organizations.slug } })
    .from(orders)
    .leftJoin(organizations, eq(organizations.id, orders.organizationId))
    .where(and(eq(orders.orderNumber, orderNumber), eq(orders.userId, userId)));
  if (!row) throw new NotFound('There is no such order.');
  const items = await db
    .select({
      id: orderItems.id,
      quantity: orderItems.quantity,
      unitPrice: orderItems.unitPrice,
      totalPrice: orderItems.totalPrice,
      accessExpiresAt: orderItems.accessExpiresAt,
      downloadCount: orderItems.downloadCount,
      productName: products.name,
      productSlug: products.slug,
      productType: products.type,
      priceNickname: prices.nickname,
    })
    .from(orderItems)
    .innerJoin(products, eq(products.id, orderItems.productId))
    .innerJoin(prices, eq(prices.id, orderItems.priceId))
    .where(eq(orderItems.orderId, row.order.id))
    .orderBy(asc(orderItems.createdAt), asc(orderItems.id));
  const meta = (row.order.metadata ?? {}) as { discountCode?: string; reservedUntil?: string };
  const { internalNotes: _staffOnly, ...order } = row.order;
  return {
    order,
    organization: row.organization,
    items,
    discountCode: meta.discountCode ?? null,
    reservedUntil: meta.reservedUntil ?? null,
  };
}
