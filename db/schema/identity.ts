// Identity tables (SPEC §4 "Identity"); mirrors migrations/0001_identity.sql.
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  boolean,
  check,
  index,
  jsonb,
  pgTable,
  text,
  unique,
} from 'drizzle-orm/pg-core';
import { id, timestamps, ts } from './columns';
import { userRole, userStatus, verificationPurpose } from './enums';
import { organizations } from './tenancy';

export const users = pgTable(
  'users',
  {
    id: id(),
    email: text('email').notNull(),
    emailVerifiedAt: ts('email_verified_at'),
    name: text('name'),
    image: text('image'),
    role: userRole('role').notNull().default('CUSTOMER'),
    status: userStatus('status').notNull().default('ACTIVE'),
    firstName: text('first_name'),
    lastName: text('last_name'),
    phone: text('phone'),
    timezone: text('timezone').notNull().default('UTC'),
    language: text('language').notNull().default('en'),
    stripeCustomerId: text('stripe_customer_id'),
    billingAddress: jsonb('billing_address'),
    taxId: text('tax_id'),
    lastLoginAt: ts('last_login_at'),
    deletedAt: ts('deleted_at'),
    // Access JWTs issued before this are refused (migrations/0008_identity_token_revocation.sql).
    tokensValidAfter: ts('tokens_valid_after'),
    ...timestamps(),
  },
  (t) => [
    unique('users_email_key').on(t.email),
    unique('users_stripe_customer_id_key').on(t.stripeCustomerId),
    check('users_email_lower_check', sql`${t.email} = lower(${t.email})`),
    index('users_deleted_at_idx').on(t.deletedAt),
  ],
);

export const accounts = pgTable(
  'accounts',
  {
    id: id(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    providerId: text('provider_id').notNull(),
    accountId: text('account_id').notNull(),
    password: text('password'),
    ...timestamps(),
  },
  (t) => [
    unique('accounts_provider_account_key').on(t.providerId, t.accountId),
    check('accounts_provider_id_check', sql`${t.providerId} IN ('credential', 'github', 'google')`),
    check(
      'accounts_password_only_credential_check',
      sql`${t.password} IS NULL OR ${t.providerId} = 'credential'`,
    ),
    index('accounts_user_id_idx').on(t.userId),
  ],
);

export const sessions = pgTable(
  'sessions',
  {
    // SHA-256 (hex) of the cookie token.
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    expiresAt: ts('expires_at').notNull(),
    ipAddress: text('ip_address'),
    userAgent: text('user_agent'),
    lastUsedAt: ts('last_used_at').notNull().defaultNow(),
    // The foreign key is added by the tenancy migration (organizations come later in the SQL).
    activeOrganizationId: text('active_organization_id').references(() => organizations.id, {
      onDelete: 'set null',
    }),
    // Second factor (migrations/0016_second_factor.sql, docs/decisions/0019).
    signInMethod: text('sign_in_method').notNull().default('password'),
    secondFactor: text('second_factor'),
    twoFactorPending: boolean('two_factor_pending').notNull().default(false),
    reauthenticatedAt: ts('reauthenticated_at'),
    // Platform ADMIN viewing the product as this user, read-only (migrations/0017_admin.sql).
    impersonatedUserId: text('impersonated_user_id').references((): AnyPgColumn => users.id, {
      onDelete: 'set null',
    }),
    ...timestamps(),
  },
  (t) => [
    check(
      'sessions_sign_in_method_check',
      sql`${t.signInMethod} IN ('password', 'github', 'google', 'passkey')`,
    ),
    check(
      'sessions_second_factor_check',
      sql`${t.secondFactor} IS NULL OR ${t.secondFactor} IN ('totp', 'recovery_code', 'passkey')`,
    ),
    index('sessions_user_id_idx').on(t.userId),
    index('sessions_expires_at_idx').on(t.expiresAt),
    index('sessions_last_used_at_idx').on(t.lastUsedAt),
    index('sessions_active_organization_id_idx').on(t.activeOrganizationId),
    index('sessions_impersonated_user_id_idx').on(t.impersonatedUserId),
  ],
);

export const verifications = pgTable(
  'verifications',
  {
    id: id(),
    identifier: text('identifier').notNull(),
    purpose: verificationPurpose('purpose').notNull(),
    tokenHash: text('token_hash').notNull(),
    expiresAt: ts('expires_at').notNull(),
    usedAt: ts('used_at'),
    ...timestamps(),
  },
  (t) => [
    unique('verifications_token_hash_key').on(t.tokenHash),
    check('verifications_identifier_lower_check', sql`${t.identifier} = lower(${t.identifier})`),
    index('verifications_identifier_idx').on(t.identifier, t.purpose),
    index('verifications_expires_at_idx').on(t.expiresAt),
  ],
);

export const tokenBlacklist = pgTable(
  'token_blacklist',
  {
    id: id(),
    tokenHash: text('token_hash').notNull(),
    expiresAt: ts('expires_at').notNull(),
    userId: text('user_id'),
    reason: text('reason'),
    revokedAt: ts('revoked_at').notNull().defaultNow(),
    revokedBy: text('revoked_by'),
    ...timestamps(),
  },
  (t) => [
    unique('token_blacklist_token_hash_key').on(t.tokenHash),
    index('token_blacklist_expires_at_idx').on(t.expiresAt),
    index('token_blacklist_user_id_idx').on(t.userId),
  ],
);

export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: id(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    familyId: text('family_id').notNull(),
    parentId: text('parent_id'),
    expiresAt: ts('expires_at').notNull(),
    rotatedAt: ts('rotated_at'),
    revokedAt: ts('revoked_at'),
    deviceInfo: text('device_info'),
    ipAddress: text('ip_address'),
    lastUsedAt: ts('last_used_at'),
    ...timestamps(),
  },
  (t) => [
    unique('refresh_tokens_token_hash_key').on(t.tokenHash),
    index('refresh_tokens_user_id_idx').on(t.userId),
    index('refresh_tokens_family_id_idx').on(t.familyId),
    index('refresh_tokens_expires_at_idx').on(t.expiresAt),
  ],
);

/** One authenticator app per user; the secret is AES-256-GCM encrypted (app/auth/totp.server.ts). */
export const totpCredentials = pgTable(
  'totp_credentials',
  {
    id: id(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    encryptedSecret: text('encrypted_secret').notNull(),
    confirmedAt: ts('confirmed_at'),
    lastUsedStep: bigint('last_used_step', { mode: 'number' }),
    ...timestamps(),
  },
  (t) => [unique('totp_credentials_user_id_key').on(t.userId)],
);

/** Single-use recovery codes, stored as SHA-256. */
export const recoveryCodes = pgTable(
  'recovery_codes',
  {
    id: id(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    usedAt: ts('used_at'),
    ...timestamps(),
  },
  (t) => [unique('recovery_codes_user_code_key').on(t.userId, t.codeHash)],
);
