// TOTP (RFC 6238) second factor (docs/decisions/0019): 30-second steps, 6 digits, SHA-1 (what every
// authenticator app speaks). A code is accepted for the current step and one step either side; the step
// of the last accepted code is stored, and a code of that step or an earlier one is a replay. The secret
// is stored AES-256-GCM encrypted under TOTP_ENCRYPTION_KEY, never in plain text.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { decodeBase32IgnorePadding, encodeBase32UpperCaseNoPadding } from '@oslojs/encoding';
import { createTOTPKeyURI, verifyHOTP } from '@oslojs/otp';
import { and, eq, isNotNull, isNull, lt, or } from 'drizzle-orm';
import QRCode from 'qrcode';
import { totpEncryptionKey } from '~/env.server';
import { TooManyRequests } from '~/lib/errors';
import { hitAll, reset } from '~/lib/rate-limit.server';
import type { Database } from '~db/client.server';
import { totpCredentials } from '~db/schema';

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Steps accepted either side of the current one (clock drift, a code typed as it turned). */
export const TOTP_WINDOW_STEPS = 1;
export const TOTP_ISSUER = 'SaaS Platform';
/** Second-factor attempts (codes and recovery codes) per user per window, counted in PostgreSQL. */
export const TWO_FACTOR_ATTEMPT_LIMIT = 5;
export const TWO_FACTOR_ATTEMPT_WINDOW_MINUTES = 15;

// ---------------------------------------------------------------------------------------------------
// Pure: steps, codes, keys

/** The 30-second step a moment falls in. */
export function totpStep(nowMs = Date.now()): number {
  return Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS);
}

/** A code is exactly six digits; spaces (as apps show it, "123 456") are ignored. */
export function normalizeTotpCode(raw: string): string | null {
  const code = raw.replace(/\s+/g, '');
  return /^\d{6}$/.test(code) ? code : null;
}

/**
 * The step `code` belongs to, within ±TOTP_WINDOW_STEPS of now, or null. With `afterStep`, steps up to it
 * are not even tried: a code of the last accepted step or an earlier one is a replay.
 */
export function matchTotpStep(
  key: Uint8Array,
  rawCode: string,
  options: { nowMs?: number; afterStep?: number | null } = {},
): number | null {
  const code = normalizeTotpCode(rawCode);
  if (!code) return null;
  const current = totpStep(options.nowMs);
  for (let step = current - TOTP_WINDOW_STEPS; step <= current + TOTP_WINDOW_STEPS; step++) {
    if (options.afterStep !== null && options.afterStep !== undefined && step <= options.afterStep) continue;
    if (verifyHOTP(key, BigInt(step), TOTP_DIGITS, code)) return step;
  }
  return null;
}

/** 20 random bytes (160 bits, RFC 4226's recommendation). */
export function generateTotpKey(): Uint8Array {
  return new Uint8Array(randomBytes(20));
}

/** The key as people type it: base32, in groups of four. */
export function manualEntryKey(key: Uint8Array): string {
  return encodeBase32UpperCaseNoPadding(key).replace(/(.{4})(?=.)/g, '$1 ');
}

/** Reads a typed key back (spaces and case do not matter). */
export function keyFromManualEntry(manual: string): Uint8Array {
  return decodeBase32IgnorePadding(manual.replace(/\s+/g, '').toUpperCase());
}

export function totpKeyUri(accountName: string, key: Uint8Array): string {
  return createTOTPKeyURI(TOTP_ISSUER, accountName, key, TOTP_PERIOD_SECONDS, TOTP_DIGITS);
}

/** The otpauth:// URI as an inline SVG QR code, rendered on the server (no script needed). */
export async function totpQrSvg(uri: string): Promise<string> {
  return QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
}

// ---------------------------------------------------------------------------------------------------
// Encryption of the stored secret (the email payload key's pattern, its own key)

const PREFIX = 'v1';

function encryptionKey(): Buffer {
  return Buffer.from(totpEncryptionKey(), 'hex');
}

