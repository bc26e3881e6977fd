// Development seed for the store (README "Store"): a small catalog with a physical product that tracks
// stock, a digital download, a service, a plan product for the paid monthly plan, categories, and two
// discount codes. Idempotent: what exists (by slug or code) is left alone. Never part of the test baseline.
import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '~db/client.server';
import { discounts, plans, prices, productCategories, productCategoryLinks, products } from '~db/schema';

type ProductSeed = Omit<typeof products.$inferInsert, 'tags'> & {
  tags: string[];
  category: string;
  recurring?: { interval: 'month' | 'year' };
};

async function category(
  db: Database,
  slug: string,
  name: string,
  parentId: string | null = null,
  sortOrder = 0,
) {
  const [found] = await db.select().from(productCategories).where(eq(productCategories.slug, slug));
  if (found) return found.id;
  const [row] = await db.insert(productCategories).values({ slug, name, parentId, sortOrder }).returning();
  return row!.id;
}

export async function seedStore(db: Database): Promise<void> {
  const guides = await category(db, 'guides', 'Guides', null, 0);
  const categories: Record<string, string> = {
    guides,
    photography: await category(db, 'photography', 'Photography', guides, 0),
    merch: await category(db, 'merch', 'Merchandise', null, 1),
    services: await category(db, 'services', 'Services', null, 2),
    plans: await category(db, 'plans', 'Plans', null, 3),
  };
  const [monthly] = await db
    .select()
    .from(plans)
    .where(and(eq(plans.key, 'monthly'), isNull(plans.deletedAt)));
  const seeds: ProductSeed[] = [
    {
      slug: 'aurora-photography-guide',
      name: 'Aurora Photography Guide',
      shortDescription: 'Photograph the northern lights: settings, places and timing.',
      description:
        'A 120-page PDF guide to photographing auroras.\nCamera settings, the best places and seasons, and how to read the forecasts.',
      type: 'DIGITAL_DOWNLOAD',
      basePrice: 2900,
      taxRate: '0.0825',
      featured: true,
      accessDuration: 365,
      downloadLimit: 5,
      tags: ['photography', 'guide', 'pdf', 'aurora'],
      category: 'photography',
    },
    {
      slug: 'field-notebook',
      name: 'Field Notebook',
      shortDescription: 'A waterproof notebook for nights outside.',
      description: 'Waterproof paper, 96 pages, lies flat. Ships in two days.',
      type: 'ONE_TIME',
      basePrice: 1400,
      taxRate: '0.0825',
      trackInventory: true,
      stockQuantity: 3,
      lowStockThreshold: 5,
      tags: ['notebook', 'merch'],
      category: 'merch',
    },
    {
      slug: 'onboarding-session',
      name: 'Onboarding session',
      shortDescription: 'One hour with our team to set up your organization.',
      description: 'A video call with a product specialist: members, modules, billing and the API.',
      type: 'SERVICE',
      basePrice: 15000,
      tags: ['service', 'onboarding'],
      category: 'services',
    },
  ];
  if (monthly)
    seeds.push({
      slug: 'monthly-plan',
      name: `${monthly.name} plan`,
      shortDescription: 'Upgrade one of your organizations to the monthly plan.',
      description:
        'Buying this changes the plan of an organization you own or administer, as the billing page does.',
      type: 'SUBSCRIPTION',
      planId: monthly.id,
      basePrice: monthly.price,
      billingInterval: 'month',
      tags: ['plan', 'subscription'],
      category: 'plans',
      recurring: { interval: 'month' },
    });
  for (const { category: cat, recurring, ...values } of seeds) {
    const [found] = await db
      .select({ id: products.id })
      .from(products)
      .where(and(eq(products.slug, values.slug), isNull(products.deletedAt)));
    if (found) continue;
    await db.transaction(async (tx) => {
      const [product] = await tx
        .insert(products)
        .values({ ...values, status: 'PUBLISHED', publishedAt: new Date() })
        .returning();
      await tx.insert(prices).values({
        productId: product!.id,
        stripePriceId: `local_${values.slug}`,
        unitAmount: values.basePrice,
        currency: 'USD',
        type: recurring ? 'RECURRING' : 'ONE_TIME',
        recurring: recurring ?? null,
        nickname: recurring ? 'Monthly' : null,
      });
      await tx.insert(productCategoryLinks).values({ productId: product!.id, categoryId: categories[cat]! });
    });
  }
  await db
    .insert(discounts)
    .values([
      {
        code: 'WELCOME10',
        name: 'Welcome: 10% off your first order',
        percentOff: '10',
        firstTimeOnly: true,
        maxUsesPerCustomer: 1,
        maxUses: 1000,
      },
      { code: 'SAVE5', name: '$5 off orders of $20 or more', amountOff: 500, minimumAmount: 2000 },
    ])
    .onConflictDoNothing({ target: discounts.code });
}
