// Each cron job's effect on the rows, and its idempotency: a second run changes nothing and counts zero.
import { and, eq, inArray, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { hit, LONGEST_WINDOW_MINUTES } from '~/lib/rate-limit.server';
import { createOrg } from '~/orgs/test-support';
import { rowsOf } from '~db/client.server';
import {
  auditLogs,
  emailChangeRequests,
  invitations,
  refreshTokens,
  sessions,
  subscriptions,
  tokenBlacklist,
  verifications,
  webauthnChallenges,
} from '~db/schema';
import { useTestDatabase } from '../../tests/support/db';
import { cleanupStaleSessions, cleanupTokens } from './cleanup.server';
import { expireInvitations } from './expire-invitations.server';
import { findCronJob, usageRollup } from './jobs.server';
import { runCronJob } from './runner.server';
import {
  at,
  createBlacklistEntry,
  createInvitation,
  createOrganization,
  createRefreshToken,
  createSession,
  createUser,
  createVerification,
  days,
  minutes,
} from './test-factories';
import type { CronJob } from './types';

const t = useTestDatabase();

async function run(job: CronJob, now?: Date) {
  const result = await runCronJob(t.db, job, { now });
  if (result.status !== 'succeeded') throw new Error(`${job.name} was skipped`);
  return result.counts;
}

const idsLeft = async <T extends { id: string }>(rows: Promise<T[]>) => (await rows).map((r) => r.id).sort();

describe('the job list', () => {
  it('is closed: the eight jobs by name, nothing else (not even Object.prototype keys)', () => {
    for (const name of [
      'cleanup-tokens',
      'cleanup-stale-sessions',
      'expire-invitations',
      'send-emails',
      'usage-rollup',
      'billing-run',
      'subscription-maintenance',
      'analytics-rollup',
    ]) {
      expect(findCronJob(name)?.name).toBe(name);
    }
    for (const name of ['analytics', 'constructor', '__proto__', 'toString', '', undefined]) {
      expect(findCronJob(name)).toBeUndefined();
    }
  });
});

describe('cleanup-tokens', () => {
  it('deletes expired blacklist entries, sessions, refresh tokens and verifications; keeps live ones', async () => {
    const user = await createUser(t.db);
    const past = at(-minutes(1));
    const future = at(minutes(60));
    const expired = {
      blacklist: await createBlacklistEntry(t.db, past),
      session: await createSession(t.db, user.id, { expiresAt: past }),
      refresh: await createRefreshToken(t.db, user.id, past),
      verification: await createVerification(t.db, { expiresAt: past }),
      usedVerification: await createVerification(t.db, { expiresAt: past, usedAt: at(-minutes(5)) }),
    };
    const live = {
      blacklist: await createBlacklistEntry(t.db, future),
      session: await createSession(t.db, user.id, { expiresAt: future }),
      refresh: await createRefreshToken(t.db, user.id, future),
      // Used but not yet expired: kept until its expiry.
      usedVerification: await createVerification(t.db, { expiresAt: future, usedAt: at(-minutes(1)) }),
    };

    expect(await run(cleanupTokens)).toEqual({
      blacklistEntries: 1,
      sessions: 1,
      refreshTokens: 1,
      verifications: 2,
      rateLimitBuckets: 0,
      webauthnChallenges: 0,
      emailChangeRequests: 0,
    });
    expect(await idsLeft(t.db.select().from(tokenBlacklist))).toEqual([live.blacklist.id]);
    expect(await idsLeft(t.db.select().from(sessions))).toEqual([live.session.id]);
    expect(await idsLeft(t.db.select().from(refreshTokens))).toEqual([live.refresh.id]);
    expect(await idsLeft(t.db.select().from(verifications))).toEqual([live.usedVerification.id]);
    expect(expired.blacklist.id).toBeTruthy();

    expect(await run(cleanupTokens)).toEqual({
      blacklistEntries: 0,
      sessions: 0,
      refreshTokens: 0,
      verifications: 0,
      rateLimitBuckets: 0,
      webauthnChallenges: 0,
      emailChangeRequests: 0,
    });
    expect(await t.db.select().from(sessions)).toHaveLength(1);

    // Once their time comes (the run's clock), the live ones go too.
    const later = at(minutes(61));
    expect(await run(cleanupTokens, later)).toEqual({
      blacklistEntries: 1,
      sessions: 1,
      refreshTokens: 1,
      verifications: 1,
      rateLimitBuckets: 0,
      webauthnChallenges: 0,
      emailChangeRequests: 0,
    });
  });

  it('deletes expired WebAuthn challenges and email-change requests, used or not; keeps live ones', async () => {
    const user = await createUser(t.db);
    const challenge = (expiresAt: Date, usedAt: Date | null = null) =>
      t.db
        .insert(webauthnChallenges)
        .values({
          purpose: 'registration',
          userId: user.id,
          challenge: `c-${Math.random()}`,
          expiresAt,
          usedAt,
        })
        .returning({ id: webauthnChallenges.id })
        .then((r) => r[0]!);
    const change = (expiresAt: Date, usedAt: Date | null = null) =>
      t.db
        .insert(emailChangeRequests)
        .values({
          userId: user.id,
          newEmail: 'new@example.com',
          tokenHash: `h-${Math.random()}`,
          expiresAt,
          usedAt,
        })
        .returning({ id: emailChangeRequests.id })
        .then((r) => r[0]!);
    await challenge(at(-minutes(1)));
    await challenge(at(-minutes(1)), at(-minutes(2)));
    const liveChallenge = await challenge(at(minutes(5)));
    await change(at(-minutes(1)), at(-minutes(30)));
    const liveChange = await change(at(minutes(60)), at(-minutes(1)));

    const counts = await run(cleanupTokens);
    expect(counts).toMatchObject({ webauthnChallenges: 2, emailChangeRequests: 1 });
    expect(await idsLeft(t.db.select().from(webauthnChallenges))).toEqual([liveChallenge.id]);
    expect(await idsLeft(t.db.select().from(emailChangeRequests))).toEqual([liveChange.id]);
    expect(await run(cleanupTokens)).toMatchObject({ webauthnChallenges: 0, emailChangeRequests: 0 });
  });

  it('purges rate-limit buckets older than the longest window any limit counts over', async () => {
    const now = Date.now();
    await hit(t.db, 'login:old@example.com:1.2.3.4', now - (LONGEST_WINDOW_MINUTES + 2) * 60_000);
    await hit(t.db, 'login:new@example.com:1.2.3.4', now - 5 * 60_000);
    const counts = await run(cleanupTokens, new Date(now));
    expect(counts.rateLimitBuckets).toBe(1);
    const keys = rowsOf<{ key: string }>(await t.db.execute(sql`SELECT key FROM rate_limits`)).map(
      (r) => r.key,
    );
    expect(keys).toEqual(['login:new@example.com:1.2.3.4']);
    expect((await run(cleanupTokens, new Date(now))).rateLimitBuckets).toBe(0);
  });
});

describe('cleanup-stale-sessions', () => {
  it('deletes sessions unused for more than 90 days, whatever their expiry; keeps the others', async () => {
    const user = await createUser(t.db);
    const expiresAt = at(days(30));
    const stale = await createSession(t.db, user.id, { expiresAt, lastUsedAt: at(-days(91)) });
    const recent = await createSession(t.db, user.id, { expiresAt, lastUsedAt: at(-days(89)) });

    expect(await run(cleanupStaleSessions)).toEqual({ sessions: 1 });
    const left = await t.db
      .select()
      .from(sessions)
      .where(inArray(sessions.id, [stale.id, recent.id]));
    expect(left.map((s) => s.id)).toEqual([recent.id]);
    expect(await run(cleanupStaleSessions)).toEqual({ sessions: 0 });
    await t.db.delete(sessions).where(eq(sessions.id, recent.id));
  });
});

describe('expire-invitations', () => {
  it('marks PENDING invitations past expires_at EXPIRED with one SYSTEM audit row each, once', async () => {
    const inviter = await createUser(t.db);
    const organization = await createOrganization(t.db);
    const base = { organizationId: organization.id, inviterId: inviter.id };
    const due = [
      await createInvitation(t.db, { ...base, expiresAt: at(-minutes(1)) }),
      await createInvitation(t.db, { ...base, expiresAt: at(-days(3)) }),
    ];
    const pending = await createInvitation(t.db, { ...base, expiresAt: at(days(2)) });
    const accepted = await createInvitation(t.db, { ...base, expiresAt: at(-days(1)), status: 'ACCEPTED' });

    expect(await run(expireInvitations)).toEqual({ invitations: 2 });
    const rows = await t.db.select().from(invitations).where(eq(invitations.organizationId, organization.id));
    const statusOf = (id: string) => rows.find((r) => r.id === id)?.status;
    expect(due.map((i) => statusOf(i.id))).toEqual(['EXPIRED', 'EXPIRED']);
    expect(statusOf(pending.id)).toBe('PENDING');
    expect(statusOf(accepted.id)).toBe('ACCEPTED');

    const audit = await t.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.organizationId, organization.id), eq(auditLogs.action, 'invitation.expired')));
    expect(audit.map((a) => a.entityId).sort()).toEqual(due.map((i) => i.id).sort());
    for (const row of audit) {
      const invitation = due.find((i) => i.id === row.entityId)!;
      expect(row).toMatchObject({
        actorType: 'SYSTEM',
        userId: null,
        entityType: 'invitation',
        oldValues: { status: 'PENDING' },
        newValues: { status: 'EXPIRED' },
        metadata: { job: 'expire-invitations', email: invitation.email, role: 'MEMBER' },
      });
    }

    expect(await run(expireInvitations)).toEqual({ invitations: 0 });
    const auditAgain = await t.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.organizationId, organization.id), eq(auditLogs.action, 'invitation.expired')));
    expect(auditAgain).toHaveLength(2);
  });
});

