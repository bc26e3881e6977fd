// Ending every way in to an account at once: browser sessions, API refresh tokens, and the access JWTs
// still inside their 15 minutes (users.tokens_valid_after, checked by verifyAccessToken).
import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '~db/client.server';
import { refreshTokens, users, verifications } from '~db/schema';
import { revokeOtherSessions } from './sessions.server';

export interface Revoked {
  sessionsRevoked: number;
  refreshTokensRevoked: number;
}

/**
 * Revokes the user's sessions (except `keepSessionId`), every refresh token, and every access JWT issued
 * until now. Run inside the transaction of the change that causes it.
 */
export async function revokeAllAccess(
  tx: Database,
  userId: string,
  keepSessionId: string | null = null,
): Promise<Revoked> {
  const now = new Date();
  const sessionsRevoked = await revokeOtherSessions(tx, userId, keepSessionId);
  const refresh = await tx
    .update(refreshTokens)
    .set({ revokedAt: now })
    .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)))
    .returning({ id: refreshTokens.id });
  await tx.update(users).set({ tokensValidAfter: now }).where(eq(users.id, userId));
  return { sessionsRevoked, refreshTokensRevoked: refresh.length };
}

/** Marks every outstanding (unused) link of `purpose` for the address as used: one use ends them all. */
export async function voidOutstandingLinks(
  tx: Database,
  email: string,
  purpose: 'EMAIL_VERIFICATION' | 'PASSWORD_RESET',
): Promise<number> {
  const voided = await tx
    .update(verifications)
    .set({ usedAt: new Date() })
    .where(
      and(
        eq(verifications.identifier, email),
        eq(verifications.purpose, purpose),
        isNull(verifications.usedAt),
      ),
    )
    .returning({ id: verifications.id });
  return voided.length;
}
