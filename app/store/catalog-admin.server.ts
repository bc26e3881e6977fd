// The staff side of the store (issue 13 §9): products with their prices, images (URLs), files, stock and
// status; the category tree; discount codes. Platform ADMIN only ('store:manage' in
// app/admin/permissions.ts; the route checks the request with requireStaff, and every function here checks
// again). Every change writes its audit row, the staff member as actor, in the same transaction. Products
// are soft-deleted (SPEC §3: deleted_at; their orders keep them), prices deactivated, codes deactivated —
// never deleted (order items and discount usages are history, RESTRICT).
import { randomBytes } from 'node:crypto';
import { and, asc, desc, eq, ilike, inArray, isNull, ne, notInArray, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import { type StaffAction, staffCan, staffForbiddenMessage } from '~/admin/permissions';
import { type Actor, recordAudit } from '~/audit/audit.server';
import { Conflict, Forbidden, NotFound, ValidationFailed } from '~/lib/errors';
import type { Database } from '~db/client.server';
import {
  discounts,
  PRODUCT_STATUSES,
  PRODUCT_TYPES,
  plans,
  prices,
  productCategories,
  productCategoryLinks,
  productDiscounts,
  products,
  users,
} from '~db/schema';

export async function assertStaff(db: Database, actor: Actor, action: StaffAction): Promise<void> {
  if (!actor.userId) throw new Forbidden('Only platform staff can do this.');
  const [row] = await db
    .select({ role: users.role })
    .from(users)
    .where(and(eq(users.id, actor.userId), eq(users.status, 'ACTIVE'), isNull(users.deletedAt)));
  const role = row?.role;
  if (role !== 'ADMIN' && role !== 'SUPPORT') throw new Forbidden('Only platform staff can do this.');
  if (!staffCan(role, action)) throw new Forbidden(staffForbiddenMessage(role, action));
}

const newId = () => `c${randomBytes(12).toString('hex')}`;

/** A zod failure as a 400 with field errors (forms show each next to its field). */
function parseForm<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fieldErrors: Record<string, string[]> = {};
  for (const issue of result.error.issues) {
    const path = String(issue.path[0] ?? 'form');
    fieldErrors[path] = [...(fieldErrors[path] ?? []), issue.message];
  }
  throw new ValidationFailed(result.error.issues[0]?.message ?? 'Check the form.', fieldErrors);
}

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optional = <T extends z.ZodTypeAny>(schema: T) => z.preprocess(blank, schema.optional());
const checkbox = z.preprocess((v) => v === 'on' || v === 'true' || v === true, z.boolean());

/** Dollars as staff type them ("12.50", "12") → integer cents. */
export const centsFromInput = z
  .string({ required_error: 'Enter an amount.', invalid_type_error: 'Enter an amount.' })
  .trim()
  .regex(/^\d{1,7}(\.\d{1,2})?$/, 'Enter an amount such as 12.50.')
  .transform((v) => {
    const [whole = '0', fraction = ''] = v.split('.');
    return Number(whole) * 100 + Number(`${fraction}00`.slice(0, 2));
  });

const integerText = (message: string, min: number, max = 1_000_000_000) =>
  z
    .string({ invalid_type_error: message })
    .trim()
    .regex(/^-?\d{1,10}$/, message)
    .transform(Number)
    .refine((n) => n >= min && n <= max, message);

const SLUG = /^[a-z0-9][a-z0-9-]{0,199}$/;
const slugField = z
  .string({ required_error: 'Enter a slug.' })
  .trim()
  .toLowerCase()
  .regex(SLUG, 'Use lower-case letters, digits and dashes (e.g. "pro-guide").');

/** One URL per line (https, http or a site path). */
const imageLines = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? '')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean),
  )
  .refine((urls) => urls.length <= 20, 'At most 20 images.')
  .refine(
    (urls) => urls.every((u) => /^(https?:\/\/[^\s]+|\/[^\s]*)$/.test(u) && u.length <= 2000),
    'Each image must be a URL (https://…) on its own line.',
  );

/** One file per line: "storage/key.pdf" or "Shown name | storage/key.pdf". */
const fileLines = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? '')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean)
      .map((l) => {
        const [a, b] = l.split('|').map((p) => p.trim());
        return b
          ? { name: a as string, key: b }
          : { name: (a as string).split('/').pop() as string, key: a as string };
      }),
  )
  .refine((files) => files.length <= 50, 'At most 50 files.')
  .refine(
    (files) =>
      files.every(
        (f) =>
          f.name &&
          f.key.length <= 500 &&
          f.key.split('/').every((s) => s !== '' && s !== '.' && s !== '..') &&
          !f.key.includes('\\'),
      ),
    'Each file is a path inside the storage folder, such as guides/handbook.pdf.',
  );

