// The staff side of the store (issue 13 §9): only platform ADMIN changes the catalog (SUPPORT and
// customers are refused with the reason), every change is audited with the staff member as actor, and
// the rules of each form hold: slugs, URLs for images, a plan for subscription products, the category
// tree without loops, discount codes with exactly one of percent or amount.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createUser, type TestUser } from '~/orgs/test-support';
import {
  auditLogs,
  discounts,
  prices,
  productCategories,
  productCategoryLinks,
  products,
  users,
} from '~db/schema';
import { useAppTestDatabase } from '../../tests/support/db';
import { productBySlug } from './catalog.server';
import {
  addPrice,
  createCategory,
  createDiscount,
  createProduct,
  deactivateDiscount,
  deactivatePrice,
  deleteCategory,
  deleteProduct,
  listCategoriesAdmin,
  listDiscountsAdmin,
  listProductsAdmin,
  productForEdit,
  updateCategory,
  updateDiscount,
  updateProduct,
} from './catalog-admin.server';

const t = useAppTestDatabase();
let n = 0;
const unique = () => `${Date.now().toString(36)}-${++n}`;

async function staff(role: 'ADMIN' | 'SUPPORT'): Promise<TestUser> {
  const u = await createUser(t.db);
  await t.db.update(users).set({ role }).where(eq(users.id, u.id));
  return u;
}

const productForm = (overrides: Record<string, unknown> = {}) => ({
  name: 'Field Guide',
  slug: `field-guide-${unique()}`,
  description: 'A complete field guide in PDF.',
  shortDescription: 'The guide',
  type: 'DIGITAL_DOWNLOAD',
  status: 'PUBLISHED',
  basePrice: '19.99',
  taxRate: '8.25',
  images: 'https://cdn.example.com/a.png\n/images/b.png',
  files: 'Guide | guides/field.pdf\nextras/bonus.zip',
  downloadLimit: '3',
  accessDuration: '30',
  tags: 'Guides, pdf, guides',
  featured: 'on',
  stockQuantity: '',
  categoryIds: [] as string[],
  ...overrides,
});

const auditsOf = async (entityId: string) =>
  (await t.db.select().from(auditLogs).where(eq(auditLogs.entityId, entityId))).map((a) => ({
    action: a.action,
    userId: a.userId,
  }));

