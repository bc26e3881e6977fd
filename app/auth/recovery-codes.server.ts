// Recovery codes (docs/decisions/0019): ten single-use codes made when TOTP is turned on, shown once,
// stored as SHA-256 (each is 50 random bits, so a fast hash is enough: there is nothing to brute-force
// offline that the throttle does not already bound online). Regenerating replaces the whole set.
import { randomInt } from 'node:crypto';
import { and, count, eq, isNull } from 'drizzle-orm';
import type { Database } from '~db/client.server';
import { recoveryCodes } from '~db/schema';
import { sha256Hex } from './tokens.server';

export const RECOVERY_CODE_COUNT = 10;
// Crockford-like: no 0/o, 1/l/i, so a code read off paper is typed right.
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const HALF = 5;

/** `abcde-fghjk`: ten characters of a 31-letter alphabet (~50 bits). */
export function generateRecoveryCode(): string {
  const pick = () => Array.from({ length: HALF }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  return `${pick()}-${pick()}`;
}

/** Case, spaces and the dash do not matter; anything else that is not a code is null. */
export function normalizeRecoveryCode(raw: string): string | null {
  const code = raw.toLowerCase().replace(/[\s-]+/g, '');
  if (code.length !== HALF * 2 || ![...code].every((c) => ALPHABET.includes(c))) return null;
  return code;
}

function hashCode(normalized: string): string {
  return sha256Hex(`recovery:${normalized}`);
}

/** Replaces the user's recovery codes with a new set; returns the codes in plain text (show them once). */
export async function replaceRecoveryCodes(tx: Database, userId: string): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, generateRecoveryCode);
  await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  await tx
    .insert(recoveryCodes)
    .values(codes.map((code) => ({ userId, codeHash: hashCode(normalizeRecoveryCode(code) as string) })));
  return codes;
}

/** Spends one recovery code: true once per code (the UPDATE only matches an unused one, race-free). */
export async function consumeRecoveryCode(db: Database, userId: string, raw: string): Promise<boolean> {
  const code = normalizeRecoveryCode(raw);
  if (!code) return false;
  const spent = await db
    .update(recoveryCodes)
    .set({ usedAt: new Date() })
    .where(
      and(
        eq(recoveryCodes.userId, userId),
        eq(recoveryCodes.codeHash, hashCode(code)),
        isNull(recoveryCodes.usedAt),
      ),
    )
    .returning({ id: recoveryCodes.id });
  return spent.length > 0;
}

/** How many unused recovery codes the user has left. */
export async function remainingRecoveryCodes(db: Database, userId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(recoveryCodes)
    .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
  return Number(row?.n ?? 0);
}

export async function deleteRecoveryCodes(tx: Database, userId: string): Promise<void> {
  await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
}