/** "8.25" (percent) → "0.0825" (the numeric(5,4) fraction products.tax_rate holds). */
const taxPercent = z
  .string()
  .trim()
  .regex(/^\d{1,2}(\.\d{1,2})?$/, 'Enter a tax rate in percent, such as 8.25.')
  .transform((v) => {
    const [whole = '0', fraction = ''] = v.split('.');
    const basisPoints = Number(whole) * 100 + Number(`${fraction}00`.slice(0, 2));
    return (basisPoints / 10_000).toFixed(4);
  });

export const productFormSchema = z
  .object({
    name: z.string({ required_error: 'Enter a name.' }).trim().min(1, 'Enter a name.').max(200),
    slug: slugField,
    description: z
      .string({ required_error: 'Enter a description.' })
      .trim()
      .min(10, 'The description must be at least 10 characters.')
      .max(20_000),
    shortDescription: optional(z.string().trim().max(300, 'At most 300 characters.')),
    type: z.enum(PRODUCT_TYPES, { errorMap: () => ({ message: 'Choose a type.' }) }),
    status: z.enum(PRODUCT_STATUSES, { errorMap: () => ({ message: 'Choose a status.' }) }),
    basePrice: centsFromInput,
    taxRate: optional(taxPercent),
    billingInterval: optional(
      z.enum(['month', 'year'], { errorMap: () => ({ message: 'Choose month or year.' }) }),
    ),
    planId: optional(z.string().max(64)),
    images: imageLines,
    files: fileLines,
    downloadLimit: z.preprocess(
      (v) => blank(v) ?? '-1',
      integerText('Enter -1 (unlimited) or a number of downloads.', -1, 100_000),
    ),
    accessDuration: optional(
      integerText('Enter a number of days (1 or more), or leave it empty.', 1, 36_500),
    ),
    tags: z
      .string()
      .optional()
      .transform((v) =>
        [
          ...new Set(
            (v ?? '')
              .split(',')
              .map((t) => t.trim().toLowerCase())
              .filter(Boolean),
          ),
        ].slice(0, 20),
      ),
    featured: checkbox,
    trackInventory: checkbox,
    stockQuantity: z.preprocess((v) => blank(v) ?? '0', integerText('Enter a stock of 0 or more.', 0)),
    lowStockThreshold: optional(integerText('Enter a threshold of 0 or more.', 0)),
    categoryIds: z.array(z.string().max(64)).max(50).default([]),
  })
  .superRefine((p, ctx) => {
    if (p.type === 'SUBSCRIPTION' && !p.planId)
      ctx.addIssue({
        code: 'custom',
        path: ['planId'],
        message: 'A subscription product names the plan it sells.',
      });
    if (p.type === 'SUBSCRIPTION' && !p.billingInterval)
      ctx.addIssue({ code: 'custom', path: ['billingInterval'], message: 'Choose month or year.' });
  });
export type ProductForm = z.output<typeof productFormSchema>;

/** The form's fields as the routes read them from FormData (categoryIds is a checkbox list). */
export function productFormInput(form: FormData): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const key of Object.keys(productFormSchema._def.schema.shape)) {
    if (key === 'categoryIds') input[key] = form.getAll('categoryIds').map(String);
    else {
      const v = form.get(key);
      input[key] = typeof v === 'string' ? v : undefined;
    }
  }
  return input;
}

type ProductRow = typeof products.$inferSelect;

function productValues(p: ProductForm) {
  return {
    name: p.name,
    slug: p.slug,
    description: p.description,
    shortDescription: p.shortDescription ?? null,
    type: p.type,
    status: p.status,
    basePrice: p.basePrice,
    taxRate: p.taxRate ?? null,
    billingInterval: p.type === 'SUBSCRIPTION' ? (p.billingInterval ?? null) : null,
    planId: p.type === 'SUBSCRIPTION' ? (p.planId ?? null) : null,
    images: p.images,
    files: p.files,
    downloadLimit: p.downloadLimit,
    accessDuration: p.accessDuration ?? null,
    tags: p.tags,
    featured: p.featured,
    trackInventory: p.trackInventory,
    stockQuantity: p.stockQuantity,
    lowStockThreshold: p.lowStockThreshold ?? null,
  };
}

const auditedProduct = (p: Partial<ProductRow>) => {
  const {
    description: _d,
    searchVector: _s,
    createdAt: _c,
    updatedAt: _u,
    ...rest
  } = p as Record<string, unknown>;
  return rest;
};

