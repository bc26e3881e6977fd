// Raw-SQL row factories for the schema suite: they go straight to the tables (no domain code), so the
// tests prove what the database itself enforces. Every factory makes unique values, so tests in one
// file never collide.
import { randomBytes } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import { type Database, pgErrorCode, rowsOf } from '../../db/client.server';

export const uid = () => randomBytes(5).toString('hex');

export async function one<T = Record<string, unknown>>(db: Database, query: SQL): Promise<T> {
  const rows = rowsOf<T>(await db.execute(query));
  if (!rows[0]) throw new Error('query returned no row');
  return rows[0];
}

export async function count(db: Database, table: string, where: SQL): Promise<number> {
  const row = await one<{ n: number | string }>(
    db,
    sql`SELECT count(*) AS n FROM ${sql.identifier(table)} WHERE ${where}`,
  );
  return Number(row.n);
}

async function insertId(db: Database, query: SQL): Promise<string> {
  return (await one<{ id: string }>(db, query)).id;
}

/** The SQLSTATE the query fails with (undefined when it succeeds). */
export async function failureCode(db: Database, query: SQL): Promise<string | undefined> {
  try {
    await db.execute(query);
    return undefined;
  } catch (err) {
    return pgErrorCode(err) ?? 'unknown';
  }
}

/** SPEC §3: a RESTRICT violation is 23503 on PostgreSQL, 23001 on PGlite. */
export const FK_CODES = ['23503', '23001'];

export const createUser = (db: Database) =>
  insertId(
    db,
    sql`INSERT INTO users (email, name) VALUES (${`u-${uid()}@example.com`}, 'Test User') RETURNING id`,
  );

export const createOrganization = (db: Database) => {
  const slug = `org-${uid()}`;
  return insertId(db, sql`INSERT INTO organizations (name, slug) VALUES (${slug}, ${slug}) RETURNING id`);
};

export const addMember = (db: Database, organizationId: string, userId: string, role = 'MEMBER') =>
  insertId(
    db,
    sql`INSERT INTO organization_members (organization_id, user_id, role) VALUES (${organizationId}, ${userId}, ${role}::member_role) RETURNING id`,
  );

export const planId = async (db: Database, key: 'free' | 'monthly' | 'yearly') =>
  (await one<{ id: string }>(db, sql`SELECT id FROM plans WHERE key = ${key} AND deleted_at IS NULL`)).id;

export const createPlan = (db: Database) =>
  insertId(
    db,
    sql`INSERT INTO plans (key, name, tier, billing_interval, price, limits)
        VALUES (${`custom-${uid()}`}, 'Custom', 'CUSTOM', 'MONTHLY', 1000, '{"modules":1,"members":1,"storage_gb":1,"api_calls_per_month":1}')
        RETURNING id`,
  );

export const createSubscription = async (db: Database, organizationId: string, plan?: string) =>
  insertId(
    db,
    sql`INSERT INTO subscriptions (organization_id, plan_id, status)
        VALUES (${organizationId}, ${plan ?? (await planId(db, 'free'))}, 'ACTIVE') RETURNING id`,
  );

export const createBillingAccount = (db: Database, organizationId: string) =>
  insertId(db, sql`INSERT INTO billing_accounts (organization_id) VALUES (${organizationId}) RETURNING id`);

export const createService = (db: Database, organizationId: string) =>
  insertId(
    db,
    sql`INSERT INTO services (organization_id, type, name, monthly_fee)
        VALUES (${organizationId}, (SELECT enum_range(NULL::service_type))[1], 'Service', 1500) RETURNING id`,
  );

export const createInvoice = (
  db: Database,
  billingAccountId: string,
  options: { subscriptionId?: string; subtotal?: number; periodStart?: string } = {},
) => {
  const subtotal = options.subtotal ?? 1500;
  const start =
    options.periodStart ?? `2026-${String(1 + Math.floor(Math.random() * 12)).padStart(2, '0')}-01T00:00:00Z`;
  return insertId(
    db,
    sql`INSERT INTO invoices (billing_account_id, subscription_id, period_start, period_end, subtotal, tax, total, status, due_at)
        VALUES (${billingAccountId}, ${options.subscriptionId ?? null}, ${start}, ${start}::timestamptz + interval '1 month',
                ${subtotal}, 0, ${subtotal}, 'DRAFT', ${start}::timestamptz + interval '45 days')
        RETURNING id`,
  );
};

export const addLineItem = (db: Database, invoiceId: string, serviceId: string | null, amount = 1500) =>
  insertId(
    db,
    sql`INSERT INTO invoice_line_items (invoice_id, service_id, description, quantity, unit_price, amount)
        VALUES (${invoiceId}, ${serviceId}, 'Monthly fee', 1, ${amount}, ${amount}) RETURNING id`,
  );

export const finalizeInvoice = (db: Database, invoiceId: string) =>
  db.execute(
    sql`UPDATE invoices SET status = 'OPEN', finalized_at = now(), issued_at = now(),
               invoice_number = ${`INV-2026-${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}-${uid()}`}
        WHERE id = ${invoiceId}`,
  );

export const createPayment = (
  db: Database,
  billingAccountId: string,
  invoiceId: string | null,
  amount = 1500,
) =>
  insertId(
    db,
    sql`INSERT INTO payments (billing_account_id, invoice_id, amount, method, status)
        VALUES (${billingAccountId}, ${invoiceId}, ${amount}, 'STRIPE_CARD', 'PAID') RETURNING id`,
  );

