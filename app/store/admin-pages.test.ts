// The store's admin pages (issue 13 §9): ADMIN reaches every one, SUPPORT gets 403 with the reason the
// staff matrix gives, anyone else 404; forms answer 4xx with the field named and redirect on success.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { cookieFor, createUser } from '~/orgs/test-support';
import { products, refunds, users } from '~db/schema';
import { useAppTestDatabase } from '../../tests/support/db';
import { getPage, postForm, type RouteFn, runRoute } from '../../tests/support/routes';
import { createCompletedOrder } from './test-support';

const t = useAppTestDatabase();

async function staffCookie(role: 'ADMIN' | 'SUPPORT') {
  const u = await createUser(t.db);
  await t.db.update(users).set({ role }).where(eq(users.id, u.id));
  return cookieFor(t.db, u.id);
}

type Mod = { loader?: RouteFn; action?: RouteFn };
const pages: [string, () => Promise<Mod>][] = [
  ['/admin/products', () => import('~/routes/admin.products._index/route')],
  ['/admin/products/new', () => import('~/routes/admin.products.new/route')],
  ['/admin/categories', () => import('~/routes/admin.categories/route')],
  ['/admin/discounts', () => import('~/routes/admin.discounts/route')],
  ['/admin/refunds', () => import('~/routes/admin.refunds/route')],
];

describe('who reaches the store admin pages', () => {
  it('ADMIN 200, SUPPORT 403 with the reason, a customer and a visitor 404', async () => {
    const admin = await staffCookie('ADMIN');
    const support = await staffCookie('SUPPORT');
    const customer = await cookieFor(t.db, (await createUser(t.db)).id);
    for (const [path, load] of pages) {
      const mod = await load();
      expect((await runRoute(mod.loader, getPage(path, admin), {})).status, path).toBe(200);
      const refused = await runRoute(mod.loader, getPage(path, support), {});
      expect(refused.status, path).toBe(403);
      expect(refused.text, path).toMatch(/^Support staff cannot/);
      expect((await runRoute(mod.loader, getPage(path, customer), {})).status, path).toBe(404);
      expect((await runRoute(mod.loader, getPage(path), {})).status, path).toBe(404);
      if (mod.action)
        expect(
          (await runRoute(mod.action, postForm(path, support, { intent: 'create' }), {})).status,
          path,
        ).toBe(403);
    }
  });
});

describe('product pages', () => {
  it('create: 400 with field errors, then a redirect to the product; edit and delete (asked first)', async () => {
    const admin = await staffCookie('ADMIN');
    const create = await import('~/routes/admin.products.new/route');
    const bad = await runRoute(
      create.action,
      postForm('/admin/products/new', admin, { intent: 'save', name: '', slug: 'Bad Slug', basePrice: 'x' }),
      {},
    );
    expect(bad.status).toBe(400);
    expect(Object.keys((bad.data as { fieldErrors: object }).fieldErrors)).toEqual(
      expect.arrayContaining(['name', 'slug', 'basePrice', 'description', 'type']),
    );
    const slug = `page-made-${Date.now().toString(36)}`;
    const form = {
      intent: 'save',
      name: 'Made on the page',
      slug,
      description: 'Made through the admin page.',
      type: 'ONE_TIME',
      status: 'PUBLISHED',
      basePrice: '12.00',
    };
    const ok = await runRoute(create.action, postForm('/admin/products/new', admin, form), {});
    expect(ok.status).toBe(302);
    const [product] = await t.db.select().from(products).where(eq(products.slug, slug));
    expect(ok.location).toBe(`/admin/products/${product?.id}`);

    const edit = await import('~/routes/admin.products.$productId/route');
    const params = { productId: product!.id };
    expect((await runRoute(edit.loader, getPage(ok.location!, admin), params)).status).toBe(200);
    expect(
      (await runRoute(edit.loader, getPage('/admin/products/nope', admin), { productId: 'nope' })).status,
    ).toBe(404);
    const saved = await runRoute(
      edit.action,
      postForm(ok.location!, admin, { ...form, name: 'Renamed' }),
      params,
    );
    expect(saved.status).toBe(302);
    const added = await runRoute(
      edit.action,
      postForm(ok.location!, admin, { intent: 'add-price', unitAmount: '-5', type: 'ONE_TIME' }),
      params,
    );
    expect(added.status).toBe(400);
    const ask = await runRoute(edit.action, postForm(ok.location!, admin, { intent: 'delete' }), params);
    expect(ask.status).toBe(200);
    expect(ask.data).toMatchObject({ confirm: { intent: 'delete' } });
    const [still] = await t.db.select().from(products).where(eq(products.id, product!.id));
    expect(still?.deletedAt).toBeNull();
    const gone = await runRoute(
      edit.action,
      postForm(ok.location!, admin, { intent: 'delete', confirm: 'yes' }),
      params,
    );
    expect(gone).toMatchObject({ status: 302, location: '/admin/products' });
    const junk = await runRoute(edit.action, postForm(ok.location!, admin, { intent: 'zzz' }), params);
    expect(junk.status).toBe(400);
  });
});

describe('refunds page', () => {
  it('finds an order by number, refunds part of it, refuses more than is left', async () => {
    const admin = await staffCookie('ADMIN');
    const buyer = await createUser(t.db);
    const { order } = await createCompletedOrder(t.db, buyer.id);
    const mod = await import('~/routes/admin.refunds/route');
    const found = await runRoute(mod.loader, getPage(`/admin/refunds?order=${order.orderNumber}`, admin), {});
    expect(found.status).toBe(200);
    expect(found.data).toMatchObject({ order: { id: order.id, refundable: order.totalAmount } });
    const missing = await runRoute(mod.loader, getPage('/admin/refunds?order=ORD-0000-000000', admin), {});
    expect(missing.status).toBe(404);

    const refund = (amount: string) =>
      runRoute(
        mod.action,
        postForm('/admin/refunds', admin, {
          intent: 'refund',
          orderId: order.id,
          amount,
          reason: 'DUPLICATE',
        }),
        {},
      );
    const ok = await refund('4.00');
    expect(ok.status).toBe(302);
    expect(ok.location).toBe(`/admin/refunds?order=${encodeURIComponent(order.orderNumber)}`);
    const tooMuch = await refund('100.00');
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.data).toMatchObject({
      fieldErrors: { amount: [expect.stringMatching(/^At most \$6\.00/)] },
    });
    expect((await refund('abc')).status).toBe(400);
    expect(await t.db.select().from(refunds).where(eq(refunds.orderId, order.id))).toHaveLength(1);
  });
});
