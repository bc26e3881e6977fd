// The store's routes as a browser without JavaScript drives them: /store and its filters, /store/:slug
// (404 for drafts, archived and deleted products), POST /cart (signed cookie, refusals with messages),
// /cart's explanations, POST /checkout (sign-in first, 303 to the local confirmation), the order pages
// (buyer only).
import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { cookieFor, createUser, type TestUser } from '~/orgs/test-support';
import * as accountOrders from '~/routes/account.orders._index/route';
import * as accountOrder from '~/routes/account.orders.$orderNumber/route';
import * as cartRoute from '~/routes/cart/route';
import * as checkoutRoute from '~/routes/checkout/route';
import * as localConfirm from '~/routes/checkout_.local.$orderId/route';
import * as storeRoute from '~/routes/store._index/route';
import * as productRoute from '~/routes/store.$slug/route';
import { productCategories, productCategoryLinks, products } from '~db/schema';
import { useAppTestDatabase } from '../../tests/support/db';
import { getPage, postForm, runRoute } from '../../tests/support/routes';
import { createPublishedProduct, reloadOrder } from './test-support';

const t = useAppTestDatabase();

type Fn = (args: never) => unknown;
/** The raw Response (a thrown one too) or the data() of a loader/action. */
async function call(fn: Fn | undefined, request: Request, params: Record<string, string> = {}) {
  try {
    const r = await (fn as (a: unknown) => Promise<unknown>)({ request, params, context: {} });
    if (r instanceof Response) return { status: r.status, headers: r.headers, data: undefined as unknown };
    const d = r as { data: unknown; init: ResponseInit | null };
    return { status: d.init?.status ?? 200, headers: new Headers(d.init?.headers), data: d.data };
  } catch (e) {
    if (e instanceof Response) return { status: e.status, headers: e.headers, data: await e.text() };
    throw e;
  }
}
const cookieOf = (headers: Headers) =>
  headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .filter((c) => c?.startsWith('cart='))
    .join('; ');
const withCookies = (...cookies: (string | undefined)[]) => cookies.filter(Boolean).join('; ');