export const createCredit = (db: Database, billingAccountId: string, amount = 500) =>
  insertId(
    db,
    sql`INSERT INTO credits (billing_account_id, amount, reason) VALUES (${billingAccountId}, ${amount}, 'goodwill') RETURNING id`,
  );

export async function createApp(db: Database, organizationId: string | null): Promise<string> {
  const row = await one<{ app_id: string }>(
    db,
    sql`INSERT INTO apps (app_id, name, manifest, organization_id)
        VALUES (${`app-${uid()}`}, 'Lucky Draw', '{"name":"Lucky Draw"}', ${organizationId}) RETURNING app_id`,
  );
  return row.app_id;
}

export const createRoom = (db: Database, organizationId: string, createdBy: string, appId: string) =>
  insertId(
    db,
    sql`INSERT INTO rooms (app_id, app_manifest_version, created_by, organization_id, name, status, starts_at)
        VALUES (${appId}, '1.0.0', ${createdBy}, ${organizationId}, 'Room', 'ACTIVE', now()) RETURNING id`,
  );

export const addParticipant = (db: Database, roomId: string, userId: string) =>
  insertId(
    db,
    sql`INSERT INTO participants (room_id, user_id, role) VALUES (${roomId}, ${userId}, 'PARTICIPANT') RETURNING id`,
  );

export const createPrize = (db: Database, roomId: string, quantity = 1) =>
  insertId(
    db,
    sql`INSERT INTO prizes (room_id, name, quantity) VALUES (${roomId}, 'Prize', ${quantity}) RETURNING id`,
  );

export const createWinner = (db: Database, roomId: string, prizeId: string, participantId: string) =>
  insertId(
    db,
    sql`INSERT INTO winners (room_id, prize_id, participant_id, metadata)
        VALUES (${roomId}, ${prizeId}, ${participantId}, '{"seed":"s","algorithm":"test","candidate_ids":[]}') RETURNING id`,
  );

export const createTeam = (db: Database, organizationId: string) =>
  insertId(
    db,
    sql`INSERT INTO teams (organization_id, name) VALUES (${organizationId}, ${`team-${uid()}`}) RETURNING id`,
  );

export const createProject = (db: Database, organizationId: string) => {
  const slug = `p-${uid()}`;
  return insertId(
    db,
    sql`INSERT INTO projects (organization_id, name, slug) VALUES (${organizationId}, ${slug}, ${slug}) RETURNING id`,
  );
};

export const createApiKey = (db: Database, organizationId: string, userId: string) =>
  insertId(
    db,
    sql`INSERT INTO api_keys (organization_id, user_id, name, key_hash, key_prefix, scopes)
        VALUES (${organizationId}, ${userId}, 'key', ${`hash-${uid()}`}, 'sk_test', ARRAY['usage:write']::text[]) RETURNING id`,
  );

export const writeAudit = (db: Database, userId: string | null, organizationId: string | null = null) =>
  insertId(
    db,
    sql`INSERT INTO audit_logs (user_id, actor_type, organization_id, action, entity_type, entity_id)
        VALUES (${userId}, 'USER', ${organizationId}, 'test.action', 'test', 'x') RETURNING id`,
  );

const firstEnumValue = (type: string) => sql.raw(`(enum_range(NULL::${type}))[1]`);

export async function createProductWithPrice(db: Database, options: { planId?: string } = {}) {
  const slug = `product-${uid()}`;
  const product = await insertId(
    db,
    sql`INSERT INTO products (name, description, slug, type, base_price, tags, plan_id)
        VALUES (${slug}, 'A product', ${slug}, ${firstEnumValue('product_type')}, 1000, ARRAY[]::text[], ${options.planId ?? null})
        RETURNING id`,
  );
  const price = await insertId(
    db,
    sql`INSERT INTO prices (product_id, stripe_price_id, unit_amount, type)
        VALUES (${product}, ${`price_${uid()}`}, 1000, ${firstEnumValue('price_type')}) RETURNING id`,
  );
  return { product, price };
}

/** A paid order of one item, bought by `userId` for `organizationId`. */
export async function createOrder(db: Database, userId: string, organizationId: string | null) {
  const { product, price } = await createProductWithPrice(db);
  const order = await insertId(
    db,
    sql`INSERT INTO orders (user_id, organization_id, order_number, subtotal, total_amount, billing_address)
        VALUES (${userId}, ${organizationId}, ${`ORD-${uid()}`}, 1000, 1000, '{"country":"US"}') RETURNING id`,
  );
  await db.execute(
    sql`INSERT INTO order_items (order_id, product_id, price_id, quantity, unit_price, total_price)
        VALUES (${order}, ${product}, ${price}, 1, 1000, 1000)`,
  );
  return { order, product, price };
}

export const createRefund = (db: Database, orderId: string, amount = 500) =>
  insertId(
    db,
    sql`INSERT INTO refunds (order_id, stripe_refund_id, amount, reason, status)
        VALUES (${orderId}, ${`re_${uid()}`}, ${amount}, ${firstEnumValue('refund_reason')}, ${firstEnumValue('refund_status')})
        RETURNING id`,
  );
