// API and usage tables (SPEC §4 "API and usage"); mirrors migrations/0004_api.sql.
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  unique,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { id, timestamps, ts } from './columns';
import { users } from './identity';
import { organizations, projects } from './tenancy';

export const apiKeys = pgTable(
  'api_keys',
  {
    id: id(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    // The creator: the key acts as this member and goes with them.
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    keyHash: text('key_hash').notNull(),
    keyPrefix: text('key_prefix').notNull(),
    // No default: drizzle-kit 0.31 cannot mirror an empty-array default; scopes are chosen at creation.
    scopes: text('scopes').array().notNull(),
    isActive: boolean('is_active').notNull().default(true),
    // Requests per hour (seed 002).
    rateLimit: integer('rate_limit').notNull().default(1000),
    expiresAt: ts('expires_at'),
    lastUsedAt: ts('last_used_at'),
    ...timestamps(),
  },
  (t) => [
    unique('api_keys_key_hash_key').on(t.keyHash),
    check('api_keys_rate_limit_check', sql`${t.rateLimit} > 0`),
    // The closed scope list of SPEC §4 (the same list lives in code).
    check(
      'api_keys_scopes_check',
      sql`${t.scopes} <@ ARRAY['usage:read', 'usage:write', 'rooms:read', 'rooms:write']::text[]`,
    ),
    index('api_keys_organization_id_idx').on(t.organizationId),
    index('api_keys_user_id_idx').on(t.userId),
    index('api_keys_key_prefix_idx').on(t.keyPrefix),
  ],
);

export const usageEvents = pgTable(
  'usage_events',
  {
    id: id(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    apiKeyId: text('api_key_id').references(() => apiKeys.id, { onDelete: 'set null' }),
    projectId: text('project_id').references(() => projects.id, { onDelete: 'set null' }),
    eventType: text('event_type').notNull(),
    quantity: integer('quantity').notNull().default(1),
    eventData: jsonb('event_data'),
    idempotencyKey: text('idempotency_key'),
    timestamp: ts('timestamp').notNull().defaultNow(),
    ...timestamps(),
  },
  (t) => [
    check('usage_events_quantity_check', sql`${t.quantity} > 0`),
    index('usage_events_organization_event_type_timestamp_idx').on(
      t.organizationId,
      t.eventType,
      t.timestamp,
    ),
    index('usage_events_api_key_id_idx').on(t.apiKeyId),
    index('usage_events_project_id_idx').on(t.projectId),
    uniqueIndex('usage_events_organization_idempotency_key_key')
      .on(t.organizationId, t.idempotencyKey)
      .where(sql`idempotency_key IS NOT NULL`),
  ],
);

/**
 * Per organization, UTC month and event type: kept by a statement trigger on usage_events, recomputed by
 * usage-rollup; the monthly plan limit reads one row (migrations/0009_usage_counters.sql).
 */
export const usageCounters = pgTable(
  'usage_counters',
  {
    id: id(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    month: date('month', { mode: 'string' }).notNull(),
    eventType: text('event_type').notNull(),
    quantity: bigint('quantity', { mode: 'number' }).notNull().default(0),
    events: bigint('events', { mode: 'number' }).notNull().default(0),
    ...timestamps(),
  },
  (t) => [
    unique('usage_counters_organization_month_event_type_key').on(t.organizationId, t.month, t.eventType),
    check('usage_counters_month_check', sql`${t.month} = date_trunc('month', ${t.month})::date`),
  ],
);

/**
 * Per organization, UTC day and event type: kept in the same statements as usage_counters; the dashboard's
 * daily chart reads at most 31 rows (migrations/0020_usage_daily_counters.sql).
 */
export const usageDailyCounters = pgTable(
  'usage_daily_counters',
  {
    id: id(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    day: date('day', { mode: 'string' }).notNull(),
    eventType: text('event_type').notNull(),
    quantity: bigint('quantity', { mode: 'number' }).notNull().default(0),
    events: bigint('events', { mode: 'number' }).notNull().default(0),
    ...timestamps(),
  },
  (t) => [
    unique('usage_daily_counters_organization_day_event_type_key').on(t.organizationId, t.day, t.eventType),
  ],
);

/** One row per key and one-minute bucket; no id, no timestamps (SPEC §4). */
export const rateLimits = pgTable(
  'rate_limits',
  {
    key: text('key').notNull(),
    windowStart: ts('window_start').notNull(),
    count: integer('count').notNull().default(1),
  },
  (t) => [
    primaryKey({ name: 'rate_limits_pkey', columns: [t.key, t.windowStart] }),
    check('rate_limits_count_check', sql`${t.count} > 0`),
    index('rate_limits_window_start_idx').on(t.windowStart),
  ],
);