describe('/store', () => {
  const tag = `tag${Date.now()}`;
  let featured: Awaited<ReturnType<typeof createPublishedProduct>>;
  beforeAll(async () => {
    featured = await createPublishedProduct(t.db, {
      name: 'Aurora Field Guide',
      shortDescription: 'Photographing the northern lights',
      tags: [tag],
      featured: true,
      basePrice: 4900,
      type: 'DIGITAL_DOWNLOAD',
    });
    await createPublishedProduct(t.db, { name: 'Draft thing', status: 'DRAFT', tags: [tag] });
    await createPublishedProduct(t.db, { name: 'Archived thing', status: 'ARCHIVED', tags: [tag] });
    await createPublishedProduct(t.db, { name: 'Deleted thing', deletedAt: new Date(), tags: [tag] });
    await createPublishedProduct(t.db, {
      name: 'Cheap sticker',
      tags: [tag],
      basePrice: 300,
      type: 'ONE_TIME',
    });
  });
  const list = async (query: string) => {
    const r = await call(storeRoute.loader, getPage(`/store?${query}`));
    return r.data as { products: { name: string }[]; total: number; invalid: string[] };
  };

  it('lists only published products, featured first, and searches name, tags and short description', async () => {
    const found = await list(`q=${tag}`);
    expect(found.products.map((p) => p.name)).toEqual(['Aurora Field Guide', 'Cheap sticker']);
    expect((await list('q=northern+lights')).products.map((p) => p.name)).toContain('Aurora Field Guide');
    expect((await list('q=photograph')).products.map((p) => p.name)).toContain('Aurora Field Guide'); // stemmed
    expect((await list('q=draft+thing')).total).toBe(0);
  });

  it('filters by type, price and category (with sub-categories); junk filters are ignored, not errors', async () => {
    expect((await list(`q=${tag}&type=ONE_TIME`)).products.map((p) => p.name)).toEqual(['Cheap sticker']);
    expect((await list(`q=${tag}&minPrice=10`)).products.map((p) => p.name)).toEqual(['Aurora Field Guide']);
    expect((await list(`q=${tag}&maxPrice=3.00`)).products.map((p) => p.name)).toEqual(['Cheap sticker']);
    const [parent] = await t.db
      .insert(productCategories)
      .values({ name: 'Guides', slug: `guides-${tag}` })
      .returning();
    const [child] = await t.db
      .insert(productCategories)
      .values({ name: 'Photo', slug: `photo-${tag}`, parentId: parent!.id })
      .returning();
    await t.db.insert(productCategoryLinks).values({ productId: featured.product.id, categoryId: child!.id });
    expect((await list(`category=guides-${tag}`)).products.map((p) => p.name)).toEqual([
      'Aurora Field Guide',
    ]);
    const junk = await list(`q=${tag}&minPrice=abc&type=NOPE&page=-4&category=%00`);
    expect(junk.invalid).toEqual(['minPrice']);
    expect(junk.total).toBe(2);
    const long = await call(
      storeRoute.loader,
      getPage(`/store?q=${'x'.repeat(900)}&maxPrice=${'9'.repeat(40)}`),
    );
    expect(long.status).toBe(200);
    expect((long.data as { invalid: string[] }).invalid).toEqual(['maxPrice']);
  });

  it('pages by 12', async () => {
    const pageTag = `page${Date.now()}`;
    for (let i = 0; i < 14; i++) await createPublishedProduct(t.db, { tags: [pageTag] });
    const first = (await call(storeRoute.loader, getPage(`/store?q=${pageTag}`))).data as {
      products: unknown[];
      pageCount: number;
    };
    const second = (await call(storeRoute.loader, getPage(`/store?q=${pageTag}&page=2`))).data as {
      products: unknown[];
    };
    expect([first.products.length, first.pageCount, second.products.length]).toEqual([12, 2, 2]);
  });
});

describe('/store/:slug', () => {
  it('shows prices, tax, stock and JSON-LD for a published product; 404 for draft, archived, deleted, junk', async () => {
    const p = await createPublishedProduct(t.db, {
      taxRate: '0.0825',
      trackInventory: true,
      stockQuantity: 3,
      lowStockThreshold: 5,
    });
    const page = await call(productRoute.loader, getPage(`/store/${p.product.slug}`), {
      slug: p.product.slug,
    });
    const d = page.data as { stock: { label?: string }; jsonLd: string; prices: { unitAmount: number }[] };
    expect(page.status).toBe(200);
    expect(d.stock.label).toBe('3 left');
    expect(d.prices.map((x) => x.unitAmount)).toEqual([1000]);
    const ld = JSON.parse(d.jsonLd);
    expect(ld).toMatchObject({
      '@type': 'Product',
      name: p.product.name,
      offers: [{ price: '10.00', priceCurrency: 'USD' }],
    });
    for (const values of [
      { status: 'DRAFT' as const },
      { status: 'ARCHIVED' as const },
      { deletedAt: new Date() },
    ]) {
      const hidden = await createPublishedProduct(t.db, values);
      const r = await call(productRoute.loader, getPage(`/store/${hidden.product.slug}`), {
        slug: hidden.product.slug,
      });
      expect(r.status).toBe(404);
    }
    expect((await call(productRoute.loader, getPage('/store/%00'), { slug: '\u0000' })).status).toBe(404);
  });

  it('sold out says so', async () => {
    const p = await createPublishedProduct(t.db, { trackInventory: true, stockQuantity: 0 });
    const d = (await call(productRoute.loader, getPage(`/store/${p.product.slug}`), { slug: p.product.slug }))
      .data as {
      stock: { label?: string };
    };
    expect(d.stock.label).toBe('Sold out');
  });
});

