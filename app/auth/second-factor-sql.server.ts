// Whether a user has a second factor, as one SQL expression: the session query (sessions.server.ts) reads
// it in the same statement as the session, and userHasSecondFactor (second-factor.server.ts) on its own.
// One place to extend when a new kind of factor lands (passkeys: webauthn_credentials, migration 0019).
import { type AnyColumn, type SQL, sql } from 'drizzle-orm';

/** TRUE when the user has a confirmed TOTP app or a passkey (a passkey is possession + user verification). */
export function secondFactorExists(userId: AnyColumn | SQL | string): SQL<boolean> {
  return sql<boolean>`(EXISTS (SELECT 1 FROM totp_credentials tf WHERE tf.user_id = ${userId} AND tf.confirmed_at IS NOT NULL) OR EXISTS (SELECT 1 FROM webauthn_credentials wc WHERE wc.user_id = ${userId}))`.mapWith(
    Boolean,
  );
}
