// The development seed: a published catalog with every kind of product, categories and two codes; twice
// changes nothing.
import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { discounts, prices, products } from '~db/schema';
import { useTestDatabase } from '../../tests/support/db';
import { seedStore } from './seed.server';

const t = useTestDatabase();

it('seeds a physical, a digital, a service and a plan product with prices, and two codes; idempotent', async () => {
  await seedStore(t.db);
  await seedStore(t.db);
  const rows = await t.db.select().from(products).where(eq(products.status, 'PUBLISHED'));
  expect(rows.map((p) => p.type).sort()).toEqual(['DIGITAL_DOWNLOAD', 'ONE_TIME', 'SERVICE', 'SUBSCRIPTION']);
  expect(rows.find((p) => p.type === 'SUBSCRIPTION')?.planId).toBeTruthy();
  expect(await t.db.$count(prices)).toBe(4);
  expect((await t.db.select().from(discounts)).map((d) => d.code).sort()).toEqual(['SAVE5', 'WELCOME10']);
});
