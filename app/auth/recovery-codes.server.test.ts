// Recovery codes (issue 15): the format, typing leniency, hashed storage, single use under races, and
// regeneration replacing the whole set.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { recoveryCodes } from '~db/schema';
import { useAppTestDatabase } from '../../tests/support/db';
import {
  consumeRecoveryCode,
  generateRecoveryCode,
  normalizeRecoveryCode,
  RECOVERY_CODE_COUNT,
  remainingRecoveryCodes,
  replaceRecoveryCodes,
} from './recovery-codes.server';
import { createPasswordUser } from './test-helpers.server';

const t = useAppTestDatabase();

describe('recovery codes', () => {
  it('look like abcde-fghjk without look-alike characters, and are read back however they are typed', () => {
    const codes = Array.from({ length: 200 }, generateRecoveryCode);
    for (const c of codes) expect(c).toMatch(/^[a-hjkmnp-z2-9]{5}-[a-hjkmnp-z2-9]{5}$/);
    expect(new Set(codes).size).toBe(codes.length);
    expect(normalizeRecoveryCode(' ABCDE fghjk ')).toBe('abcdefghjk');
    expect(normalizeRecoveryCode('abcde-fghjk')).toBe('abcdefghjk');
    for (const bad of [
      '',
      'abcde',
      'abcde-fghjkm',
      'abcd0-fghjk',
      'abcde-fghj1',
      '123456',
      'x'.repeat(500),
    ]) {
      expect(normalizeRecoveryCode(bad), bad).toBeNull();
    }
  });

  it('are stored hashed, each works once (also when two requests race), and a new set replaces the old', async () => {
    const user = await createPasswordUser(t.db);
    const codes = await replaceRecoveryCodes(t.db, user.id);
    expect(codes).toHaveLength(RECOVERY_CODE_COUNT);
    const rows = await t.db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, user.id));
    const stored = rows.map((r) => r.codeHash).join(' ');
    for (const c of codes) {
      expect(stored).not.toContain(c);
      expect(stored).not.toContain(normalizeRecoveryCode(c));
    }
    const [first, second] = codes as [string, string];
    const race = await Promise.all([
      consumeRecoveryCode(t.db, user.id, first),
      consumeRecoveryCode(t.db, user.id, first),
      consumeRecoveryCode(t.db, user.id, first),
    ]);
    expect(race.filter(Boolean)).toHaveLength(1);
    expect(await consumeRecoveryCode(t.db, user.id, first)).toBe(false);
    expect(await remainingRecoveryCodes(t.db, user.id)).toBe(RECOVERY_CODE_COUNT - 1);
    // Another user's code is not this user's.
    const other = await createPasswordUser(t.db);
    const otherCodes = await replaceRecoveryCodes(t.db, other.id);
    expect(await consumeRecoveryCode(t.db, user.id, otherCodes[0]!)).toBe(false);
    // A new set: the old unused codes stop working.
    const fresh = await replaceRecoveryCodes(t.db, user.id);
    expect(await consumeRecoveryCode(t.db, user.id, second)).toBe(false);
    expect(await consumeRecoveryCode(t.db, user.id, fresh[0]!)).toBe(true);
    expect(await remainingRecoveryCodes(t.db, user.id)).toBe(RECOVERY_CODE_COUNT - 1);
  });
});