describe('POST /cart and /cart', () => {
  it('adds with a signed cookie (303 to /cart), signed out; a forged cookie is an empty cart', async () => {
    const p = await createPublishedProduct(t.db, { basePrice: 1500 });
    const added = await call(
      cartRoute.action,
      postForm('/cart', undefined, { intent: 'add', priceId: p.price.id, quantity: '2' }),
    );
    expect(added.status).toBe(303);
    expect(added.headers.get('Location')).toBe('/cart');
    const cookie = cookieOf(added.headers);
    expect(cookie).toMatch(/^cart=/);
    const view = (await call(cartRoute.loader, getPage('/cart', cookie))).data as {
      lines: { quantity: number; total: number }[];
    };
    expect(view.lines).toMatchObject([{ quantity: 2, total: 3000 }]);
    const forged = `cart=${Buffer.from(JSON.stringify({ v: 1, lines: [{ priceId: p.price.id, quantity: 5, seen: 1 }] })).toString('base64')}`;
    expect(
      ((await call(cartRoute.loader, getPage('/cart', forged))).data as { lines: unknown[] }).lines,
    ).toEqual([]);
  });

  it('refuses zero, negative, too many, junk ids and unknown intents with a message (400)', async () => {
    const p = await createPublishedProduct(t.db);
    for (const [form, message] of [
      [{ intent: 'add', priceId: p.price.id, quantity: '0' }, 'The quantity must be at least 1.'],
      [{ intent: 'add', priceId: p.price.id, quantity: '-3' }, 'The quantity must be at least 1.'],
      [{ intent: 'update', priceId: p.price.id, quantity: '0' }, /Use Remove/],
      [{ intent: 'add', priceId: p.price.id, quantity: '1000' }, 'At most 99 of one item.'],
      [{ intent: 'add', priceId: p.price.id, quantity: 'lots' }, 'Enter a quantity.'],
      [{ intent: 'add', priceId: '../../etc', quantity: '1' }, 'Choose a price.'],
      [{ intent: 'steal', priceId: p.price.id, quantity: '1' }, 'Unknown cart action.'],
      [{ intent: 'add', priceId: 'cnosuchprice', quantity: '1' }, 'This item is not for sale.'],
    ] as [Record<string, string>, string | RegExp][]) {
      const r = await call(cartRoute.action, postForm('/cart', undefined, form));
      expect(r.status).toBe(400);
      expect((r.data as { error: string }).error).toMatch(message);
    }
  });

  it('explains a price changed since the line was added, and seeing it acknowledges it', async () => {
    const p = await createPublishedProduct(t.db, { basePrice: 1000 });
    const added = await call(
      cartRoute.action,
      postForm('/cart', undefined, { intent: 'add', priceId: p.price.id, quantity: '1' }),
    );
    await t.db.execute(sql`UPDATE prices SET unit_amount = 1200 WHERE id = ${p.price.id}`);
    const seen = await call(cartRoute.loader, getPage('/cart', cookieOf(added.headers)));
    expect((seen.data as { notices: string[] }).notices).toEqual([
      `The price of ${p.product.name} changed from $10.00 to $12.00 since you added it.`,
    ]);
    const after = await call(cartRoute.loader, getPage('/cart', cookieOf(seen.headers)));
    expect((after.data as { notices: string[] }).notices).toEqual([]);
  });

  it('the in-place answer (JavaScript) is data with the cookie, not a redirect', async () => {
    const p = await createPublishedProduct(t.db);
    const r = await call(
      cartRoute.action,
      postForm('/cart', undefined, { intent: 'add', priceId: p.price.id, quantity: '1', inPlace: '1' }),
    );
    expect(r.status).toBe(200);
    expect(r.data).toMatchObject({ ok: true, message: `${p.product.name} is in your cart.` });
    expect(cookieOf(r.headers)).toMatch(/^cart=/);
  });
});

