// Store tables (SPEC §4 "Store"; seed 003); mirrors migrations/0007_store.sql.
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  boolean,
  check,
  customType,
  date,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  text,
  unique,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { plans } from './billing';
import { id, timestamps, ts } from './columns';
import {
  orderPaymentStatus,
  orderStatus,
  paymentMethodType,
  priceType,
  productStatus,
  productType,
  refundReason,
  refundStatus,
} from './enums';
import { users } from './identity';
import { organizations } from './tenancy';

// PostgreSQL's tsvector (catalog search, migrations/0014_store_search.sql); read only through SQL.
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

export const products = pgTable(
  'products',
  {
    id: id(),
    name: text('name').notNull(),
    description: text('description').notNull(),
    shortDescription: text('short_description'),
    slug: text('slug').notNull(),
    status: productStatus('status').notNull().default('DRAFT'),
    type: productType('type').notNull(),
    // The plan a SUBSCRIPTION product sells (SPEC §4).
    planId: text('plan_id').references(() => plans.id, { onDelete: 'set null' }),
    basePrice: integer('base_price').notNull(),
    currency: text('currency').notNull().default('USD'),
    taxRate: numeric('tax_rate', { precision: 5, scale: 4 }),
    downloadUrl: text('download_url'),
    // -1 = unlimited (seed 003). Written as Postgres stores it ('-1'::integer) so drizzle-kit sees no change.
    downloadLimit: integer('download_limit').default(sql`'-1'`),
    accessDuration: integer('access_duration'),
    billingInterval: text('billing_interval'),
    trialDays: integer('trial_days').default(0),
    images: jsonb('images').notNull().default(sql`'[]'::jsonb`),
    files: jsonb('files').notNull().default(sql`'[]'::jsonb`),
    metadata: jsonb('metadata').notNull().default(sql`'{}'::jsonb`),
    metaTitle: text('meta_title'),
    metaDescription: text('meta_description'),
    // No database default: drizzle-kit reads an empty-array default back as '{""}' and would always report a diff.
    tags: text('tags').array().notNull(),
    featured: boolean('featured').notNull().default(false),
    trackInventory: boolean('track_inventory').notNull().default(false),
    stockQuantity: integer('stock_quantity').notNull().default(0),
    lowStockThreshold: integer('low_stock_threshold'),
    publishedAt: ts('published_at'),
    deletedAt: ts('deleted_at'),
    ...timestamps(),
    // Generated from name, tags and short description (0014); searched through its GIN index.
    searchVector: tsvector('search_vector').generatedAlwaysAs(
      sql`store_search_document(name, short_description, tags)`,
    ),
  },
  (t) => [
    check('products_base_price_check', sql`${t.basePrice} >= 0`),
    check('products_stock_quantity_check', sql`${t.stockQuantity} >= 0`),
    check('products_download_limit_check', sql`${t.downloadLimit} = -1 OR ${t.downloadLimit} >= 0`),
    uniqueIndex('products_slug_key').on(t.slug).where(sql`deleted_at IS NULL`),
    index('products_plan_id_idx').on(t.planId),
    index('products_status_featured_idx').on(t.status, t.featured),
    index('products_type_status_idx').on(t.type, t.status),
    index('products_search_vector_idx').using('gin', t.searchVector),
  ],
);

