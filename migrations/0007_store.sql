-- Store (SPEC §4 "Store"; seed 003). Money in integer cents (SPEC §3), rates numeric.

CREATE TYPE product_status AS ENUM ('DRAFT', 'PUBLISHED', 'ARCHIVED');
--> statement-breakpoint
CREATE TYPE product_type AS ENUM ('ONE_TIME', 'SUBSCRIPTION', 'DIGITAL_DOWNLOAD', 'SERVICE');
--> statement-breakpoint
CREATE TYPE price_type AS ENUM ('ONE_TIME', 'RECURRING');
--> statement-breakpoint
CREATE TYPE order_status AS ENUM ('PENDING', 'PROCESSING', 'COMPLETED', 'CANCELED', 'REFUNDED');
--> statement-breakpoint
-- Store orders' payment state; billing payments have their own payment_status (SPEC §3, one type per meaning).
CREATE TYPE order_payment_status AS ENUM ('PENDING', 'PROCESSING', 'SUCCEEDED', 'FAILED', 'CANCELED', 'REFUNDED');
--> statement-breakpoint
-- Stripe payment method kinds (seed 003 "card, bank_account, etc."); billing's payment_method is another meaning.
CREATE TYPE payment_method_type AS ENUM ('CARD', 'BANK_ACCOUNT', 'SEPA_DEBIT', 'LINK', 'PAYPAL', 'OTHER');
--> statement-breakpoint
CREATE TYPE refund_reason AS ENUM ('REQUESTED_BY_CUSTOMER', 'DUPLICATE', 'FRAUDULENT', 'SUBSCRIPTION_CANCELED', 'OTHER');
--> statement-breakpoint
CREATE TYPE refund_status AS ENUM ('PENDING', 'SUCCEEDED', 'FAILED', 'CANCELED');
--> statement-breakpoint