describe('POST /checkout and the order pages', () => {
  let buyer: TestUser;
  let session: string;
  beforeAll(async () => {
    buyer = await createUser(t.db);
    session = await cookieFor(t.db, buyer.id);
  });

  it('a visitor is sent to sign in and back to /checkout', async () => {
    const r = await runRoute(checkoutRoute.action, postForm('/checkout', undefined, {}), {});
    expect(r.status).toBe(302);
    expect(r.location).toBe('/login?redirectTo=%2Fcheckout');
  });

  it('places the order and answers 303 to the local confirmation; confirming shows the paid order to its buyer only', async () => {
    const p = await createPublishedProduct(t.db, { basePrice: 2000, trackInventory: true, stockQuantity: 4 });
    const added = await call(
      cartRoute.action,
      postForm('/cart', undefined, { intent: 'add', priceId: p.price.id, quantity: '1' }),
    );
    const cookies = withCookies(session, cookieOf(added.headers));
    const bad = await call(checkoutRoute.action, postForm('/checkout', cookies, { code: 'NOT A CODE!' }));
    expect(bad.status).toBe(400);
    expect((bad.data as { fieldErrors: Record<string, string[]> }).fieldErrors.code).toEqual([
      'That is not a discount code.',
    ]);
    const placed = await call(checkoutRoute.action, postForm('/checkout', cookies, { code: '' }));
    expect(placed.status).toBe(303);
    const location = placed.headers.get('Location') as string;
    expect(location).toMatch(/^\/checkout\/local\/c[a-z0-9]+$/);
    const orderId = location.split('/').pop() as string;
    const stranger = await cookieFor(t.db, (await createUser(t.db)).id);
    expect((await call(localConfirm.loader, getPage(location, stranger), { orderId })).status).toBe(404);
    const confirmed = await call(localConfirm.action, postForm(location, session, {}), { orderId });
    expect(confirmed.status).toBe(303);
    const order = await reloadOrder(t.db, orderId);
    expect(order.status).toBe('COMPLETED');
    expect(confirmed.headers.get('Location')).toBe(`/account/orders/${order.orderNumber}`);
    const mine = await call(accountOrder.loader, getPage(`/account/orders/${order.orderNumber}`, session), {
      orderNumber: order.orderNumber,
    });
    expect(mine.status).toBe(200);
    expect(mine.data).toMatchObject({ order: { orderNumber: order.orderNumber, totalAmount: 2000 } });
    expect((mine.data as { order: Record<string, unknown> }).order.internalNotes).toBeUndefined();
    const list = (await call(accountOrders.loader, getPage('/account/orders', session))).data as {
      orders: { orderNumber: string }[];
    };
    expect(list.orders.map((o) => o.orderNumber)).toContain(order.orderNumber);
    const theirs = await call(
      accountOrder.loader,
      getPage(`/account/orders/${order.orderNumber}`, stranger),
      {
        orderNumber: order.orderNumber,
      },
    );
    expect(theirs.status).toBe(404);
    const [product] = await t.db.select().from(products).where(eq(products.id, p.product.id));
    expect(product?.stockQuantity).toBe(3);
  });

  it('a stale cart goes back to /cart with the reason; a refused code stays on /checkout with it', async () => {
    const p = await createPublishedProduct(t.db, { basePrice: 1000 });
    const added = await call(
      cartRoute.action,
      postForm('/cart', undefined, { intent: 'add', priceId: p.price.id, quantity: '1' }),
    );
    const cookies = withCookies(session, cookieOf(added.headers));
    const refused = await call(checkoutRoute.action, postForm('/checkout', cookies, { code: 'NOSUCHCODE' }));
    expect(refused.status).toBe(400);
    expect((refused.data as { error: string }).error).toBe('There is no discount code NOSUCHCODE.');
    await t.db.execute(sql`UPDATE prices SET unit_amount = 900 WHERE id = ${p.price.id}`);
    const stale = await call(checkoutRoute.action, postForm('/checkout', cookies, {}));
    expect(stale.status).toBe(303);
    expect(stale.headers.get('Location')).toBe('/cart');
  });
});