async function assertSlugFree(tx: Database, slug: string, exceptId?: string) {
  const [taken] = await tx
    .select({ id: products.id })
    .from(products)
    .where(
      and(
        eq(products.slug, slug),
        isNull(products.deletedAt),
        exceptId ? ne(products.id, exceptId) : undefined,
      ),
    );
  if (taken)
    throw new ValidationFailed(`Another product uses the slug "${slug}".`, {
      slug: [`Another product uses the slug "${slug}".`],
    });
}

async function assertPlan(tx: Database, planId: string | undefined | null) {
  if (!planId) return;
  const [plan] = await tx
    .select({ id: plans.id })
    .from(plans)
    .where(and(eq(plans.id, planId), isNull(plans.deletedAt)));
  if (!plan) throw new ValidationFailed('Choose an offered plan.', { planId: ['Choose an offered plan.'] });
}

async function setCategories(tx: Database, productId: string, categoryIds: string[]) {
  const ids = [...new Set(categoryIds)];
  if (ids.length) {
    const found = await tx
      .select({ id: productCategories.id })
      .from(productCategories)
      .where(inArray(productCategories.id, ids));
    if (found.length !== ids.length)
      throw new ValidationFailed('A chosen category no longer exists.', {
        categoryIds: ['Choose existing categories.'],
      });
  }
  await tx
    .delete(productCategoryLinks)
    .where(
      and(
        eq(productCategoryLinks.productId, productId),
        ids.length ? notInArray(productCategoryLinks.categoryId, ids) : undefined,
      ),
    );
  if (ids.length)
    await tx
      .insert(productCategoryLinks)
      .values(ids.map((categoryId) => ({ productId, categoryId })))
      .onConflictDoNothing();
}

export async function createProduct(db: Database, actor: Actor, input: unknown): Promise<ProductRow> {
  const form = parseForm(productFormSchema, input);
  return db.transaction(async (tx) => {
    await assertStaff(tx, actor, 'store:manage');
    await assertSlugFree(tx, form.slug);
    await assertPlan(tx, form.planId);
    const values = productValues(form);
    const [product] = await tx
      .insert(products)
      .values({ ...values, publishedAt: form.status === 'PUBLISHED' ? new Date() : null })
      .returning();
    if (!product) throw new Error('product insert returned nothing');
    // Its first price: the base price, one-time, or recurring by the billing interval.
    const recurring = form.type === 'SUBSCRIPTION' ? { interval: form.billingInterval ?? 'month' } : null;
    await tx.insert(prices).values({
      productId: product.id,
      stripePriceId: `local_${newId()}`,
      unitAmount: form.basePrice,
      currency: product.currency,
      type: recurring ? 'RECURRING' : 'ONE_TIME',
      recurring,
    });
    await setCategories(tx, product.id, form.categoryIds);
    await recordAudit(tx, actor, {
      action: 'store_product.created',
      entityType: 'product',
      entityId: product.id,
      newValues: auditedProduct(product),
    });
    return product;
  });
}

async function lockProduct(tx: Database, productId: string): Promise<ProductRow> {
  const [row] = await tx
    .select()
    .from(products)
    .where(and(eq(products.id, productId), isNull(products.deletedAt)))
    .for('update');
  if (!row) throw new NotFound('Product not found');
  return row;
}

export async function updateProduct(
  db: Database,
  actor: Actor,
  productId: string,
  input: unknown,
): Promise<ProductRow> {
  const form = parseForm(productFormSchema, input);
  return db.transaction(async (tx) => {
    await assertStaff(tx, actor, 'store:manage');
    const before = await lockProduct(tx, productId);
    await assertSlugFree(tx, form.slug, productId);
    await assertPlan(tx, form.planId);
    const values = productValues(form);
    const [after] = await tx
      .update(products)
      .set({
        ...values,
        publishedAt: form.status === 'PUBLISHED' ? (before.publishedAt ?? new Date()) : before.publishedAt,
      })
      .where(eq(products.id, productId))
      .returning();
    if (!after) throw new NotFound('Product not found');
    await setCategories(tx, productId, form.categoryIds);
    const oldValues = auditedProduct(before);
    const newValues = auditedProduct(after);
    const changed = Object.keys(newValues).filter(
      (k) => JSON.stringify(oldValues[k]) !== JSON.stringify(newValues[k]),
    );
    await recordAudit(tx, actor, {
      action: 'store_product.updated',
      entityType: 'product',
      entityId: productId,
      oldValues: Object.fromEntries(changed.map((k) => [k, oldValues[k]]).concat([['name', before.name]])),
      newValues: Object.fromEntries(changed.map((k) => [k, newValues[k]]).concat([['name', after.name]])),
      metadata: { changed, categoryIds: form.categoryIds },
    });
    return after;
  });
}