describe('usage-rollup', () => {
  // The run's clock, not the real one: the month is March 2025 (UTC) whatever day the test runs.
  const march = new Date('2025-03-15T12:00:00.000Z');
  const april = new Date('2025-04-02T08:00:00.000Z');

  async function addEvent(organizationId: string, eventType: string, quantity: number, when: string) {
    await t.db.execute(sql`
      INSERT INTO usage_events (organization_id, event_type, quantity, "timestamp")
      VALUES (${organizationId}, ${eventType}, ${quantity}, ${when}::timestamptz)`);
  }

  async function subscriptionOf(organizationId: string) {
    const [row] = await t.db
      .select({ usage: subscriptions.currentPeriodUsage, updatedAt: subscriptions.updatedAt })
      .from(subscriptions)
      .where(eq(subscriptions.organizationId, organizationId));
    if (!row) throw new Error('no subscription');
    return row;
  }

  async function setUsage(organizationId: string, usage: Record<string, number>) {
    await t.db
      .update(subscriptions)
      .set({ currentPeriodUsage: usage })
      .where(eq(subscriptions.organizationId, organizationId));
  }

  it('recomputes the UTC month sums by event type; {} without events; a second run changes nothing', async () => {
    // Settle every subscription other tests left, so the counts below are this test's rows only.
    await run(usageRollup, march);

    const busy = (await createOrg(t.db)).organization;
    await addEvent(busy.id, 'storage.gb', 3, '2025-03-01T00:00:00.000Z'); // the month's first instant
    await addEvent(busy.id, 'storage.gb', 4, '2025-03-15T11:00:00.000Z');
    await addEvent(busy.id, 'api.call', 1, '2025-03-10T09:00:00.000Z');
    await addEvent(busy.id, 'api.call', 1, '2025-03-10T09:00:01.000Z');
    await addEvent(busy.id, 'report.generated', 7, '2025-03-31T23:59:59.999Z'); // its last instant
    await addEvent(busy.id, 'storage.gb', 100, '2025-02-28T23:59:59.999Z'); // last month
    await addEvent(busy.id, 'storage.gb', 50, '2025-04-01T00:00:00.000Z'); // next month

    // Only last month's events and a stale value from then: the month starts over at {}.
    const lastMonthOnly = (await createOrg(t.db)).organization;
    await addEvent(lastMonthOnly.id, 'api.call', 1, '2025-02-20T10:00:00.000Z');
    await setUsage(lastMonthOnly.id, { 'api.call': 42 });

    // A wrong stored value is replaced, not added to.
    const drifted = (await createOrg(t.db)).organization;
    await addEvent(drifted.id, 'seats', 2, '2025-03-05T00:00:00.000Z');
    await setUsage(drifted.id, { seats: 999, gone: 1 });

    // No events at all: stays {} and is not counted.
    const idle = (await createOrg(t.db)).organization;

    // The counters were kept by the insert trigger: nothing to correct.
    expect(await run(usageRollup, march)).toEqual({ counters: 0, dailyCounters: 0, subscriptions: 3 });
    const expected = { 'storage.gb': 7, 'api.call': 2, 'report.generated': 7 };
    expect((await subscriptionOf(busy.id)).usage).toEqual(expected);
    expect((await subscriptionOf(lastMonthOnly.id)).usage).toEqual({});
    expect((await subscriptionOf(drifted.id)).usage).toEqual({ seats: 2 });
    expect((await subscriptionOf(idle.id)).usage).toEqual({});

    // Recomputed, never incremented: the same value again, no row touched (updated_at kept).
    const before = await subscriptionOf(busy.id);
    expect(await run(usageRollup, march)).toEqual({ counters: 0, dailyCounters: 0, subscriptions: 0 });
    expect(await subscriptionOf(busy.id)).toEqual(before);

    // A new event: only that organization changes, to the new sum.
    await addEvent(busy.id, 'storage.gb', 1, '2025-03-15T11:30:00.000Z');
    expect(await run(usageRollup, march)).toEqual({ counters: 0, dailyCounters: 0, subscriptions: 1 });
    expect((await subscriptionOf(busy.id)).usage).toEqual({ ...expected, 'storage.gb': 8 });

    // A new month: the window moves with the run's clock.
    await run(usageRollup, april);
    expect((await subscriptionOf(busy.id)).usage).toEqual({ 'storage.gb': 50 });
    expect((await subscriptionOf(drifted.id)).usage).toEqual({});
    expect((await subscriptionOf(idle.id)).usage).toEqual({});
  });

  it('corrects drifted usage counters from the events, and then leaves them alone', async () => {
    const { organization } = await createOrg(t.db);
    await addEvent(organization.id, 'storage.gb', 3, '2025-03-02T00:00:00.000Z');
    await addEvent(organization.id, 'storage.gb', 4, '2025-03-03T00:00:00.000Z');
    const counter = sql`organization_id = ${organization.id} AND month = '2025-03-01' AND event_type = 'storage.gb'`;
    const read = async () =>
      rowsOf<{ quantity: string; events: string }>(
        await t.db.execute(sql`SELECT quantity, events FROM usage_counters WHERE ${counter}`),
      ).map((r) => [Number(r.quantity), Number(r.events)]);
    expect(await read()).toEqual([[7, 2]]);
    // Drift both ways: a wrong counter, and one for a type with no events at all.
    await t.db.execute(sql`UPDATE usage_counters SET quantity = 999, events = 1 WHERE ${counter}`);
    await t.db.execute(sql`
      INSERT INTO usage_counters (organization_id, month, event_type, quantity, events)
      VALUES (${organization.id}, '2025-03-01', 'ghost', 5, 5)`);
    await run(usageRollup, march);
    expect(await read()).toEqual([[7, 2]]);
    const [ghost] = rowsOf<{ quantity: string }>(
      await t.db.execute(
        sql`SELECT quantity FROM usage_counters WHERE organization_id = ${organization.id} AND event_type = 'ghost'`,
      ),
    );
    expect(Number(ghost?.quantity)).toBe(0);
    expect((await subscriptionOf(organization.id)).usage).toEqual({ 'storage.gb': 7 });
    expect(await run(usageRollup, march)).toEqual({ counters: 0, dailyCounters: 0, subscriptions: 0 });
  });

  it('keeps one daily counter per UTC day (the dashboard chart), and corrects a drifted one', async () => {
    const { organization } = await createOrg(t.db);
    await addEvent(organization.id, 'api.call', 1, '2025-03-02T00:00:00.000Z'); // the day's first instant
    await addEvent(organization.id, 'api.call', 1, '2025-03-02T23:59:59.999Z'); // its last
    await addEvent(organization.id, 'api.call', 1, '2025-03-03T00:00:00.000Z');
    const read = async () =>
      rowsOf<{ day: string; quantity: string }>(
        await t.db.execute(sql`
          SELECT to_char(day, 'YYYY-MM-DD') AS day, quantity FROM usage_daily_counters
           WHERE organization_id = ${organization.id} AND event_type = 'api.call' ORDER BY day`),
      ).map((r) => [r.day, Number(r.quantity)]);
    expect(await read()).toEqual([
      ['2025-03-02', 2],
      ['2025-03-03', 1],
    ]);
    await t.db.execute(sql`
      UPDATE usage_daily_counters SET quantity = 40, events = 40
       WHERE organization_id = ${organization.id} AND day = '2025-03-03'`);
    const counts = await run(usageRollup, march);
    expect(counts.dailyCounters).toBe(1);
    expect(await read()).toEqual([
      ['2025-03-02', 2],
      ['2025-03-03', 1],
    ]);
    expect((await run(usageRollup, march)).dailyCounters).toBe(0);
  });
});
