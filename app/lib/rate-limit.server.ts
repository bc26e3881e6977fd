// Rate limits counted in PostgreSQL (rate_limits), so they hold across app instances (SPEC §4).
// Counts live in one-minute buckets; a limit over N minutes sums the last N buckets (a sliding window
// that a burst at a window boundary cannot double).
import { and, eq, gt, sql } from 'drizzle-orm';
import { type Database, rowsOf } from '~db/client.server';
import { rateLimits } from '~db/schema';

const BUCKET_MS = 60_000;

/** No caller counts over a longer window, so older buckets can never matter again (cleanup-tokens purges them). */
export const LONGEST_WINDOW_MINUTES = 60;

function bucketStart(now: number): Date {
  return new Date(Math.floor(now / BUCKET_MS) * BUCKET_MS);
}

export interface WindowState {
  count: number;
  /** Seconds until the count drops below the limit again (0 when under it). */
  retryAfterSeconds: number;
}

/** The count of `key` over the last `windowMinutes`, and when it would fall under `limit`. */
export async function peek(
  db: Database,
  key: string,
  limit: number,
  windowMinutes: number,
  now = Date.now(),
): Promise<WindowState> {
  const since = new Date(bucketStart(now).getTime() - (windowMinutes - 1) * BUCKET_MS);
  const buckets = await db
    .select({ windowStart: rateLimits.windowStart, count: rateLimits.count })
    .from(rateLimits)
    .where(and(eq(rateLimits.key, key), gt(rateLimits.windowStart, new Date(since.getTime() - 1))))
    .orderBy(rateLimits.windowStart);
  const count = buckets.reduce((n, b) => n + b.count, 0);
  if (count < limit) return { count, retryAfterSeconds: 0 };
  // Drop the oldest buckets until under the limit; the last dropped one's expiry is the wait.
  let remaining = count;
  for (const b of buckets) {
    remaining -= b.count;
    if (remaining < limit) {
      const expires = b.windowStart.getTime() + windowMinutes * BUCKET_MS;
      return { count, retryAfterSeconds: Math.max(1, Math.ceil((expires - now) / 1000)) };
    }
  }
  return { count, retryAfterSeconds: windowMinutes * 60 };
}

/** Adds one hit to `key`'s current bucket (an upsert: safe under concurrency). Returns the bucket count. */
export async function hit(db: Database, key: string, now = Date.now()): Promise<number> {
  const rows = rowsOf<{ count: number }>(
    await db.execute(sql`
      INSERT INTO rate_limits (key, window_start, count) VALUES (${key}, ${bucketStart(now).toISOString()}, 1)
      ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limits.count + 1
      RETURNING count`),
  );
  return Number(rows[0]?.count ?? 1);
}

/** Forgets `key` (e.g. a successful sign-in clears its failures). */
export async function reset(db: Database, key: string): Promise<void> {
  await db.delete(rateLimits).where(eq(rateLimits.key, key));
}

/** Takes back one hit from `key`'s bucket at `now` (e.g. a successful sign-in is not a failure). */
export async function giveBack(db: Database, key: string, now = Date.now()): Promise<void> {
  const bucket = bucketStart(now).toISOString();
  await db.execute(sql`
    WITH gone AS (
      DELETE FROM rate_limits WHERE key = ${key} AND window_start = ${bucket} AND count = 1 RETURNING 1
    )
    UPDATE rate_limits SET count = count - 1
    WHERE key = ${key} AND window_start = ${bucket} AND count > 1 AND NOT EXISTS (SELECT 1 FROM gone)`);
}

/** One throttle: at most `limit` attempts per `windowMinutes` for `key`. */
export interface LimitRule {
  key: string;
  limit: number;
  windowMinutes: number;
}

export interface Exceeded {
  rule: LimitRule;
  retryAfterSeconds: number;
}

/**
 * Counts one attempt against every rule (atomic upserts first, so concurrent attempts cannot slip past),
 * then answers the rule that is now over its limit with the longest wait, or null when all are within.
 */
export async function hitAll(db: Database, rules: LimitRule[], now = Date.now()): Promise<Exceeded | null> {
  for (const rule of rules) await hit(db, rule.key, now);
  let worst: Exceeded | null = null;
  for (const rule of rules) {
    const state = await peek(db, rule.key, rule.limit, rule.windowMinutes, now);
    if (state.count > rule.limit && (!worst || state.retryAfterSeconds > worst.retryAfterSeconds)) {
      worst = { rule, retryAfterSeconds: state.retryAfterSeconds };
    }
  }
  return worst;
}
