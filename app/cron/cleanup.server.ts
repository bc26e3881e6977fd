// Token and session housekeeping (seed 001 "Scheduled Maintenance Tasks"): set-based DELETEs, each
// counted in the same statement, so a second run deletes nothing and answers zeros.

import { sql } from 'drizzle-orm';
import { LONGEST_WINDOW_MINUTES } from '~/lib/rate-limit.server';
import { rowsOf } from '~db/client.server';
import type { CronJob } from './types';

export const STALE_SESSION_DAYS = 90;

export const cleanupTokens: CronJob = {
  name: 'cleanup-tokens',
  async run(db, { now }) {
    // postgres.js refuses a JS Date inside raw SQL: pass the instant as ISO text.
    const at = now.toISOString();
    const bucketsBefore = new Date(now.getTime() - LONGEST_WINDOW_MINUTES * 60_000).toISOString();
    // One statement, so the deletes commit together. Verifications are kept until they expire even
    // once used, so a used link still reads "already used" rather than "unknown".
    const [row] = rowsOf<Record<string, number>>(
      await db.execute(sql`
        WITH blacklist AS (
          DELETE FROM token_blacklist WHERE expires_at < ${at}::timestamptz RETURNING 1
        ), expired_sessions AS (
          DELETE FROM sessions WHERE expires_at < ${at}::timestamptz RETURNING 1
        ), refresh AS (
          DELETE FROM refresh_tokens WHERE expires_at < ${at}::timestamptz RETURNING 1
        ), verification AS (
          DELETE FROM verifications WHERE expires_at < ${at}::timestamptz RETURNING 1
        ), buckets AS (
          DELETE FROM rate_limits WHERE window_start < ${bucketsBefore}::timestamptz RETURNING 1
        )
        SELECT
          (SELECT count(*) FROM blacklist)::int AS "blacklistEntries",
          (SELECT count(*) FROM expired_sessions)::int AS "sessions",
          (SELECT count(*) FROM refresh)::int AS "refreshTokens",
          (SELECT count(*) FROM verification)::int AS "verifications",
          (SELECT count(*) FROM buckets)::int AS "rateLimitBuckets"`),
    );
    return {
      blacklistEntries: row?.blacklistEntries ?? 0,
      sessions: row?.sessions ?? 0,
      refreshTokens: row?.refreshTokens ?? 0,
      verifications: row?.verifications ?? 0,
      rateLimitBuckets: row?.rateLimitBuckets ?? 0,
    };
  },
};

export const cleanupStaleSessions: CronJob = {
  name: 'cleanup-stale-sessions',
  async run(db, { now }) {
    const cutoff = new Date(now.getTime() - STALE_SESSION_DAYS * 86_400_000).toISOString();
    const [row] = rowsOf<{ sessions: number }>(
      await db.execute(sql`
        WITH stale AS (
          DELETE FROM sessions WHERE last_used_at < ${cutoff}::timestamptz RETURNING 1
        )
        SELECT count(*)::int AS "sessions" FROM stale`),
    );
    return { sessions: row?.sessions ?? 0 };
  },
};