describe('products', () => {
  it('ADMIN creates a product with its first price, images, files and categories; audited', async () => {
    const admin = await staff('ADMIN');
    const category = await createCategory(t.db, admin.actor, { name: 'Guides', slug: `guides-${unique()}` });
    const product = await createProduct(t.db, admin.actor, productForm({ categoryIds: [category.id] }));
    expect(product).toMatchObject({
      basePrice: 1999,
      taxRate: '0.0825',
      images: ['https://cdn.example.com/a.png', '/images/b.png'],
      files: [
        { name: 'Guide', key: 'guides/field.pdf' },
        { name: 'bonus.zip', key: 'extras/bonus.zip' },
      ],
      downloadLimit: 3,
      accessDuration: 30,
      tags: ['guides', 'pdf'],
      featured: true,
    });
    expect(product.publishedAt).not.toBeNull();
    const edit = await productForEdit(t.db, admin.actor, product.id);
    expect(edit.prices).toMatchObject([{ unitAmount: 1999, type: 'ONE_TIME', isActive: true }]);
    expect(edit.categoryIds).toEqual([category.id]);
    expect(await auditsOf(product.id)).toEqual([{ action: 'store_product.created', userId: admin.id }]);
    // It is in the store.
    expect((await productBySlug(t.db, product.slug)).product.id).toBe(product.id);
  });

  it('refuses bad input with the field named, and a slug in use', async () => {
    const admin = await staff('ADMIN');
    const cases: [Record<string, unknown>, string][] = [
      [{ name: '' }, 'name'],
      [{ slug: 'Not A Slug' }, 'slug'],
      [{ description: 'short' }, 'description'],
      [{ basePrice: '-1' }, 'basePrice'],
      [{ basePrice: '1.234' }, 'basePrice'],
      [{ images: 'javascript:alert(1)' }, 'images'],
      [{ files: '../../etc/passwd' }, 'files'],
      [{ downloadLimit: '-2' }, 'downloadLimit'],
      [{ type: 'SUBSCRIPTION', billingInterval: 'month' }, 'planId'],
      [{ type: 'BOGUS' }, 'type'],
      [{ taxRate: '250' }, 'taxRate'],
      [{ categoryIds: ['c-missing'] }, 'categoryIds'],
    ];
    for (const [overrides, field] of cases) {
      const err = await createProduct(t.db, admin.actor, productForm(overrides)).catch((e) => e);
      expect(err.status, JSON.stringify(overrides)).toBe(400);
      expect(Object.keys(err.fieldErrors ?? {}), JSON.stringify(overrides)).toContain(field);
    }
    const first = await createProduct(t.db, admin.actor, productForm());
    await expect(createProduct(t.db, admin.actor, productForm({ slug: first.slug }))).rejects.toThrow(
      /Another product uses the slug/,
    );
  });

  it('updates (audited with the changed fields), adds and deactivates prices, soft-deletes', async () => {
    const admin = await staff('ADMIN');
    const product = await createProduct(t.db, admin.actor, productForm({ status: 'DRAFT' }));
    expect(product.publishedAt).toBeNull();
    const updated = await updateProduct(
      t.db,
      admin.actor,
      product.id,
      productForm({ slug: product.slug, status: 'PUBLISHED', trackInventory: 'on', stockQuantity: '5' }),
    );
    expect(updated).toMatchObject({ status: 'PUBLISHED', trackInventory: true, stockQuantity: 5 });
    expect(updated.publishedAt).not.toBeNull();
    const audits = await t.db.select().from(auditLogs).where(eq(auditLogs.entityId, product.id));
    const audit = audits.find((a) => a.action === 'store_product.updated');
    expect((audit?.metadata as { changed: string[] } | undefined)?.changed).toEqual(
      expect.arrayContaining(['status', 'trackInventory', 'stockQuantity']),
    );

    const [first] = (await productForEdit(t.db, admin.actor, product.id)).prices;
    await expect(deactivatePrice(t.db, admin.actor, product.id, first!.id)).rejects.toThrow(
      /at least one active price/,
    );
    const yearly = await addPrice(t.db, admin.actor, product.id, {
      unitAmount: '99',
      type: 'RECURRING',
      interval: 'year',
    });
    expect(yearly).toMatchObject({ unitAmount: 9900, type: 'RECURRING', recurring: { interval: 'year' } });
    await expect(
      addPrice(t.db, admin.actor, product.id, { unitAmount: '5', type: 'RECURRING' }),
    ).rejects.toMatchObject({
      status: 400,
    });
    await deactivatePrice(t.db, admin.actor, product.id, first!.id);
    const [row] = await t.db.select().from(prices).where(eq(prices.id, first!.id));
    expect(row?.isActive).toBe(false);

    await deleteProduct(t.db, admin.actor, product.id);
    const [gone] = await t.db.select().from(products).where(eq(products.id, product.id));
    expect(gone?.deletedAt).not.toBeNull();
    expect((await listProductsAdmin(t.db, admin.actor)).some((p) => p.id === product.id)).toBe(false);
    await expect(productBySlug(t.db, product.slug)).rejects.toMatchObject({ status: 404 });
    await expect(updateProduct(t.db, admin.actor, product.id, productForm())).rejects.toMatchObject({
      status: 404,
    });
    // The slug is free again (partial unique index WHERE deleted_at IS NULL).
    await createProduct(t.db, admin.actor, productForm({ slug: product.slug }));
    expect((await auditsOf(product.id)).map((a) => a.action)).toEqual([
      'store_product.created',
      'store_product.updated',
      'store_product.deleted',
    ]);
  });

  it('SUPPORT and customers are refused, with the reason, and nothing changes', async () => {
    const support = await staff('SUPPORT');
    const customer = await createUser(t.db);
    const form = productForm();
    await expect(createProduct(t.db, support.actor, form)).rejects.toThrow(
      /Support staff cannot manage store/,
    );
    await expect(createProduct(t.db, customer.actor, form)).rejects.toMatchObject({ status: 403 });
    await expect(listProductsAdmin(t.db, support.actor)).rejects.toMatchObject({ status: 403 });
    await expect(createCategory(t.db, support.actor, { name: 'X', slug: 'x' })).rejects.toMatchObject({
      status: 403,
    });
    await expect(listDiscountsAdmin(t.db, customer.actor)).rejects.toMatchObject({ status: 403 });
    expect(await t.db.select().from(products).where(eq(products.slug, form.slug))).toEqual([]);
  });
});