export function encryptTotpKey(key: Uint8Array): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', encryptionKey(), iv);
  const body = Buffer.concat([cipher.update(key), cipher.final()]);
  return [
    PREFIX,
    iv.toString('base64url'),
    cipher.getAuthTag().toString('base64url'),
    body.toString('base64url'),
  ].join(':');
}

export function decryptTotpKey(sealed: string): Uint8Array {
  const [prefix, iv, tag, body] = sealed.split(':');
  if (prefix !== PREFIX || !iv || !tag || body === undefined) throw new Error('not an encrypted TOTP key');
  const decipher = createDecipheriv('aes-256-gcm', encryptionKey(), Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return new Uint8Array(Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]));
}

// ---------------------------------------------------------------------------------------------------
// Stored credentials

export type TotpCredential = typeof totpCredentials.$inferSelect;

export async function findTotpCredential(db: Database, userId: string): Promise<TotpCredential | null> {
  const [row] = await db.select().from(totpCredentials).where(eq(totpCredentials.userId, userId));
  return row ?? null;
}

export async function hasConfirmedTotp(db: Database, userId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: totpCredentials.id })
    .from(totpCredentials)
    .where(and(eq(totpCredentials.userId, userId), isNotNull(totpCredentials.confirmedAt)));
  return Boolean(row);
}

export function twoFactorThrottleKey(userId: string): string {
  return `2fa:${userId}`;
}

/**
 * Counts one second-factor attempt of the user and refuses (429 with the wait) past the limit. Counted
 * before the code is checked (an atomic upsert), so concurrent guesses cannot slip past it; a success
 * clears the count (clearTwoFactorAttempts).
 */
export async function throttleTwoFactor(db: Database, userId: string): Promise<void> {
  const exceeded = await hitAll(db, [
    {
      key: twoFactorThrottleKey(userId),
      limit: TWO_FACTOR_ATTEMPT_LIMIT,
      windowMinutes: TWO_FACTOR_ATTEMPT_WINDOW_MINUTES,
    },
  ]);
  if (exceeded) {
    throw new TooManyRequests(
      `Too many wrong codes. Try again in ${Math.ceil(exceeded.retryAfterSeconds / 60)} minute(s).`,
      exceeded.retryAfterSeconds,
      exceeded.rule.limit,
    );
  }
}

export async function clearTwoFactorAttempts(db: Database, userId: string): Promise<void> {
  await reset(db, twoFactorThrottleKey(userId));
}

/**
 * Checks a code against the user's TOTP app and, when it is right, spends its step: the UPDATE only
 * matches while the stored step is older, so the same code twice (or two requests racing with it) is
 * accepted once. `confirmed: false` checks the enrollment in progress instead of the confirmed app.
 * Not throttled here: callers count the attempt first (throttleTwoFactor).
 */
export async function consumeTotpCode(
  db: Database,
  userId: string,
  code: string,
  options: { confirmed?: boolean; nowMs?: number } = {},
): Promise<{ step: number; credential: TotpCredential } | null> {
  const credential = await findTotpCredential(db, userId);
  const wantConfirmed = options.confirmed ?? true;
  if (!credential || Boolean(credential.confirmedAt) !== wantConfirmed) return null;
  const step = matchTotpStep(decryptTotpKey(credential.encryptedSecret), code, {
    nowMs: options.nowMs,
    afterStep: credential.lastUsedStep,
  });
  if (step === null) return null;
  const [spent] = await db
    .update(totpCredentials)
    .set({ lastUsedStep: step })
    .where(
      and(
        eq(totpCredentials.id, credential.id),
        or(isNull(totpCredentials.lastUsedStep), lt(totpCredentials.lastUsedStep, step)),
      ),
    )
    .returning();
  return spent ? { step, credential: spent } : null;
}

/**
 * For re-authentication (sudo mode) and every other "prove it again": throttled per user, true when the
 * code is a current, unused code of the user's confirmed app.
 */
export async function verifyUserTotp(db: Database, userId: string, code: string): Promise<boolean> {
  await throttleTwoFactor(db, userId);
  const ok = Boolean(await consumeTotpCode(db, userId, code));
  if (ok) await clearTwoFactorAttempts(db, userId);
  return ok;
}
