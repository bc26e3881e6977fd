// The development seed, on PostgreSQL and on PGlite (what `npm run dev` runs): a published catalog with
// every kind of product, categories and two codes; twice changes nothing; the catalog search finds it.
import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { discounts, prices, products } from '~db/schema';
import { describeEachDriver } from '../../tests/db/drivers';
import { useTestDatabase } from '../../tests/support/db';
import { listCatalog } from './catalog.server';
import { seedStore } from './seed.server';

describeEachDriver('store seed', (driver) => {
  const t = useTestDatabase(driver);

  it('seeds a physical, a digital, a service and a plan product with prices, and two codes; idempotent', async () => {
    await seedStore(t.db);
    await seedStore(t.db);
    const rows = await t.db.select().from(products).where(eq(products.status, 'PUBLISHED'));
    expect(rows.map((p) => p.type).sort()).toEqual([
      'DIGITAL_DOWNLOAD',
      'ONE_TIME',
      'SERVICE',
      'SUBSCRIPTION',
    ]);
    expect(rows.find((p) => p.type === 'SUBSCRIPTION')?.planId).toBeTruthy();
    expect(await t.db.$count(prices)).toBe(4);
    expect((await t.db.select().from(discounts)).map((d) => d.code).sort()).toEqual(['SAVE5', 'WELCOME10']);
    const found = await listCatalog(t.db, { q: 'northern lights' });
    expect(found.products.map((p) => p.slug)).toEqual(['aurora-photography-guide']);
    const notebook = (await listCatalog(t.db, { category: 'merch' })).products[0];
    expect(notebook?.stock).toEqual({ kind: 'low', available: 3, label: '3 left' });
  });
});
