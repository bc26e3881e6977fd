// The public catalog (issue 13 §1): published products only (PUBLISHED, not soft-deleted; drafts and
// archived ones are 404), full-text search over the generated products.search_vector (GIN, migration
// 0014), filters by category (with its sub-categories), type and price, featured first, pages of 12.
// Stock shown is what can still be bought: stock_quantity minus what unexpired checkouts hold (ADR 0015).
import { and, asc, eq, getTableColumns, inArray, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { NotFound } from '~/lib/errors';
import { type Database, rowsOf } from '~db/client.server';
import { PRODUCT_TYPES, prices, productCategories, productReviews, products, users } from '~db/schema';
import { PAGE_SIZE, parsePrice, type StockState, stockState } from './format';

/** Units held by checkouts that may still be paid (PENDING orders inside their reservation window). */
export const reservedQuantity = (productId: unknown) => sql`(
  SELECT coalesce(sum(oi.quantity), 0)::int FROM order_items oi JOIN orders o ON o.id = oi.order_id
  WHERE oi.product_id = ${productId} AND o.status = 'PENDING'
    AND (o.metadata->>'reservedUntil')::timestamptz > now())`;

export const isPublished = sql`${products.status} = 'PUBLISHED' AND ${products.deletedAt} IS NULL`;

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

export const catalogQuerySchema = z.object({
  // Long input is cut, not refused: a search box never answers an error page.
  q: z.preprocess(blank, z.string().trim().optional().catch(undefined)).transform((v) => v?.slice(0, 200)),
  category: z.preprocess(
    blank,
    z
      .string()
      .regex(/^[a-z0-9-]{1,100}$/)
      .optional()
      .catch(undefined),
  ),
  type: z.preprocess(blank, z.enum(PRODUCT_TYPES).optional().catch(undefined)),
  minPrice: z.preprocess(blank, z.string().optional().catch(undefined)).transform((v) => v?.slice(0, 13)),
  maxPrice: z.preprocess(blank, z.string().optional().catch(undefined)).transform((v) => v?.slice(0, 13)),
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
});
export type CatalogQuery = z.infer<typeof catalogQuerySchema>;

export interface CategoryNode {
  id: string;
  name: string;
  slug: string;
  children: CategoryNode[];
}

export interface CatalogCard {
  id: string;
  name: string;
  slug: string;
  shortDescription: string | null;
  type: (typeof PRODUCT_TYPES)[number];
  featured: boolean;
  image: string | null;
  fromPrice: number;
  currency: string;
  stock: StockState;
  rating: number | null;
  reviewCount: number;
}

export async function categoryTree(db: Database): Promise<CategoryNode[]> {
  const rows = await db
    .select({
      id: productCategories.id,
      name: productCategories.name,
      slug: productCategories.slug,
      parentId: productCategories.parentId,
    })
    .from(productCategories)
    .orderBy(asc(productCategories.sortOrder), asc(productCategories.name));
  const nodes = new Map(
    rows.map((r) => [r.id, { id: r.id, name: r.name, slug: r.slug, children: [] as CategoryNode[] }]),
  );
  const roots: CategoryNode[] = [];
  for (const r of rows) {
    const node = nodes.get(r.id)!;
    const parent = r.parentId ? nodes.get(r.parentId) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}

export const imagesOf = (images: unknown): string[] =>
  Array.isArray(images)
    ? images
        .map((i) => (typeof i === 'string' ? i : (i as { url?: unknown })?.url))
        .filter((u): u is string => typeof u === 'string' && /^(https?:\/\/|\/)/.test(u))
    : [];

export interface CatalogPage {
  products: CatalogCard[];
  total: number;
  page: number;
  pageCount: number;
  categories: CategoryNode[];
  query: CatalogQuery;
  /** A filter value that could not be read ("abc" as a price), to say so next to the field. */
  invalid: string[];
}

export async function listCatalog(db: Database, raw: Record<string, unknown>): Promise<CatalogPage> {
  const query = catalogQuerySchema.parse(raw);
  const invalid: string[] = [];
  const min = parsePrice(query.minPrice);
  const max = parsePrice(query.maxPrice);
  if (query.minPrice && min === null) invalid.push('minPrice');
  if (query.maxPrice && max === null) invalid.push('maxPrice');
  const search = query.q ? sql`websearch_to_tsquery('english', ${query.q})` : null;
  const conditions = [
    sql`p.status = 'PUBLISHED' AND p.deleted_at IS NULL`,
    search ? sql`p.search_vector @@ ${search}` : undefined,
    query.type ? sql`p.type = ${query.type}` : undefined,
    query.category
      ? sql`p.id IN (
          WITH RECURSIVE tree AS (
            SELECT id FROM product_categories WHERE slug = ${query.category}
            UNION SELECT c.id FROM product_categories c JOIN tree ON c.parent_id = tree.id)
          SELECT l.product_id FROM product_category_links l JOIN tree ON tree.id = l.category_id)`
      : undefined,
    min !== null ? sql`coalesce(pr.min_price, p.base_price) >= ${min}` : undefined,
    max !== null ? sql`coalesce(pr.min_price, p.base_price) <= ${max}` : undefined,
  ].filter((c) => c !== undefined);
  const where = sql.join(conditions, sql` AND `);
  const from = sql`FROM products p
    LEFT JOIN LATERAL (SELECT min(unit_amount) AS min_price FROM prices WHERE product_id = p.id AND is_active) pr ON true`;
  const [counted] = rowsOf<{ n: number }>(
    await db.execute(sql`SELECT count(*)::int AS n ${from} WHERE ${where}`),
  );
  const total = counted?.n ?? 0;
  const pageCount = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const page = Math.min(query.page, pageCount);
  const rows = rowsOf<{
    id: string;
    name: string;
    slug: string;
    short_description: string | null;
    type: CatalogCard['type'];
    featured: boolean;
    images: unknown;
    from_price: number;
    currency: string;
    track_inventory: boolean;
    available: number;
    low_stock_threshold: number | null;
    rating: string | null;
    review_count: number;
  }>(
    await db.execute(sql`
      SELECT p.id, p.name, p.slug, p.short_description, p.type, p.featured, p.images, p.currency,
        coalesce(pr.min_price, p.base_price) AS from_price, p.track_inventory, p.low_stock_threshold,
        (p.stock_quantity - ${reservedQuantity(sql`p.id`)})::int AS available,
        (SELECT round(avg(rating), 1)::text FROM product_reviews WHERE product_id = p.id) AS rating,
        (SELECT count(*)::int FROM product_reviews WHERE product_id = p.id) AS review_count
      ${from} WHERE ${where}
      ORDER BY p.featured DESC, ${search ? sql`ts_rank(p.search_vector, ${search}) DESC,` : sql``}
        p.published_at DESC NULLS LAST, p.created_at DESC, p.id
      LIMIT ${PAGE_SIZE} OFFSET ${(page - 1) * PAGE_SIZE}`),
  );
  return {
    products: rows.map((r) => ({
      id: r.id,
      name: r.name,
      slug: r.slug,
      shortDescription: r.short_description,
      type: r.type,
      featured: r.featured,
      image: imagesOf(r.images)[0] ?? null,
      fromPrice: Number(r.from_price),
      currency: r.currency,
      stock: stockState({
        trackInventory: r.track_inventory,
        available: Number(r.available),
        lowStockThreshold: r.low_stock_threshold,
      }),
      rating: r.rating === null ? null : Number(r.rating),
      reviewCount: Number(r.review_count),
    })),
    total,
    page,
    pageCount,
    categories: await categoryTree(db),
    query: { ...query, page },
    invalid,
  };
}

/** Available units of a product (stock minus live reservations); meaningful for track_inventory products. */
export async function availableStock(db: Database, productId: string): Promise<number> {
  const [row] = rowsOf<{ available: number }>(
    await db.execute(
      sql`SELECT (stock_quantity - ${reservedQuantity(productId)})::int AS available FROM products WHERE id = ${productId}`,
    ),
  );
  return Number(row?.available ?? 0);
}

/** Every product column but the search vector (never sent to a page). */
export function productColumns() {
  const { searchVector: _sv, ...columns } = getTableColumns(products);
  return columns;
}

export type ProductRow = typeof products.$inferSelect;
export type PriceRow = typeof prices.$inferSelect;

export interface ProductPage {
  product: Omit<ProductRow, 'searchVector'>;
  prices: PriceRow[];
  images: string[];
  stock: StockState;
  categories: { name: string; slug: string }[];
  reviews: {
    id: string;
    rating: number;
    title: string | null;
    content: string;
    verified: boolean;
    helpful: number;
    author: string;
    createdAt: Date;
  }[];
  rating: { average: number | null; count: number };
}

/** The product page of a published product; anything else (draft, archived, deleted, unknown) is NotFound. */
export async function productBySlug(db: Database, slug: string): Promise<ProductPage> {
  if (!/^[a-z0-9][a-z0-9-]{0,199}$/i.test(slug)) throw new NotFound('There is no such product.');
  const columns = productColumns();
  const [product] = await db
    .select(columns)
    .from(products)
    .where(and(eq(products.slug, slug), eq(products.status, 'PUBLISHED'), isNull(products.deletedAt)));
  if (!product) throw new NotFound('There is no such product.');
  const activePrices = await db
    .select()
    .from(prices)
    .where(and(eq(prices.productId, product.id), eq(prices.isActive, true)))
    .orderBy(asc(prices.unitAmount), asc(prices.id));
  const reviews = await db
    .select({
      id: productReviews.id,
      rating: productReviews.rating,
      title: productReviews.title,
      content: productReviews.content,
      verified: productReviews.verified,
      helpful: productReviews.helpful,
      author: sql<string>`coalesce(${users.name}, 'A customer')`,
      createdAt: productReviews.createdAt,
    })
    .from(productReviews)
    .innerJoin(users, eq(users.id, productReviews.userId))
    .where(eq(productReviews.productId, product.id))
    .orderBy(
      sql`${productReviews.helpful} DESC`,
      sql`${productReviews.createdAt} DESC`,
      asc(productReviews.id),
    );
  const categories = rowsOf<{ name: string; slug: string }>(
    await db.execute(sql`SELECT c.name, c.slug FROM product_category_links l
      JOIN product_categories c ON c.id = l.category_id WHERE l.product_id = ${product.id} ORDER BY c.name`),
  );
  const count = reviews.length;
  const average = count ? Math.round((reviews.reduce((a, r) => a + r.rating, 0) / count) * 10) / 10 : null;
  return {
    product,
    prices: activePrices,
    images: imagesOf(product.images),
    stock: stockState({
      trackInventory: product.trackInventory,
      available: product.trackInventory ? await availableStock(db, product.id) : 0,
      lowStockThreshold: product.lowStockThreshold,
    }),
    categories,
    reviews,
    rating: { average, count },
  };
}

/** Published products with these ids (the cart's, the checkout's), for prices looked up by id. */
export async function purchasablePrices(db: Database, priceIds: string[]) {
  if (priceIds.length === 0) return [];
  const columns = productColumns();
  return db
    .select({ price: prices, product: columns })
    .from(prices)
    .innerJoin(products, eq(products.id, prices.productId))
    .where(inArray(prices.id, priceIds));
}
