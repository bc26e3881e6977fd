// The data set of `npm run bench:jobs`: N organizations and what they accumulate, written with set-based
// INSERT … SELECT generate_series (never through the domain functions: that would take hours at 100k).
// Per organization: 2 members (owner + member, 2 users), a free-plan subscription, 3 invitations (one
// PENDING expired for every second organization), 4 sessions (2 live, 1 expired, 1 stale > 90 days),
// 2 refresh tokens, 2 verifications, 2 token_blacklist rows and 2 rate-limit buckets (one of each past
// its expiry), an audit row, a SENT email, and usage events: 5 this month and 2 last month, counted by
// the statement trigger; 1% of this month's counters are then made to drift so usage-rollup has work.
import type postgres from 'postgres';

const DAY = 86_400_000;

export interface Clock {
  now: Date;
  /** First instant of the current UTC month. */
  monthStart: Date;
  /** First instant of the previous UTC month. */
  lastMonthStart: Date;
}

export function clockAt(now: Date): Clock {
  return {
    now,
    monthStart: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)),
    lastMonthStart: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)),
  };
}

const iso = (d: Date) => `'${d.toISOString()}'::timestamptz`;

/** One statement per table, in dependency order; every literal is ours (numbers and ISO instants). */
export function generationStatements(orgs: number, clock: Clock): { label: string; sql: string }[] {
  const { now, monthStart, lastMonthStart } = clock;
  const at = (offsetMs: number) => iso(new Date(now.getTime() + offsetMs));
  const n = Math.floor(orgs);
  // Spread this month's events over [monthStart, now) (at least an hour, early on the 1st).
  const monthSpanSec = Math.max(3600, Math.floor((now.getTime() - monthStart.getTime()) / 1000) - 1);
  const lastMonthSpanSec = Math.floor((monthStart.getTime() - lastMonthStart.getTime()) / 1000) - 1;
  const series = `generate_series(1, ${n}) AS g`;
  return [
    {
      label: 'organizations',
      sql: `INSERT INTO organizations (id, name, slug) SELECT 'org' || g, 'Organization ' || g, 'org-' || g FROM ${series}`,
    },
    {
      label: 'users',
      sql: `INSERT INTO users (id, email, name, email_verified_at)
            SELECT 'usr' || g, 'user' || g || '@bench.test', 'User ' || g, ${at(-30 * DAY)}
              FROM generate_series(1, ${2 * n}) AS g`,
    },
    {
      label: 'organization_members',
      sql: `INSERT INTO organization_members (organization_id, user_id, role)
            SELECT 'org' || g, 'usr' || (2 * g - 1 + k), CASE k WHEN 0 THEN 'OWNER' ELSE 'MEMBER' END::member_role
              FROM ${series}, generate_series(0, 1) AS k`,
    },
    {
      label: 'subscriptions',
      sql: `INSERT INTO subscriptions (organization_id, plan_id, status, current_period_start)
            SELECT 'org' || g, p.id, 'ACTIVE', ${iso(monthStart)}
              FROM ${series}, (SELECT id FROM plans WHERE key = 'free' AND deleted_at IS NULL) AS p`,
    },
    {
      label: 'invitations',
      // k = 1 pending, live; k = 2 pending, expired for even g; k = 3 accepted long ago (history).
      sql: `INSERT INTO invitations (organization_id, email, role, status, inviter_id, token_hash, expires_at)
            SELECT 'org' || g, 'invitee' || g || '-' || k || '@bench.test', 'MEMBER',
                   CASE k WHEN 3 THEN 'ACCEPTED' ELSE 'PENDING' END::invitation_status,
                   'usr' || (2 * g - 1), md5('invitation-' || g || '-' || k),
                   CASE WHEN k = 3 THEN ${at(-20 * DAY)} WHEN k = 2 AND g % 2 = 0 THEN ${at(-DAY)} ELSE ${at(2 * DAY)} END
              FROM ${series}, generate_series(1, 3) AS k`,
    },
    {
      label: 'sessions',
      // k = 1, 2 live (one per user); k = 3 expired, used 40 days ago; k = 4 stale (unused for 100 days).
      sql: `INSERT INTO sessions (id, user_id, expires_at, last_used_at, active_organization_id)
            SELECT md5('session-' || g || '-' || k) || md5('s' || g || '-' || k), 'usr' || (2 * g - 1 + (k % 2)),
                   CASE k WHEN 3 THEN ${at(-10 * DAY)} ELSE ${at(20 * DAY)} END,
                   CASE k WHEN 3 THEN ${at(-40 * DAY)} WHEN 4 THEN ${at(-100 * DAY)} ELSE ${at(-3_600_000)} END,
                   'org' || g
              FROM ${series}, generate_series(1, 4) AS k`,
    },
    {
      label: 'refresh_tokens',
      sql: `INSERT INTO refresh_tokens (user_id, token_hash, family_id, expires_at)
            SELECT 'usr' || (2 * g - 1), md5('refresh-' || g || '-' || k), md5('family-' || g),
                   CASE k WHEN 1 THEN ${at(-DAY)} ELSE ${at(20 * DAY)} END
              FROM ${series}, generate_series(1, 2) AS k`,
    },
    {
      label: 'verifications',
      sql: `INSERT INTO verifications (identifier, purpose, token_hash, expires_at)
            SELECT 'user' || g || '@bench.test', 'EMAIL_VERIFICATION', md5('verification-' || g || '-' || k),
                   CASE k WHEN 1 THEN ${at(-DAY)} ELSE ${at(DAY)} END
              FROM ${series}, generate_series(1, 2) AS k`,
    },
    {
      label: 'token_blacklist',
      sql: `INSERT INTO token_blacklist (token_hash, expires_at, user_id, reason)
            SELECT md5('jti-' || g || '-' || k), CASE k WHEN 1 THEN ${at(-60_000)} ELSE ${at(600_000)} END,
                   'usr' || (2 * g - 1), 'logout'
              FROM ${series}, generate_series(1, 2) AS k`,
    },
    {
      label: 'rate_limits',
      sql: `INSERT INTO rate_limits (key, window_start, count)
            SELECT 'bench:' || g, CASE k WHEN 1 THEN date_trunc('minute', ${at(-2 * DAY)}) ELSE date_trunc('minute', ${at(0)}) END, 3
              FROM ${series}, generate_series(1, 2) AS k`,
    },
    {
      label: 'audit_logs',
      sql: `INSERT INTO audit_logs (user_id, actor_type, organization_id, action, entity_type, entity_id, created_at)
            SELECT 'usr' || (2 * g - 1), 'USER', 'org' || g, 'organization.created', 'organization', 'org' || g, ${at(-30 * DAY)}
              FROM ${series}`,
    },
    {
      label: 'email_logs (sent history)',
      sql: `INSERT INTO email_logs ("to", subject, template, status, attempts, next_attempt_at, sent_at)
            SELECT 'user' || g || '@bench.test', 'Confirm your email address', 'verify-email', 'SENT', 1, ${at(-30 * DAY)}, ${at(-30 * DAY)}
              FROM ${series}`,
    },
    {
      label: 'usage_events (this month)',
      sql: `INSERT INTO usage_events (organization_id, event_type, quantity, "timestamp")
            SELECT 'org' || g, CASE WHEN k <= 3 THEN 'api.call' ELSE 'storage.write' END, CASE WHEN k <= 3 THEN 1 ELSE 1 + (g + k) % 50 END,
                   ${iso(monthStart)} + make_interval(secs => ((g * 7919 + k * 104729) % ${monthSpanSec}))
              FROM ${series}, generate_series(1, 5) AS k`,
    },
    {
      label: 'usage_events (last month)',
      sql: `INSERT INTO usage_events (organization_id, event_type, quantity, "timestamp")
            SELECT 'org' || g, 'api.call', 1, ${iso(lastMonthStart)} + make_interval(secs => ((g * 7919 + k * 104729) % ${lastMonthSpanSec}))
              FROM ${series}, generate_series(1, 2) AS k`,
    },
    {
      label: 'usage_counters drift (1%)',
      sql: `UPDATE usage_counters SET quantity = quantity + 1
             WHERE month = ${iso(monthStart)}::date AND substr(organization_id, 4)::int % 100 = 0`,
    },
  ];
}

/** Fills an empty migrated database; returns seconds per table. */
export async function generate(sql: postgres.Sql, orgs: number, clock: Clock, log: (line: string) => void) {
  await sql.unsafe('SET synchronous_commit = off');
  await sql.unsafe(`SET maintenance_work_mem = '256MB'`);
  for (const step of generationStatements(orgs, clock)) {
    const started = performance.now();
    const result = await sql.unsafe(step.sql);
    log(
      `  ${step.label.padEnd(28)} ${String(result.count).padStart(9)} rows  ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  }
  const started = performance.now();
  await sql.unsafe('VACUUM ANALYZE');
  log(
    `  ${'VACUUM ANALYZE'.padEnd(28)} ${''.padStart(14)} ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}