-- Soft delete is deleted_at (SPEC §3), so status has no DELETED. A SUBSCRIPTION product names the plan it sells.
-- download_limit -1 = unlimited (seed 003). tags has no default (drizzle-kit cannot round-trip an empty-array default).
CREATE TABLE products (
  id text PRIMARY KEY DEFAULT gen_id(),
  name text NOT NULL,
  description text NOT NULL,
  short_description text,
  slug text NOT NULL,
  status product_status NOT NULL DEFAULT 'DRAFT',
  type product_type NOT NULL,
  plan_id text CONSTRAINT products_plan_id_plans_id_fk REFERENCES plans (id) ON DELETE SET NULL,
  base_price integer NOT NULL,
  currency text NOT NULL DEFAULT 'USD',
  tax_rate numeric(5, 4),
  download_url text,
  download_limit integer DEFAULT -1,
  access_duration integer,
  billing_interval text,
  trial_days integer DEFAULT 0,
  images jsonb NOT NULL DEFAULT '[]'::jsonb,
  files jsonb NOT NULL DEFAULT '[]'::jsonb,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  meta_title text,
  meta_description text,
  tags text[] NOT NULL,
  featured boolean NOT NULL DEFAULT false,
  track_inventory boolean NOT NULL DEFAULT false,
  stock_quantity integer NOT NULL DEFAULT 0,
  low_stock_threshold integer,
  published_at timestamptz(3),
  deleted_at timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT products_base_price_check CHECK (base_price >= 0),
  CONSTRAINT products_stock_quantity_check CHECK (stock_quantity >= 0),
  CONSTRAINT products_download_limit_check CHECK (download_limit = -1 OR download_limit >= 0)
);
--> statement-breakpoint
-- A deleted product's slug may be reused (SPEC §3).
CREATE UNIQUE INDEX products_slug_key ON products (slug) WHERE deleted_at IS NULL;
--> statement-breakpoint
CREATE INDEX products_plan_id_idx ON products (plan_id);
--> statement-breakpoint
CREATE INDEX products_status_featured_idx ON products (status, featured);
--> statement-breakpoint
CREATE INDEX products_type_status_idx ON products (type, status);
--> statement-breakpoint
CREATE TRIGGER products_set_updated_at BEFORE UPDATE ON products FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- recurring holds Stripe's recurring object (seed 003).
CREATE TABLE prices (
  id text PRIMARY KEY DEFAULT gen_id(),
  product_id text NOT NULL CONSTRAINT prices_product_id_products_id_fk REFERENCES products (id) ON DELETE CASCADE,
  stripe_price_id text NOT NULL,
  nickname text,
  unit_amount integer NOT NULL,
  currency text NOT NULL DEFAULT 'USD',
  recurring jsonb,
  type price_type NOT NULL,
  is_active boolean NOT NULL DEFAULT true,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT prices_stripe_price_id_key UNIQUE (stripe_price_id),
  CONSTRAINT prices_unit_amount_check CHECK (unit_amount >= 0)
);
--> statement-breakpoint
CREATE INDEX prices_product_id_idx ON prices (product_id);
--> statement-breakpoint
CREATE TRIGGER prices_set_updated_at BEFORE UPDATE ON prices FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- A category tree: removing a parent lifts its children to the top level.
CREATE TABLE product_categories (
  id text PRIMARY KEY DEFAULT gen_id(),
  name text NOT NULL,
  slug text NOT NULL,
  description text,
  parent_id text CONSTRAINT product_categories_parent_id_product_categories_id_fk REFERENCES product_categories (id) ON DELETE SET NULL,
  sort_order integer NOT NULL DEFAULT 0,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT product_categories_slug_key UNIQUE (slug)
);
--> statement-breakpoint
CREATE INDEX product_categories_parent_id_idx ON product_categories (parent_id);
--> statement-breakpoint
CREATE TRIGGER product_categories_set_updated_at BEFORE UPDATE ON product_categories FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- Seed 003's implicit many-to-many between products and categories, made explicit.
CREATE TABLE product_category_links (
  id text PRIMARY KEY DEFAULT gen_id(),
  product_id text NOT NULL CONSTRAINT product_category_links_product_id_products_id_fk REFERENCES products (id) ON DELETE CASCADE,
  category_id text NOT NULL CONSTRAINT product_category_links_category_id_product_categories_id_fk REFERENCES product_categories (id) ON DELETE CASCADE,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT product_category_links_product_category_key UNIQUE (product_id, category_id)
);
--> statement-breakpoint
CREATE INDEX product_category_links_category_id_idx ON product_category_links (category_id);
--> statement-breakpoint
CREATE TRIGGER product_category_links_set_updated_at BEFORE UPDATE ON product_category_links FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- One review per user and product; verified = verified purchase (seed 003).
CREATE TABLE product_reviews (
  id text PRIMARY KEY DEFAULT gen_id(),
  product_id text NOT NULL CONSTRAINT product_reviews_product_id_products_id_fk REFERENCES products (id) ON DELETE CASCADE,
  user_id text NOT NULL CONSTRAINT product_reviews_user_id_users_id_fk REFERENCES users (id) ON DELETE CASCADE,
  rating integer NOT NULL,
  title text,
  content text NOT NULL,
  verified boolean NOT NULL DEFAULT false,
  helpful integer NOT NULL DEFAULT 0,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT product_reviews_product_user_key UNIQUE (product_id, user_id),
  CONSTRAINT product_reviews_rating_check CHECK (rating BETWEEN 1 AND 5)
);
--> statement-breakpoint
CREATE INDEX product_reviews_user_id_idx ON product_reviews (user_id);
--> statement-breakpoint
CREATE TRIGGER product_reviews_set_updated_at BEFORE UPDATE ON product_reviews FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- Orders are history (SPEC §5): the buyer cannot be deleted under them; the organization they were
-- bought for may go (SET NULL), so deleting an organization never trips over its store orders.
CREATE TABLE orders (
  id text PRIMARY KEY DEFAULT gen_id(),
  user_id text NOT NULL CONSTRAINT orders_user_id_users_id_fk REFERENCES users (id) ON DELETE RESTRICT,
  organization_id text CONSTRAINT orders_organization_id_organizations_id_fk REFERENCES organizations (id) ON DELETE SET NULL,
  stripe_payment_intent_id text,
  order_number text NOT NULL,
  status order_status NOT NULL DEFAULT 'PENDING',
  currency text NOT NULL DEFAULT 'USD',
  subtotal integer NOT NULL,
  tax_amount integer NOT NULL DEFAULT 0,
  discount_amount integer NOT NULL DEFAULT 0,
  total_amount integer NOT NULL,
  billing_address jsonb NOT NULL,
  shipping_address jsonb,
  payment_status order_payment_status NOT NULL DEFAULT 'PENDING',
  payment_method text,
  refunded_amount integer NOT NULL DEFAULT 0,
  notes text,
  internal_notes text,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  completed_at timestamptz(3),
  canceled_at timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT orders_stripe_payment_intent_id_key UNIQUE (stripe_payment_intent_id),
  CONSTRAINT orders_order_number_key UNIQUE (order_number),
  CONSTRAINT orders_subtotal_check CHECK (subtotal >= 0),
  CONSTRAINT orders_tax_amount_check CHECK (tax_amount >= 0),
  CONSTRAINT orders_discount_amount_check CHECK (discount_amount >= 0),
  CONSTRAINT orders_total_amount_check CHECK (total_amount >= 0),
  CONSTRAINT orders_refunded_amount_check CHECK (refunded_amount >= 0)
);
--> statement-breakpoint
-- Seed 003: a user's orders newest first.
CREATE INDEX orders_user_id_idx ON orders (user_id, created_at);
--> statement-breakpoint
CREATE INDEX orders_organization_id_idx ON orders (organization_id);
--> statement-breakpoint
CREATE INDEX orders_status_created_at_idx ON orders (status, created_at);
--> statement-breakpoint
CREATE TRIGGER orders_set_updated_at BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- Items go with their order; the product and price they sold are kept (RESTRICT, seed 003).
CREATE TABLE order_items (
  id text PRIMARY KEY DEFAULT gen_id(),
  order_id text NOT NULL CONSTRAINT order_items_order_id_orders_id_fk REFERENCES orders (id) ON DELETE CASCADE,
  product_id text NOT NULL CONSTRAINT order_items_product_id_products_id_fk REFERENCES products (id) ON DELETE RESTRICT,
  price_id text NOT NULL CONSTRAINT order_items_price_id_prices_id_fk REFERENCES prices (id) ON DELETE RESTRICT,
  quantity integer NOT NULL DEFAULT 1,
  unit_price integer NOT NULL,
  total_price integer NOT NULL,
  download_count integer NOT NULL DEFAULT 0,
  access_expires_at timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT order_items_quantity_check CHECK (quantity > 0),
  CONSTRAINT order_items_unit_price_check CHECK (unit_price >= 0),
  CONSTRAINT order_items_total_price_check CHECK (total_price >= 0),
  CONSTRAINT order_items_total_price_equals_check CHECK (total_price = quantity * unit_price)
);
--> statement-breakpoint
CREATE INDEX order_items_order_id_idx ON order_items (order_id);
--> statement-breakpoint
CREATE INDEX order_items_product_id_idx ON order_items (product_id);
--> statement-breakpoint
CREATE INDEX order_items_price_id_idx ON order_items (price_id);
--> statement-breakpoint
CREATE TRIGGER order_items_set_updated_at BEFORE UPDATE ON order_items FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- A user's saved Stripe payment methods (store purchases); card holds Stripe's display details only, never a card number.
CREATE TABLE payment_methods (
  id text PRIMARY KEY DEFAULT gen_id(),
  user_id text NOT NULL CONSTRAINT payment_methods_user_id_users_id_fk REFERENCES users (id) ON DELETE CASCADE,
  stripe_payment_method_id text NOT NULL,
  type payment_method_type NOT NULL,
  card jsonb,
  billing_details jsonb,
  is_default boolean NOT NULL DEFAULT false,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT payment_methods_stripe_payment_method_id_key UNIQUE (stripe_payment_method_id)
);
--> statement-breakpoint
CREATE INDEX payment_methods_user_id_idx ON payment_methods (user_id);
--> statement-breakpoint
CREATE TRIGGER payment_methods_set_updated_at BEFORE UPDATE ON payment_methods FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- Seed 003's type/value pair becomes exactly one of percent_off or amount_off (SPEC §4).
-- max_uses / max_uses_per_customer NULL = unlimited; current_uses is counted under a row lock (SPEC §3, §6).
CREATE TABLE discounts (
  id text PRIMARY KEY DEFAULT gen_id(),
  code text NOT NULL,
  name text NOT NULL,
  description text,
  percent_off numeric(7, 4),
  amount_off integer,
  currency text NOT NULL DEFAULT 'USD',
  max_uses integer,
  max_uses_per_customer integer,
  current_uses integer NOT NULL DEFAULT 0,
  valid_from timestamptz(3),
  valid_until timestamptz(3),
  minimum_amount integer,
  first_time_only boolean NOT NULL DEFAULT false,
  is_active boolean NOT NULL DEFAULT true,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT discounts_code_key UNIQUE (code),
  CONSTRAINT discounts_percent_or_amount_check CHECK (num_nonnulls(percent_off, amount_off) = 1),
  CONSTRAINT discounts_percent_off_check CHECK (percent_off > 0 AND percent_off <= 100),
  CONSTRAINT discounts_amount_off_check CHECK (amount_off > 0),
  CONSTRAINT discounts_max_uses_check CHECK (max_uses >= 0),
  CONSTRAINT discounts_minimum_amount_check CHECK (minimum_amount >= 0)
);
--> statement-breakpoint
CREATE TRIGGER discounts_set_updated_at BEFORE UPDATE ON discounts FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- Products a discount is limited to (seed 003).
CREATE TABLE product_discounts (
  id text PRIMARY KEY DEFAULT gen_id(),
  product_id text NOT NULL CONSTRAINT product_discounts_product_id_products_id_fk REFERENCES products (id) ON DELETE CASCADE,
  discount_id text NOT NULL CONSTRAINT product_discounts_discount_id_discounts_id_fk REFERENCES discounts (id) ON DELETE CASCADE,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT product_discounts_product_discount_key UNIQUE (product_id, discount_id)
);
--> statement-breakpoint
CREATE INDEX product_discounts_discount_id_idx ON product_discounts (discount_id);
--> statement-breakpoint
CREATE TRIGGER product_discounts_set_updated_at BEFORE UPDATE ON product_discounts FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- Redemption history (RESTRICT, seed 003): per-customer limits count these rows.
CREATE TABLE discount_usages (
  id text PRIMARY KEY DEFAULT gen_id(),
  discount_id text NOT NULL CONSTRAINT discount_usages_discount_id_discounts_id_fk REFERENCES discounts (id) ON DELETE RESTRICT,
  user_id text NOT NULL CONSTRAINT discount_usages_user_id_users_id_fk REFERENCES users (id) ON DELETE RESTRICT,
  order_id text CONSTRAINT discount_usages_order_id_orders_id_fk REFERENCES orders (id) ON DELETE SET NULL,
  amount_saved integer NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT discount_usages_amount_saved_check CHECK (amount_saved >= 0)
);
--> statement-breakpoint
-- Leads with discount_id and serves the per-customer count (max_uses_per_customer).
CREATE INDEX discount_usages_discount_id_idx ON discount_usages (discount_id, user_id);
--> statement-breakpoint
CREATE INDEX discount_usages_user_id_idx ON discount_usages (user_id);
--> statement-breakpoint
CREATE INDEX discount_usages_order_id_idx ON discount_usages (order_id);
--> statement-breakpoint
CREATE TRIGGER discount_usages_set_updated_at BEFORE UPDATE ON discount_usages FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- An order with refunds cannot be deleted (RESTRICT, seed 003).
CREATE TABLE refunds (
  id text PRIMARY KEY DEFAULT gen_id(),
  order_id text NOT NULL CONSTRAINT refunds_order_id_orders_id_fk REFERENCES orders (id) ON DELETE RESTRICT,
  stripe_refund_id text NOT NULL,
  amount integer NOT NULL,
  currency text NOT NULL DEFAULT 'USD',
  reason refund_reason NOT NULL,
  status refund_status NOT NULL,
  notes text,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  processed_at timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT refunds_stripe_refund_id_key UNIQUE (stripe_refund_id),
  CONSTRAINT refunds_amount_check CHECK (amount > 0)
);
--> statement-breakpoint
CREATE INDEX refunds_order_id_idx ON refunds (order_id);
--> statement-breakpoint
CREATE TRIGGER refunds_set_updated_at BEFORE UPDATE ON refunds FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- Daily metrics of the analytics-rollup job (SPEC §8), upserted by (date, metric).
-- Money metrics in cents (a yearly plan counts price/12 toward mrr), rates as fractions 0–1.
CREATE TABLE analytics (
  id text PRIMARY KEY DEFAULT gen_id(),
  date date NOT NULL,
  metric text NOT NULL,
  value numeric(15, 4) NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT analytics_date_metric_key UNIQUE (date, metric)
);
--> statement-breakpoint
CREATE TRIGGER analytics_set_updated_at BEFORE UPDATE ON analytics FOR EACH ROW EXECUTE FUNCTION set_updated_at();