/** Soft delete (SPEC §3): the product leaves the store and the staff list; its orders keep it. */
export async function deleteProduct(db: Database, actor: Actor, productId: string): Promise<ProductRow> {
  return db.transaction(async (tx) => {
    await assertStaff(tx, actor, 'store:manage');
    const before = await lockProduct(tx, productId);
    const [after] = await tx
      .update(products)
      .set({ deletedAt: new Date(), featured: false })
      .where(eq(products.id, productId))
      .returning();
    await recordAudit(tx, actor, {
      action: 'store_product.deleted',
      entityType: 'product',
      entityId: productId,
      oldValues: { name: before.name, slug: before.slug, status: before.status },
    });
    return after ?? before;
  });
}

export const priceFormSchema = z
  .object({
    unitAmount: centsFromInput,
    type: z.enum(['ONE_TIME', 'RECURRING'], {
      errorMap: () => ({ message: 'Choose one-time or recurring.' }),
    }),
    interval: optional(z.enum(['month', 'year'], { errorMap: () => ({ message: 'Choose month or year.' }) })),
    nickname: optional(z.string().trim().max(100, 'At most 100 characters.')),
  })
  .superRefine((p, ctx) => {
    if (p.type === 'RECURRING' && !p.interval)
      ctx.addIssue({ code: 'custom', path: ['interval'], message: 'A recurring price needs an interval.' });
  });

export async function addPrice(db: Database, actor: Actor, productId: string, input: unknown) {
  const form = parseForm(priceFormSchema, input);
  return db.transaction(async (tx) => {
    await assertStaff(tx, actor, 'store:manage');
    const product = await lockProduct(tx, productId);
    const recurring = form.type === 'RECURRING' ? { interval: form.interval } : null;
    const [price] = await tx
      .insert(prices)
      .values({
        productId,
        stripePriceId: `local_${newId()}`,
        unitAmount: form.unitAmount,
        currency: product.currency,
        type: form.type,
        recurring,
        nickname: form.nickname ?? null,
      })
      .returning();
    if (!price) throw new Error('price insert returned nothing');
    await recordAudit(tx, actor, {
      action: 'store_price.created',
      entityType: 'price',
      entityId: price.id,
      newValues: {
        product: product.name,
        unitAmount: price.unitAmount,
        currency: price.currency,
        type: price.type,
        recurring,
      },
      metadata: { productId },
    });
    return price;
  });
}

/** Prices are never deleted (order items keep theirs, RESTRICT); a deactivated one is no longer sold. */
export async function deactivatePrice(db: Database, actor: Actor, productId: string, priceId: string) {
  return db.transaction(async (tx) => {
    await assertStaff(tx, actor, 'store:manage');
    const product = await lockProduct(tx, productId);
    const active = await tx
      .select({ id: prices.id })
      .from(prices)
      .where(and(eq(prices.productId, productId), eq(prices.isActive, true)));
    if (!active.some((p) => p.id === priceId)) throw new NotFound('Price not found');
    if (active.length === 1 && product.status === 'PUBLISHED')
      throw new Conflict(
        'A published product needs at least one active price: add another first, or unpublish it.',
      );
    await tx.update(prices).set({ isActive: false }).where(eq(prices.id, priceId));
    await recordAudit(tx, actor, {
      action: 'store_price.deactivated',
      entityType: 'price',
      entityId: priceId,
      oldValues: { product: product.name, isActive: true },
      newValues: { isActive: false },
      metadata: { productId },
    });
  });
}

export interface AdminProductRow {
  id: string;
  name: string;
  slug: string;
  status: ProductRow['status'];
  type: ProductRow['type'];
  basePrice: number;
  currency: string;
  trackInventory: boolean;
  stockQuantity: number;
  featured: boolean;
  activePrices: number;
  updatedAt: string;
}

export const productListFilter = z.object({
  q: z.preprocess(blank, z.string().trim().max(100).optional()).catch(undefined),
  status: z.preprocess(blank, z.enum(PRODUCT_STATUSES).optional()).catch(undefined),
});

