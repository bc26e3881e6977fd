// Passkeys (WebAuthn), their one-time challenges, and email change requests; mirrors
// migrations/0019_passkeys.sql (docs/decisions/0019-second-factor.md).
import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, pgTable, text, unique } from 'drizzle-orm/pg-core';
import { id, timestamps, ts } from './columns';
import { users } from './identity';

export const webauthnCredentials = pgTable(
  'webauthn_credentials',
  {
    id: id(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** base64url, as the authenticator names it. */
    credentialId: text('credential_id').notNull(),
    /** base64url of the COSE public key. */
    publicKey: text('public_key').notNull(),
    counter: bigint('counter', { mode: 'number' }).notNull().default(0),
    transports: text('transports').array().notNull(),
    backedUp: boolean('backed_up').notNull().default(false),
    name: text('name').notNull(),
    lastUsedAt: ts('last_used_at'),
    ...timestamps(),
  },
  (t) => [
    unique('webauthn_credentials_credential_id_key').on(t.credentialId),
    check('webauthn_credentials_counter_check', sql`${t.counter} >= 0`),
    check('webauthn_credentials_name_check', sql`char_length(${t.name}) BETWEEN 1 AND 64`),
    index('webauthn_credentials_user_id_idx').on(t.userId),
  ],
);

export const webauthnChallenges = pgTable(
  'webauthn_challenges',
  {
    id: id(),
    purpose: text('purpose').notNull(),
    userId: text('user_id').references(() => users.id, { onDelete: 'cascade' }),
    challenge: text('challenge').notNull(),
    expiresAt: ts('expires_at').notNull(),
    usedAt: ts('used_at'),
    ...timestamps(),
  },
  (t) => [
    unique('webauthn_challenges_challenge_key').on(t.challenge),
    check(
      'webauthn_challenges_purpose_check',
      sql`${t.purpose} IN ('registration', 'authentication', 'reauthentication')`,
    ),
    check('webauthn_challenges_user_check', sql`${t.purpose} = 'authentication' OR ${t.userId} IS NOT NULL`),
    index('webauthn_challenges_user_id_idx').on(t.userId),
    index('webauthn_challenges_expires_at_idx').on(t.expiresAt),
  ],
);

export const emailChangeRequests = pgTable(
  'email_change_requests',
  {
    id: id(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    newEmail: text('new_email').notNull(),
    tokenHash: text('token_hash').notNull(),
    expiresAt: ts('expires_at').notNull(),
    usedAt: ts('used_at'),
    ...timestamps(),
  },
  (t) => [
    unique('email_change_requests_token_hash_key').on(t.tokenHash),
    check('email_change_requests_new_email_lower_check', sql`${t.newEmail} = lower(${t.newEmail})`),
    index('email_change_requests_user_id_idx').on(t.userId),
    index('email_change_requests_expires_at_idx').on(t.expiresAt),
  ],
);
