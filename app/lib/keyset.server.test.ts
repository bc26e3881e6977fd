import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './keyset.server';

const cursor = (s: string) => Buffer.from(s).toString('base64url');

describe('keyset cursors', () => {
  it('round-trips a row', () => {
    const createdAt = new Date('2026-01-31T12:00:00.123Z');
    expect(decodeCursor(encodeCursor({ createdAt, id: 'abc' }))).toEqual({
      createdAt: createdAt.toISOString(),
      id: 'abc',
    });
  });

  it('reads a cursor PostgreSQL would refuse as "first page", not a 500', () => {
    for (const bad of [
      '+275760-09-13T00:00:00.000Z|x',
      '0000-01-01T00:00:00.000Z|x',
      '9999-12-31T23:00:00-05:00|x',
      '2026-02-31T00:00:00.000Z|x',
      '2026-01-31T00:00:00.000Z|a\u0000b',
      'garbage',
    ])
      expect([bad, decodeCursor(cursor(bad))]).toEqual([bad, null]);
  });
});
