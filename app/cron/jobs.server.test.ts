// Each cron job's effect on the rows, and its idempotency: a second run changes nothing and counts zero.
import { and, eq, inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLogs, invitations, refreshTokens, sessions, tokenBlacklist, verifications } from '~db/schema';
import { useTestDatabase } from '../../tests/support/db';
import { cleanupStaleSessions, cleanupTokens } from './cleanup.server';
import { expireInvitations } from './expire-invitations.server';
import { findCronJob } from './jobs.server';
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
  it('is closed: the four jobs by name, nothing else (not even Object.prototype keys)', () => {
    for (const name of ['cleanup-tokens', 'cleanup-stale-sessions', 'expire-invitations', 'send-emails']) {
      expect(findCronJob(name)?.name).toBe(name);
    }
    for (const name of ['billing-run', 'constructor', '__proto__', 'toString', '', undefined]) {
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
    });
    expect(await t.db.select().from(sessions)).toHaveLength(1);

    // Once their time comes (the run's clock), the live ones go too.
    const later = at(minutes(61));
    expect(await run(cleanupTokens, later)).toEqual({
      blacklistEntries: 1,
      sessions: 1,
      refreshTokens: 1,
      verifications: 1,
    });
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
