import { describe, expect, it } from 'vitest';
import {
  dateTimeSchema,
  dayOrDateTimeSchema,
  daySchema,
  parseDateTime,
  parseDay,
  storableDateSchema,
} from './dates';

describe('the date schema PostgreSQL agrees with', () => {
  it('accepts real calendar days from 1970 to 9999', () => {
    expect(parseDay('2024-02-29')?.toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect(parseDay('1970-01-01')).not.toBeNull();
    expect(parseDay('9999-12-31')).not.toBeNull();
    expect(daySchema.safeParse('2026-01-31').success).toBe(true);
  });

  it('refuses days JavaScript rolls over or PostgreSQL has not got', () => {
    for (const bad of [
      '2026-02-31',
      '2025-02-29',
      '2026-04-31',
      '2026-13-01',
      '2026-00-10',
      '0000-01-01',
      '1969-12-31',
      '26-01-01',
    ])
      expect([bad, daySchema.safeParse(bad).success]).toEqual([bad, false]);
  });

  it('refuses date-times past the range once the offset is applied, or with an impossible date', () => {
    expect(parseDateTime('2026-01-31T12:00:00Z')).not.toBeNull();
    expect(parseDateTime('2026-01-31T12:00:00.123+02:00')).not.toBeNull();
    for (const bad of [
      '9999-12-31T23:00:00-05:00',
      '+275760-09-13T00:00:00.000Z',
      '2026-02-31T00:00:00Z',
      '0000-01-01T00:00:00Z',
      '2026-01-31T24:00:00Z',
      '2026-01-31T12:00:00',
      'yesterday',
    ])
      expect([bad, dateTimeSchema.safeParse(bad).success]).toEqual([bad, false]);
  });

  it('turns days and date-times into Dates, and checks Dates too', () => {
    expect(dayOrDateTimeSchema.parse('2026-01-31').toISOString()).toBe('2026-01-31T00:00:00.000Z');
    expect(dayOrDateTimeSchema.safeParse('2026-02-31').success).toBe(false);
    expect(storableDateSchema.parse('2030-05-01')).toBeInstanceOf(Date);
    expect(storableDateSchema.safeParse('2026-02-31').success).toBe(false);
    expect(storableDateSchema.safeParse(new Date(Date.UTC(10000, 0, 1))).success).toBe(false);
  });
});