describe('categories', () => {
  it('a tree, depth-first; no loops; deleting lifts children to the top and unlinks products', async () => {
    const admin = await staff('ADMIN');
    const root = await createCategory(t.db, admin.actor, {
      name: 'Root',
      slug: `root-${unique()}`,
      sortOrder: '-100',
    });
    const child = await createCategory(t.db, admin.actor, {
      name: 'Child',
      slug: `child-${unique()}`,
      parentId: root.id,
    });
    const grandchild = await createCategory(t.db, admin.actor, {
      name: 'Grandchild',
      slug: `grandchild-${unique()}`,
      parentId: child.id,
    });
    const tree = await listCategoriesAdmin(t.db, admin.actor);
    const index = (id: string) => tree.findIndex((c) => c.id === id);
    expect(index(root.id)).toBeLessThan(index(child.id));
    expect(index(child.id)).toBeLessThan(index(grandchild.id));
    expect(tree[index(grandchild.id)]?.depth).toBe(2);

    await expect(
      updateCategory(t.db, admin.actor, root.id, { name: 'Root', slug: root.slug, parentId: grandchild.id }),
    ).rejects.toThrow(/under itself or one of its subcategories/);
    await expect(
      updateCategory(t.db, admin.actor, root.id, { name: 'Root', slug: root.slug, parentId: root.id }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(createCategory(t.db, admin.actor, { name: 'Dup', slug: root.slug })).rejects.toThrow(
      /Another category/,
    );

    const product = await createProduct(t.db, admin.actor, productForm({ categoryIds: [child.id] }));
    await deleteCategory(t.db, admin.actor, child.id);
    const [lifted] = await t.db
      .select()
      .from(productCategories)
      .where(eq(productCategories.id, grandchild.id));
    expect(lifted?.parentId).toBeNull();
    expect(
      await t.db.select().from(productCategoryLinks).where(eq(productCategoryLinks.productId, product.id)),
    ).toEqual([]);
    expect((await auditsOf(child.id)).map((a) => a.action)).toEqual([
      'store_category.created',
      'store_category.deleted',
    ]);
  });
});

describe('discounts', () => {
  const form = (overrides: Record<string, unknown> = {}) => ({
    code: `spring-${unique()}`,
    name: 'Spring sale',
    kind: 'percent',
    value: '25',
    maxUses: '100',
    maxUsesPerCustomer: '1',
    validFrom: '2026-03-01',
    validUntil: '2026-06-01T12:00',
    minimumAmount: '10.00',
    firstTimeOnly: 'on',
    ...overrides,
  });

  it('creates percent or amount codes (exactly one), edits and deactivates them, audited', async () => {
    const admin = await staff('ADMIN');
    const percent = await createDiscount(t.db, admin.actor, form());
    expect(percent).toMatchObject({
      percentOff: '25.0000',
      amountOff: null,
      maxUses: 100,
      minimumAmount: 1000,
      firstTimeOnly: true,
    });
    expect(percent.code).toBe(percent.code.toUpperCase());
    expect(percent.validUntil?.toISOString()).toBe('2026-06-01T12:00:00.000Z');
    const amount = await createDiscount(
      t.db,
      admin.actor,
      form({ kind: 'amount', value: '5.50', validFrom: '', validUntil: '' }),
    );
    expect(amount).toMatchObject({ percentOff: null, amountOff: 550 });

    const product = await createProduct(t.db, admin.actor, productForm());
    const edited = await updateDiscount(t.db, admin.actor, amount.id, {
      ...form({ code: amount.code, kind: 'amount', value: '7', validFrom: '', validUntil: '' }),
      productIds: [product.id],
    });
    expect(edited.amountOff).toBe(700);
    const listed = await listDiscountsAdmin(t.db, admin.actor);
    expect(listed.discounts.find((d) => d.id === amount.id)?.productIds).toEqual([product.id]);

    await t.db.update(discounts).set({ currentUses: 10 }).where(eq(discounts.id, percent.id));
    await expect(
      updateDiscount(t.db, admin.actor, percent.id, form({ code: percent.code, maxUses: '5' })),
    ).rejects.toThrow(/used 10 times already/);
    await deactivateDiscount(t.db, admin.actor, percent.id);
    await expect(deactivateDiscount(t.db, admin.actor, percent.id)).rejects.toThrow(/inactive already/);
    expect((await auditsOf(percent.id)).map((a) => a.action)).toEqual([
      'store_discount.created',
      'store_discount.deactivated',
    ]);
  });

  it('refuses bad values, with the field named', async () => {
    const admin = await staff('ADMIN');
    const cases: [Record<string, unknown>, string][] = [
      [{ code: 'has space' }, 'code'],
      [{ value: '0' }, 'value'],
      [{ value: '101' }, 'value'],
      [{ kind: 'amount', value: '-3' }, 'value'],
      [{ kind: 'other' }, 'kind'],
      [{ validFrom: '2026-06-02', validUntil: '2026-06-01' }, 'validUntil'],
      [{ validFrom: '2026-02-30x' }, 'validFrom'],
      [{ maxUses: '-1' }, 'maxUses'],
      [{ maxUsesPerCustomer: '0' }, 'maxUsesPerCustomer'],
      [{ minimumAmount: 'ten' }, 'minimumAmount'],
    ];
    for (const [overrides, field] of cases) {
      const err = await createDiscount(t.db, admin.actor, form(overrides)).catch((e) => e);
      expect(err.status, JSON.stringify(overrides)).toBe(400);
      expect(Object.keys(err.fieldErrors ?? {}), JSON.stringify(overrides)).toContain(field);
    }
    const first = await createDiscount(t.db, admin.actor, form());
    await expect(createDiscount(t.db, admin.actor, form({ code: first.code.toLowerCase() }))).rejects.toThrow(
      /exists already/,
    );
  });
});