export async function listProductsAdmin(
  db: Database,
  actor: Actor,
  filter: z.input<typeof productListFilter> = {},
): Promise<AdminProductRow[]> {
  await assertStaff(db, actor, 'store:manage');
  const { q, status } = productListFilter.parse(filter);
  const rows = await db
    .select({
      id: products.id,
      name: products.name,
      slug: products.slug,
      status: products.status,
      type: products.type,
      basePrice: products.basePrice,
      currency: products.currency,
      trackInventory: products.trackInventory,
      stockQuantity: products.stockQuantity,
      featured: products.featured,
      updatedAt: products.updatedAt,
      activePrices: sql<number>`(SELECT count(*)::int FROM prices WHERE prices.product_id = ${products.id} AND prices.is_active)`,
    })
    .from(products)
    .where(
      and(
        isNull(products.deletedAt),
        status ? eq(products.status, status) : undefined,
        q
          ? or(
              ilike(products.name, `%${q.replace(/[%_\\]/g, '\\$&')}%`),
              ilike(products.slug, `%${q.replace(/[%_\\]/g, '\\$&')}%`),
            )
          : undefined,
      ),
    )
    .orderBy(desc(products.updatedAt), asc(products.id))
    .limit(200);
  return rows.map((r) => ({
    ...r,
    activePrices: Number(r.activePrices),
    updatedAt: r.updatedAt.toISOString(),
  }));
}

export async function productForEdit(db: Database, actor: Actor, productId: string) {
  await assertStaff(db, actor, 'store:manage');
  const [product] = await db
    .select()
    .from(products)
    .where(and(eq(products.id, productId), isNull(products.deletedAt)));
  if (!product) throw new NotFound('Product not found');
  const productPrices = await db
    .select()
    .from(prices)
    .where(eq(prices.productId, productId))
    .orderBy(desc(prices.isActive), asc(prices.unitAmount), asc(prices.id));
  const links = await db
    .select({ categoryId: productCategoryLinks.categoryId })
    .from(productCategoryLinks)
    .where(eq(productCategoryLinks.productId, productId));
  const { searchVector: _s, ...rest } = product as ProductRow & { searchVector?: unknown };
  return { product: rest, prices: productPrices, categoryIds: links.map((l) => l.categoryId) };
}

/** What the product form offers: the category tree and the plans a subscription product may sell. */
export async function productFormOptions(db: Database, actor: Actor) {
  await assertStaff(db, actor, 'store:manage');
  const offeredPlans = await db
    .select({ id: plans.id, name: plans.name })
    .from(plans)
    .where(isNull(plans.deletedAt))
    .orderBy(asc(plans.name));
  return { categories: await categoryTree(db), plans: offeredPlans };
}

// ---- categories ---------------------------------------------------------------------------------------

export interface CategoryNode {
  id: string;
  name: string;
  slug: string;
  description: string | null;
  parentId: string | null;
  sortOrder: number;
  depth: number;
  productCount: number;
}

