// TOTP (issue 15): the code window (±1 step), replay refusal, the encrypted secret, and the throttle.
import { generateHOTP } from '@oslojs/otp';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { TooManyRequests } from '~/lib/errors';
import { totpCredentials } from '~db/schema';
import { useAppTestDatabase } from '../../tests/support/db';
import { createPasswordUser } from './test-helpers.server';
import {
  consumeTotpCode,
  decryptTotpKey,
  encryptTotpKey,
  generateTotpKey,
  keyFromManualEntry,
  manualEntryKey,
  matchTotpStep,
  normalizeTotpCode,
  TOTP_DIGITS,
  TOTP_PERIOD_SECONDS,
  TWO_FACTOR_ATTEMPT_LIMIT,
  totpKeyUri,
  totpQrSvg,
  totpStep,
  verifyUserTotp,
} from './totp.server';

const codeAt = (key: Uint8Array, step: number) => generateHOTP(key, BigInt(step), TOTP_DIGITS);
const STEP_MS = TOTP_PERIOD_SECONDS * 1000;

describe('the code window', () => {
  const key = generateTotpKey();
  const now = 1_800_000_000_000 + 7_000; // 7 s into a step
  const step = totpStep(now);

  it('accepts the current step and one step either side, nothing further', () => {
    expect(matchTotpStep(key, codeAt(key, step), { nowMs: now })).toBe(step);
    expect(matchTotpStep(key, codeAt(key, step - 1), { nowMs: now })).toBe(step - 1);
    expect(matchTotpStep(key, codeAt(key, step + 1), { nowMs: now })).toBe(step + 1);
    expect(matchTotpStep(key, codeAt(key, step - 2), { nowMs: now })).toBeNull();
    expect(matchTotpStep(key, codeAt(key, step + 2), { nowMs: now })).toBeNull();
  });

  it('an old code is expired once its step is two steps behind', () => {
    const code = codeAt(key, step);
    expect(matchTotpStep(key, code, { nowMs: now + STEP_MS })).toBe(step);
    expect(matchTotpStep(key, code, { nowMs: now + 2 * STEP_MS })).toBeNull();
  });

  it('refuses a code of the last accepted step or an earlier one (replay), accepts a later one', () => {
    expect(matchTotpStep(key, codeAt(key, step), { nowMs: now, afterStep: step })).toBeNull();
    expect(matchTotpStep(key, codeAt(key, step - 1), { nowMs: now, afterStep: step })).toBeNull();
    expect(matchTotpStep(key, codeAt(key, step + 1), { nowMs: now, afterStep: step })).toBe(step + 1);
  });

  it('refuses anything that is not six digits, and another key’s code', () => {
    for (const bad of ['', '12345', '1234567', 'abcdef', '12 34 5', '١٢٣٤٥٦']) {
      expect(matchTotpStep(key, bad, { nowMs: now })).toBeNull();
    }
    expect(normalizeTotpCode(' 123 456 ')).toBe('123456');
    const other = generateTotpKey();
    expect(matchTotpStep(key, codeAt(other, step), { nowMs: now })).toBeNull();
  });
});

describe('keys', () => {
  it('round-trips the manual key and puts it in the otpauth URI and the QR code', async () => {
    const key = generateTotpKey();
    const manual = manualEntryKey(key);
    expect(manual).toMatch(/^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/);
    expect(keyFromManualEntry(manual.toLowerCase())).toEqual(key);
    const uri = totpKeyUri('ada@example.com', key);
    expect(uri).toContain(`secret=${manual.replaceAll(' ', '')}`);
    expect(uri.startsWith('otpauth://totp/')).toBe(true);
    const svg = await totpQrSvg(uri);
    expect(svg.startsWith('<svg')).toBe(true);
  });

  it('stores the secret AES-256-GCM encrypted: no plain key, a fresh IV each time, tampering is refused', () => {
    const key = generateTotpKey();
    const a = encryptTotpKey(key);
    const b = encryptTotpKey(key);
    expect(a).not.toBe(b);
    expect(a).not.toContain(Buffer.from(key).toString('base64url'));
    expect(decryptTotpKey(a)).toEqual(key);
    const parts = a.split(':');
    const body = parts[3] as string;
    parts[3] = `${body.slice(0, -2)}${body.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(() => decryptTotpKey(parts.join(':'))).toThrow();
    expect(() => decryptTotpKey('plain')).toThrow();
  });
});

describe('stored codes', () => {
  const t = useAppTestDatabase();

  async function userWithTotp() {
    const user = await createPasswordUser(t.db);
    const key = generateTotpKey();
    await t.db
      .insert(totpCredentials)
      .values({ userId: user.id, encryptedSecret: encryptTotpKey(key), confirmedAt: new Date() });
    return { user, key };
  }

  it('a code is accepted once: the same code again, or an earlier step’s, is a replay', async () => {
    const { user, key } = await userWithTotp();
    const now = Date.now();
    const step = totpStep(now);
    expect(await consumeTotpCode(t.db, user.id, codeAt(key, step), { nowMs: now })).not.toBeNull();
    expect(await consumeTotpCode(t.db, user.id, codeAt(key, step), { nowMs: now })).toBeNull();
    expect(await consumeTotpCode(t.db, user.id, codeAt(key, step - 1), { nowMs: now })).toBeNull();
    const [row] = await t.db.select().from(totpCredentials).where(eq(totpCredentials.userId, user.id));
    expect(row?.lastUsedStep).toBe(step);
    // The next step's code still works.
    expect(await consumeTotpCode(t.db, user.id, codeAt(key, step + 1), { nowMs: now })).not.toBeNull();
  });

  it('two requests racing with one code: exactly one wins', async () => {
    const { user, key } = await userWithTotp();
    const code = codeAt(key, totpStep());
    const results = await Promise.all([
      consumeTotpCode(t.db, user.id, code),
      consumeTotpCode(t.db, user.id, code),
      consumeTotpCode(t.db, user.id, code),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('an unconfirmed enrollment is not a second factor; a confirmed one is not an enrollment', async () => {
    const user = await createPasswordUser(t.db);
    const key = generateTotpKey();
    await t.db.insert(totpCredentials).values({ userId: user.id, encryptedSecret: encryptTotpKey(key) });
    expect(await verifyUserTotp(t.db, user.id, codeAt(key, totpStep()))).toBe(false);
    expect(
      await consumeTotpCode(t.db, user.id, codeAt(key, totpStep()), { confirmed: false }),
    ).not.toBeNull();
  });

  it('verifyUserTotp is throttled per user in PostgreSQL, even for right codes past the limit', async () => {
    const { user, key } = await userWithTotp();
    for (let i = 0; i < TWO_FACTOR_ATTEMPT_LIMIT; i++) {
      expect(await verifyUserTotp(t.db, user.id, '000000')).toBe(false);
    }
    await expect(verifyUserTotp(t.db, user.id, codeAt(key, totpStep()))).rejects.toBeInstanceOf(
      TooManyRequests,
    );
    // Another user is not affected.
    const other = await userWithTotp();
    expect(await verifyUserTotp(t.db, other.user.id, codeAt(other.key, totpStep()))).toBe(true);
  });
});