export const prices = pgTable(
  'prices',
  {
    id: id(),
    productId: text('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    stripePriceId: text('stripe_price_id').notNull(),
    nickname: text('nickname'),
    unitAmount: integer('unit_amount').notNull(),
    currency: text('currency').notNull().default('USD'),
    // Stripe's recurring object (seed 003).
    recurring: jsonb('recurring'),
    type: priceType('type').notNull(),
    isActive: boolean('is_active').notNull().default(true),
    ...timestamps(),
  },
  (t) => [
    unique('prices_stripe_price_id_key').on(t.stripePriceId),
    check('prices_unit_amount_check', sql`${t.unitAmount} >= 0`),
    index('prices_product_id_idx').on(t.productId),
  ],
);

export const productCategories = pgTable(
  'product_categories',
  {
    id: id(),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    description: text('description'),
    parentId: text('parent_id').references((): AnyPgColumn => productCategories.id, { onDelete: 'set null' }),
    sortOrder: integer('sort_order').notNull().default(0),
    ...timestamps(),
  },
  (t) => [
    unique('product_categories_slug_key').on(t.slug),
    index('product_categories_parent_id_idx').on(t.parentId),
  ],
);

export const productCategoryLinks = pgTable(
  'product_category_links',
  {
    id: id(),
    productId: text('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    categoryId: text('category_id')
      .notNull()
      .references(() => productCategories.id, { onDelete: 'cascade' }),
    ...timestamps(),
  },
  (t) => [
    unique('product_category_links_product_category_key').on(t.productId, t.categoryId),
    index('product_category_links_category_id_idx').on(t.categoryId),
  ],
);

export const productReviews = pgTable(
  'product_reviews',
  {
    id: id(),
    productId: text('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    rating: integer('rating').notNull(),
    title: text('title'),
    content: text('content').notNull(),
    // Verified purchase (seed 003).
    verified: boolean('verified').notNull().default(false),
    helpful: integer('helpful').notNull().default(0),
    ...timestamps(),
  },
  (t) => [
    unique('product_reviews_product_user_key').on(t.productId, t.userId),
    check('product_reviews_rating_check', sql`${t.rating} BETWEEN 1 AND 5`),
    index('product_reviews_user_id_idx').on(t.userId),
  ],
);

export const orders = pgTable(
  'orders',
  {
    id: id(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'restrict' }),
    organizationId: text('organization_id').references(() => organizations.id, { onDelete: 'set null' }),
    stripePaymentIntentId: text('stripe_payment_intent_id'),
    orderNumber: text('order_number').notNull(),
    status: orderStatus('status').notNull().default('PENDING'),
    currency: text('currency').notNull().default('USD'),
    subtotal: integer('subtotal').notNull(),
    taxAmount: integer('tax_amount').notNull().default(0),
    discountAmount: integer('discount_amount').notNull().default(0),
    totalAmount: integer('total_amount').notNull(),
    billingAddress: jsonb('billing_address').notNull(),
    shippingAddress: jsonb('shipping_address'),
    paymentStatus: orderPaymentStatus('payment_status').notNull().default('PENDING'),
    paymentMethod: text('payment_method'),
    refundedAmount: integer('refunded_amount').notNull().default(0),
    notes: text('notes'),
    internalNotes: text('internal_notes'),
    metadata: jsonb('metadata').notNull().default(sql`'{}'::jsonb`),
    completedAt: ts('completed_at'),
    canceledAt: ts('canceled_at'),
    ...timestamps(),
  },
  (t) => [
    unique('orders_stripe_payment_intent_id_key').on(t.stripePaymentIntentId),
    unique('orders_order_number_key').on(t.orderNumber),
    check('orders_subtotal_check', sql`${t.subtotal} >= 0`),
    check('orders_tax_amount_check', sql`${t.taxAmount} >= 0`),
    check('orders_discount_amount_check', sql`${t.discountAmount} >= 0`),
    check('orders_total_amount_check', sql`${t.totalAmount} >= 0`),
    check('orders_refunded_amount_check', sql`${t.refundedAmount} >= 0`),
    index('orders_user_id_idx').on(t.userId, t.createdAt),
    index('orders_organization_id_idx').on(t.organizationId),
    index('orders_status_created_at_idx').on(t.status, t.createdAt),
  ],
);

export const orderItems = pgTable(
  'order_items',
  {
    id: id(),
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    productId: text('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'restrict' }),
    priceId: text('price_id')
      .notNull()
      .references(() => prices.id, { onDelete: 'restrict' }),
    quantity: integer('quantity').notNull().default(1),
    unitPrice: integer('unit_price').notNull(),
    totalPrice: integer('total_price').notNull(),
    downloadCount: integer('download_count').notNull().default(0),
    accessExpiresAt: ts('access_expires_at'),
    ...timestamps(),
  },
  (t) => [
    check('order_items_quantity_check', sql`${t.quantity} > 0`),
    check('order_items_unit_price_check', sql`${t.unitPrice} >= 0`),
    check('order_items_total_price_check', sql`${t.totalPrice} >= 0`),
    check('order_items_total_price_equals_check', sql`${t.totalPrice} = ${t.quantity} * ${t.unitPrice}`),
    index('order_items_order_id_idx').on(t.orderId),
    index('order_items_product_id_idx').on(t.productId),
    index('order_items_price_id_idx').on(t.priceId),
  ],
);

export const paymentMethods = pgTable(
  'payment_methods',
  {
    id: id(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    stripePaymentMethodId: text('stripe_payment_method_id').notNull(),
    type: paymentMethodType('type').notNull(),
    card: jsonb('card'),
    billingDetails: jsonb('billing_details'),
    isDefault: boolean('is_default').notNull().default(false),
    ...timestamps(),
  },
  (t) => [
    unique('payment_methods_stripe_payment_method_id_key').on(t.stripePaymentMethodId),
    index('payment_methods_user_id_idx').on(t.userId),
  ],
);

export const discounts = pgTable(
  'discounts',
  {
    id: id(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    percentOff: numeric('percent_off', { precision: 7, scale: 4 }),
    amountOff: integer('amount_off'),
    currency: text('currency').notNull().default('USD'),
    // NULL = unlimited (seed 003).
    maxUses: integer('max_uses'),
    maxUsesPerCustomer: integer('max_uses_per_customer'),
    currentUses: integer('current_uses').notNull().default(0),
    validFrom: ts('valid_from'),
    validUntil: ts('valid_until'),
    minimumAmount: integer('minimum_amount'),
    firstTimeOnly: boolean('first_time_only').notNull().default(false),
    isActive: boolean('is_active').notNull().default(true),
    ...timestamps(),
  },
  (t) => [
    unique('discounts_code_key').on(t.code),
    check('discounts_percent_or_amount_check', sql`num_nonnulls(${t.percentOff}, ${t.amountOff}) = 1`),
    check('discounts_percent_off_check', sql`${t.percentOff} > 0 AND ${t.percentOff} <= 100`),
    check('discounts_amount_off_check', sql`${t.amountOff} > 0`),
    check('discounts_max_uses_check', sql`${t.maxUses} >= 0`),
    check('discounts_minimum_amount_check', sql`${t.minimumAmount} >= 0`),
  ],
);

export const productDiscounts = pgTable(
  'product_discounts',
  {
    id: id(),
    productId: text('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    discountId: text('discount_id')
      .notNull()
      .references(() => discounts.id, { onDelete: 'cascade' }),
    ...timestamps(),
  },
  (t) => [
    unique('product_discounts_product_discount_key').on(t.productId, t.discountId),
    index('product_discounts_discount_id_idx').on(t.discountId),
  ],
);

export const discountUsages = pgTable(
  'discount_usages',
  {
    id: id(),
    discountId: text('discount_id')
      .notNull()
      .references(() => discounts.id, { onDelete: 'restrict' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'restrict' }),
    orderId: text('order_id').references(() => orders.id, { onDelete: 'set null' }),
    amountSaved: integer('amount_saved').notNull(),
    ...timestamps(),
  },
  (t) => [
    check('discount_usages_amount_saved_check', sql`${t.amountSaved} >= 0`),
    index('discount_usages_discount_id_idx').on(t.discountId, t.userId),
    index('discount_usages_user_id_idx').on(t.userId),
    index('discount_usages_order_id_idx').on(t.orderId),
  ],
);

export const refunds = pgTable(
  'refunds',
  {
    id: id(),
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'restrict' }),
    stripeRefundId: text('stripe_refund_id').notNull(),
    amount: integer('amount').notNull(),
    currency: text('currency').notNull().default('USD'),
    reason: refundReason('reason').notNull(),
    status: refundStatus('status').notNull(),
    notes: text('notes'),
    metadata: jsonb('metadata').notNull().default(sql`'{}'::jsonb`),
    processedAt: ts('processed_at'),
    ...timestamps(),
  },
  (t) => [
    unique('refunds_stripe_refund_id_key').on(t.stripeRefundId),
    check('refunds_amount_check', sql`${t.amount} > 0`),
    index('refunds_order_id_idx').on(t.orderId),
  ],
);

export const analytics = pgTable(
  'analytics',
  {
    id: id(),
    date: date('date', { mode: 'string' }).notNull(),
    metric: text('metric').notNull(),
    // Money metrics in cents, rates as fractions 0–1 (SPEC §4).
    value: numeric('value', { precision: 15, scale: 4 }).notNull(),
    metadata: jsonb('metadata').notNull().default(sql`'{}'::jsonb`),
    ...timestamps(),
  },
  (t) => [unique('analytics_date_metric_key').on(t.date, t.metric)],
);