/** Every category, depth-first (parents before children, by sort order then name), with its depth. */
async function categoryTree(db: Database): Promise<CategoryNode[]> {
  const rows = await db
    .select({
      id: productCategories.id,
      name: productCategories.name,
      slug: productCategories.slug,
      description: productCategories.description,
      parentId: productCategories.parentId,
      sortOrder: productCategories.sortOrder,
      productCount: sql<number>`(SELECT count(*)::int FROM product_category_links l WHERE l.category_id = ${productCategories.id})`,
    })
    .from(productCategories)
    .orderBy(asc(productCategories.sortOrder), asc(productCategories.name), asc(productCategories.id));
  const children = new Map<string | null, typeof rows>();
  for (const r of rows) {
    const key = r.parentId && rows.some((p) => p.id === r.parentId) ? r.parentId : null;
    children.set(key, [...(children.get(key) ?? []), r]);
  }
  const out: CategoryNode[] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const r of children.get(parent) ?? []) {
      out.push({ ...r, productCount: Number(r.productCount), depth });
      if (depth < 20) walk(r.id, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

export async function listCategoriesAdmin(db: Database, actor: Actor): Promise<CategoryNode[]> {
  await assertStaff(db, actor, 'store:manage');
  return categoryTree(db);
}

export const categoryFormSchema = z.object({
  name: z.string({ required_error: 'Enter a name.' }).trim().min(1, 'Enter a name.').max(100),
  slug: slugField,
  description: optional(z.string().trim().max(500, 'At most 500 characters.')),
  parentId: optional(z.string().max(64)),
  sortOrder: z.preprocess((v) => blank(v) ?? '0', integerText('Enter a whole number.', -10_000, 10_000)),
});

async function assertParent(tx: Database, categoryId: string | null, parentId: string | undefined) {
  if (!parentId) return;
  const tree = await categoryTree(tx);
  if (!tree.some((c) => c.id === parentId))
    throw new ValidationFailed('Choose an existing parent category.', {
      parentId: ['Choose an existing parent.'],
    });
  if (!categoryId) return;
  // A category cannot sit under itself or under one of its own descendants (the tree would become a loop).
  let cursor: string | null | undefined = parentId;
  const byId = new Map(tree.map((c) => [c.id, c]));
  for (let i = 0; cursor && i < 100; i++) {
    if (cursor === categoryId)
      throw new ValidationFailed('A category cannot be placed under itself or one of its subcategories.', {
        parentId: ['A category cannot be placed under itself or one of its subcategories.'],
      });
    cursor = byId.get(cursor)?.parentId;
  }
}

async function assertCategorySlugFree(tx: Database, slug: string, exceptId?: string) {
  const [taken] = await tx
    .select({ id: productCategories.id })
    .from(productCategories)
    .where(and(eq(productCategories.slug, slug), exceptId ? ne(productCategories.id, exceptId) : undefined));
  if (taken)
    throw new ValidationFailed(`Another category uses the slug "${slug}".`, {
      slug: [`Another category uses the slug "${slug}".`],
    });
}

export async function createCategory(db: Database, actor: Actor, input: unknown) {
  const form = parseForm(categoryFormSchema, input);
  return db.transaction(async (tx) => {
    await assertStaff(tx, actor, 'store:manage');
    await assertCategorySlugFree(tx, form.slug);
    await assertParent(tx, null, form.parentId);
    const [category] = await tx
      .insert(productCategories)
      .values({
        name: form.name,
        slug: form.slug,
        description: form.description ?? null,
        parentId: form.parentId ?? null,
        sortOrder: form.sortOrder,
      })
      .returning();
    if (!category) throw new Error('category insert returned nothing');
    await recordAudit(tx, actor, {
      action: 'store_category.created',
      entityType: 'product_category',
      entityId: category.id,
      newValues: { name: category.name, slug: category.slug, parentId: category.parentId },
    });
    return category;
  });
}

async function lockCategory(tx: Database, categoryId: string) {
  const [row] = await tx
    .select()
    .from(productCategories)
    .where(eq(productCategories.id, categoryId))
    .for('update');
  if (!row) throw new NotFound('Category not found');
  return row;
}

export async function updateCategory(db: Database, actor: Actor, categoryId: string, input: unknown) {
  const form = parseForm(categoryFormSchema, input);
  return db.transaction(async (tx) => {
    await assertStaff(tx, actor, 'store:manage');
    const before = await lockCategory(tx, categoryId);
    await assertCategorySlugFree(tx, form.slug, categoryId);
    await assertParent(tx, categoryId, form.parentId);
    const [after] = await tx
      .update(productCategories)
      .set({
        name: form.name,
        slug: form.slug,
        description: form.description ?? null,
        parentId: form.parentId ?? null,
        sortOrder: form.sortOrder,
      })
      .where(eq(productCategories.id, categoryId))
      .returning();
    await recordAudit(tx, actor, {
      action: 'store_category.updated',
      entityType: 'product_category',
      entityId: categoryId,
      oldValues: {
        name: before.name,
        slug: before.slug,
        parentId: before.parentId,
        sortOrder: before.sortOrder,
      },
      newValues: {
        name: after?.name,
        slug: after?.slug,
        parentId: after?.parentId,
        sortOrder: after?.sortOrder,
      },
    });
    return after;
  });
}

/** Its subcategories move up to the top level (parent_id SET NULL); products only lose the link. */
export async function deleteCategory(db: Database, actor: Actor, categoryId: string) {
  return db.transaction(async (tx) => {
    await assertStaff(tx, actor, 'store:manage');
    const before = await lockCategory(tx, categoryId);
    await tx.delete(productCategories).where(eq(productCategories.id, categoryId));
    await recordAudit(tx, actor, {
      action: 'store_category.deleted',
      entityType: 'product_category',
      entityId: categoryId,
      oldValues: { name: before.name, slug: before.slug, parentId: before.parentId },
    });
  });
}

// ---- discounts ------------------------------------------------------------------------------------------

const CODE = /^[A-Z0-9_-]{1,64}$/;
const dateTime = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?$/, 'Enter a date (YYYY-MM-DD) or date and time.')
  .transform((v) => new Date(v.length === 10 ? `${v}T00:00:00.000Z` : `${v}:00.000Z`))
  .refine(
    (d) => !Number.isNaN(d.getTime()) && d.getUTCFullYear() >= 1970 && d.getUTCFullYear() <= 9999,
    'Enter a real date.',
  );

export const discountFormSchema = z
  .object({
    code: z
      .string({ required_error: 'Enter a code.' })
      .trim()
      .toUpperCase()
      .regex(CODE, 'Use letters, digits, dashes and underscores (e.g. SPRING-25).'),
    name: z.string({ required_error: 'Enter a name.' }).trim().min(1, 'Enter a name.').max(100),
    description: optional(z.string().trim().max(500, 'At most 500 characters.')),
    kind: z.enum(['percent', 'amount'], { errorMap: () => ({ message: 'Choose percent or fixed amount.' }) }),
    value: z.string({ required_error: 'Enter a value.' }).trim().min(1, 'Enter a value.'),
    maxUses: optional(integerText('Enter 0 or more, or leave it empty for unlimited.', 0)),
    maxUsesPerCustomer: optional(integerText('Enter 1 or more, or leave it empty for unlimited.', 1)),
    validFrom: optional(dateTime),
    validUntil: optional(dateTime),
    minimumAmount: optional(centsFromInput),
    firstTimeOnly: checkbox,
    productIds: z.array(z.string().max(64)).max(200).default([]),
  })
  .transform((d, ctx) => {
    let percentOff: string | null = null;
    let amountOff: number | null = null;
    if (d.kind === 'percent') {
      if (!/^\d{1,3}(\.\d{1,4})?$/.test(d.value) || Number(d.value) <= 0 || Number(d.value) > 100)
        ctx.addIssue({
          code: 'custom',
          path: ['value'],
          message: 'A percentage is more than 0 and at most 100.',
        });
      else percentOff = Number(d.value).toFixed(4);
    } else {
      const cents = centsFromInput.safeParse(d.value);
      if (!cents.success || cents.data <= 0)
        ctx.addIssue({ code: 'custom', path: ['value'], message: 'Enter an amount off such as 5.00.' });
      else amountOff = cents.data;
    }
    if (d.validFrom && d.validUntil && d.validUntil <= d.validFrom)
      ctx.addIssue({ code: 'custom', path: ['validUntil'], message: 'The end must come after the start.' });
    return { ...d, percentOff, amountOff };
  });

/** The discount form's fields from FormData (productIds is a checkbox list). */
export function discountFormInput(form: FormData): Record<string, unknown> {
  const keys = [
    'code',
    'name',
    'description',
    'kind',
    'value',
    'maxUses',
    'maxUsesPerCustomer',
    'validFrom',
    'validUntil',
    'minimumAmount',
    'firstTimeOnly',
  ];
  const input: Record<string, unknown> = Object.fromEntries(
    keys.map((k) => [k, typeof form.get(k) === 'string' ? form.get(k) : undefined]),
  );
  input.productIds = form.getAll('productIds').map(String);
  return input;
}

type DiscountRow = typeof discounts.$inferSelect;

const discountSnapshot = (d: DiscountRow) => ({
  code: d.code,
  name: d.name,
  percentOff: d.percentOff,
  amountOff: d.amountOff,
  maxUses: d.maxUses,
  maxUsesPerCustomer: d.maxUsesPerCustomer,
  validFrom: d.validFrom?.toISOString() ?? null,
  validUntil: d.validUntil?.toISOString() ?? null,
  minimumAmount: d.minimumAmount,
  firstTimeOnly: d.firstTimeOnly,
  isActive: d.isActive,
});

async function setDiscountProducts(tx: Database, discountId: string, productIds: string[]) {
  const ids = [...new Set(productIds)];
  if (ids.length) {
    const found = await tx.select({ id: products.id }).from(products).where(inArray(products.id, ids));
    if (found.length !== ids.length)
      throw new ValidationFailed('A chosen product no longer exists.', {
        productIds: ['Choose existing products.'],
      });
  }
  await tx
    .delete(productDiscounts)
    .where(
      and(
        eq(productDiscounts.discountId, discountId),
        ids.length ? notInArray(productDiscounts.productId, ids) : undefined,
      ),
    );
  if (ids.length)
    await tx
      .insert(productDiscounts)
      .values(ids.map((productId) => ({ productId, discountId })))
      .onConflictDoNothing();
}

function discountValues(d: z.output<typeof discountFormSchema>) {
  return {
    code: d.code,
    name: d.name,
    description: d.description ?? null,
    percentOff: d.percentOff,
    amountOff: d.amountOff,
    maxUses: d.maxUses ?? null,
    maxUsesPerCustomer: d.maxUsesPerCustomer ?? null,
    validFrom: d.validFrom ?? null,
    validUntil: d.validUntil ?? null,
    minimumAmount: d.minimumAmount ?? null,
    firstTimeOnly: d.firstTimeOnly,
  };
}

async function assertCodeFree(tx: Database, code: string, exceptId?: string) {
  const [taken] = await tx
    .select({ id: discounts.id })
    .from(discounts)
    .where(and(eq(discounts.code, code), exceptId ? ne(discounts.id, exceptId) : undefined));
  if (taken)
    throw new ValidationFailed(`The code ${code} exists already.`, {
      code: [`The code ${code} exists already.`],
    });
}

export async function createDiscount(db: Database, actor: Actor, input: unknown): Promise<DiscountRow> {
  const form = parseForm(discountFormSchema, input);
  return db.transaction(async (tx) => {
    await assertStaff(tx, actor, 'store:manage');
    await assertCodeFree(tx, form.code);
    const [discount] = await tx.insert(discounts).values(discountValues(form)).returning();
    if (!discount) throw new Error('discount insert returned nothing');
    await setDiscountProducts(tx, discount.id, form.productIds);
    await recordAudit(tx, actor, {
      action: 'store_discount.created',
      entityType: 'discount',
      entityId: discount.id,
      newValues: { ...discountSnapshot(discount), productIds: form.productIds },
    });
    return discount;
  });
}

async function lockDiscountRow(tx: Database, discountId: string): Promise<DiscountRow> {
  const [row] = await tx.select().from(discounts).where(eq(discounts.id, discountId)).for('update');
  if (!row) throw new NotFound('Discount not found');
  return row;
}

/** Edits a code under its row lock (the lock checkouts take), so a checkout never sees half an edit. */
export async function updateDiscount(db: Database, actor: Actor, discountId: string, input: unknown) {
  const form = parseForm(discountFormSchema, input);
  return db.transaction(async (tx) => {
    await assertStaff(tx, actor, 'store:manage');
    const before = await lockDiscountRow(tx, discountId);
    await assertCodeFree(tx, form.code, discountId);
    if (form.maxUses !== undefined && form.maxUses < before.currentUses)
      throw new ValidationFailed(
        `The code was used ${before.currentUses} times already: max uses cannot be lower.`,
        {
          maxUses: [`At least ${before.currentUses} (the uses taken so far).`],
        },
      );
    const [after] = await tx
      .update(discounts)
      .set(discountValues(form))
      .where(eq(discounts.id, discountId))
      .returning();
    await setDiscountProducts(tx, discountId, form.productIds);
    await recordAudit(tx, actor, {
      action: 'store_discount.updated',
      entityType: 'discount',
      entityId: discountId,
      oldValues: discountSnapshot(before),
      newValues: { ...discountSnapshot(after ?? before), productIds: form.productIds },
    });
    return after ?? before;
  });
}

/** No code is deleted (its usages are history, RESTRICT): it is deactivated and checkouts refuse it. */
export async function deactivateDiscount(db: Database, actor: Actor, discountId: string) {
  return db.transaction(async (tx) => {
    await assertStaff(tx, actor, 'store:manage');
    const before = await lockDiscountRow(tx, discountId);
    if (!before.isActive) throw new Conflict(`The code ${before.code} is inactive already.`);
    await tx.update(discounts).set({ isActive: false }).where(eq(discounts.id, discountId));
    await recordAudit(tx, actor, {
      action: 'store_discount.deactivated',
      entityType: 'discount',
      entityId: discountId,
      oldValues: { code: before.code, isActive: true },
      newValues: { isActive: false },
    });
  });
}

export async function listDiscountsAdmin(db: Database, actor: Actor) {
  await assertStaff(db, actor, 'store:manage');
  const rows = await db
    .select()
    .from(discounts)
    .orderBy(desc(discounts.isActive), desc(discounts.createdAt), asc(discounts.id))
    .limit(200);
  const links = rows.length
    ? await db
        .select({ discountId: productDiscounts.discountId, productId: productDiscounts.productId })
        .from(productDiscounts)
        .where(
          inArray(
            productDiscounts.discountId,
            rows.map((r) => r.id),
          ),
        )
    : [];
  const productOptions = await db
    .select({ id: products.id, name: products.name })
    .from(products)
    .where(isNull(products.deletedAt))
    .orderBy(asc(products.name))
    .limit(200);
  return {
    discounts: rows.map((d) => ({
      ...d,
      validFrom: d.validFrom?.toISOString() ?? null,
      validUntil: d.validUntil?.toISOString() ?? null,
      createdAt: d.createdAt.toISOString(),
      updatedAt: d.updatedAt.toISOString(),
      productIds: links.filter((l) => l.discountId === d.id).map((l) => l.productId),
    })),
    products: productOptions,
  };
}
