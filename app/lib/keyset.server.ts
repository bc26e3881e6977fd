// Keyset pagination on (created_at, id), newest first (SPEC §3: ids are not time-ordered, so lists order by
// both). The cursor is the last row's pair, opaque to the client; a garbled cursor reads as "first page" —
// including one whose date PostgreSQL would refuse (2026-02-31, year 0 or 10000) or whose id holds a NUL:
// the base64 hides both from the input guard, so they are checked here.
import { type Column, type SQL, sql } from 'drizzle-orm';
import { parseDateTime } from './dates';
import { hasForbiddenCharacter } from './request-guard';

export function encodeCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: string; id: string } | null {
  const [createdAt, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!createdAt || !id || id.length > 64 || hasForbiddenCharacter(id)) return null;
  const at = parseDateTime(createdAt);
  return at ? { createdAt: at.toISOString(), id } : null;
}

/** Rows strictly after the cursor in (created_at DESC, id DESC) order; undefined (no filter) without one. */
export function olderThanCursor(createdAt: Column, id: Column, cursor: string | undefined): SQL | undefined {
  const after = cursor ? decodeCursor(cursor) : null;
  // An ISO string, not a Date, inside raw SQL (postgres.js).
  return after ? sql`(${createdAt}, ${id}) < (${after.createdAt}::timestamptz, ${after.id})` : undefined;
}

/** Splits the `limit + 1` rows a query fetched into the page and the cursor of the next one. */
export function keysetPage<T extends { createdAt: Date; id: string }>(rows: T[], limit: number) {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { page, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}
