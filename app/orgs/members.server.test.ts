// Members and roles: the last-owner rule (also under concurrency), what removing and leaving take
// with them, transfer of ownership, and the audit rows every change writes.
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conflict, Forbidden, NotFound } from '~/lib/errors';
import { type Connection, connectPostgres } from '~db/client.server';
import { auditLogs, organizationMembers, sessions, teamMembers } from '~db/schema';
import { itConcurrent, useTestDatabase } from '../../tests/support/db';
import {
  changeRole,
  LAST_OWNER_MESSAGE,
  leaveOrganization,
  listMembers,
  removeMember,
  transferOwnership,
} from './members.server';
import { setActiveOrganization } from './organizations.server';
import { addTeamMember, createTeam } from './teams.server';
import { addMember, cookieFor, countRows, createOrg, roleOf, uid } from './test-support';

const t = useTestDatabase();

describe('the last owner', () => {
  it('cannot be demoted, removed or leave; nothing changes', async () => {
    const { organization, owner } = await createOrg(t.db);
    const admin = await addMember(t.db, organization.id, 'ADMIN');
    const [ownerMember] = await t.db
      .select()
      .from(organizationMembers)
      .where(eq(organizationMembers.userId, owner.id));
    const input = { organizationId: organization.id, memberId: ownerMember!.id };

    await expect(changeRole(t.db, owner.actor, { ...input, role: 'ADMIN' })).rejects.toThrow(
      LAST_OWNER_MESSAGE,
    );
    await expect(leaveOrganization(t.db, owner.actor, { organizationId: organization.id })).rejects.toThrow(
      /last owner/,
    );
    // An admin may not touch an owner at all.
    await expect(removeMember(t.db, admin.actor, input)).rejects.toBeInstanceOf(Forbidden);
    await expect(changeRole(t.db, admin.actor, { ...input, role: 'MEMBER' })).rejects.toBeInstanceOf(
      Forbidden,
    );
    expect(await roleOf(t.db, ownerMember!.id)).toBe('OWNER');
  });

  it('may leave, be demoted or removed once another owner exists', async () => {
    const { organization, owner } = await createOrg(t.db);
    const second = await addMember(t.db, organization.id, 'OWNER');
    await changeRole(t.db, owner.actor, {
      organizationId: organization.id,
      memberId: second.memberId,
      role: 'ADMIN',
    });
    expect(await roleOf(t.db, second.memberId)).toBe('ADMIN');
    await changeRole(t.db, owner.actor, {
      organizationId: organization.id,
      memberId: second.memberId,
      role: 'OWNER',
    });
    await leaveOrganization(t.db, owner.actor, { organizationId: organization.id });
    const members = await listMembers(t.db, second.actor, organization.id);
    expect(members.map((m) => [m.userId, m.role])).toEqual([[second.id, 'OWNER']]);
  });

  it('removing yourself is refused (leave instead)', async () => {
    const { organization } = await createOrg(t.db);
    const admin = await addMember(t.db, organization.id, 'ADMIN');
    await expect(
      removeMember(t.db, admin.actor, { organizationId: organization.id, memberId: admin.memberId }),
    ).rejects.toBeInstanceOf(Conflict);
  });
});

describe('two owners demoting each other at the same moment (SPEC §3 lock)', () => {
  let second: Connection | undefined;
  beforeAll(() => {
    if (t.url) second = connectPostgres(t.url, { max: 2 });
  });
  afterAll(async () => {
    await second?.close();
  });

  async function twoOwners() {
    const { organization, owner: a } = await createOrg(t.db);
    const b = await addMember(t.db, organization.id, 'OWNER');
    const [aMember] = await t.db
      .select()
      .from(organizationMembers)
      .where(
        and(eq(organizationMembers.organizationId, organization.id), eq(organizationMembers.userId, a.id)),
      );
    return { organization, a: { ...a, memberId: aMember!.id }, b };
  }

  const owners = (organizationId: string) =>
    countRows(
      t.db,
      sql`SELECT count(*) AS n FROM organization_members WHERE organization_id = ${organizationId} AND role = 'OWNER'`,
    );

  itConcurrent('the second transaction waits for the lock, then sees it is no longer an owner', async () => {
    const { organization, a, b } = await twoOwners();
    let settled = false;
    let late: Promise<unknown> | undefined;
    // B demotes A inside an open transaction on connection 2 (holding the organization row lock)…
    await second!.db.transaction(async (tx) => {
      await changeRole(tx, b.actor, { organizationId: organization.id, memberId: a.memberId, role: 'ADMIN' });
      // …while A, on connection 1, demotes B: it must wait for B's transaction.
      late = changeRole(t.db, a.actor, {
        organizationId: organization.id,
        memberId: b.memberId,
        role: 'ADMIN',
      }).finally(() => {
        settled = true;
      });
      late.catch(() => {});
      await new Promise((r) => setTimeout(r, 300));
      expect(settled).toBe(false);
    });
    const err = await late!.then(
      () => null,
      (e: unknown) => e,
    );
    // A was demoted before its own change ran: as an admin it may no longer touch an owner.
    expect(err).toBeInstanceOf(Forbidden);
    expect(await owners(organization.id)).toBe(1);
    expect(await roleOf(t.db, b.memberId)).toBe('OWNER');
  });

  itConcurrent('racing each other (repeated), they always leave exactly one owner', async () => {
    for (let round = 0; round < 8; round++) {
      const { organization, a, b } = await twoOwners();
      const results = await Promise.allSettled([
        changeRole(t.db, a.actor, { organizationId: organization.id, memberId: b.memberId, role: 'ADMIN' }),
        changeRole(second!.db, b.actor, {
          organizationId: organization.id,
          memberId: a.memberId,
          role: 'ADMIN',
        }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(await owners(organization.id)).toBe(1);
    }
  });

  itConcurrent('two owners leaving at once: one stays', async () => {
    for (let round = 0; round < 5; round++) {
      const { organization, a, b } = await twoOwners();
      const results = await Promise.allSettled([
        leaveOrganization(t.db, a.actor, { organizationId: organization.id }),
        leaveOrganization(second!.db, b.actor, { organizationId: organization.id }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(await owners(organization.id)).toBe(1);
    }
  });
});

describe('removing a member or leaving', () => {
  async function memberWithEverything() {
    const { organization, owner } = await createOrg(t.db);
    const member = await addMember(t.db, organization.id, 'MEMBER');
    const team = await createTeam(t.db, owner.actor, { organizationId: organization.id, name: `T-${uid()}` });
    await addTeamMember(t.db, owner.actor, {
      organizationId: organization.id,
      teamId: team.id,
      userId: member.id,
    });
    // An API key the member created for this organization, and one for another organization.
    const other = await createOrg(t.db, member);
    for (const orgId of [organization.id, other.organization.id]) {
      await t.db.execute(
        sql`INSERT INTO api_keys (organization_id, user_id, name, key_hash, key_prefix, scopes)
            VALUES (${orgId}, ${member.id}, 'k', ${`hash-${uid()}`}, 'sk_x', ARRAY['usage:read'])`,
      );
    }
    const cookie = await cookieFor(t.db, member.id);
    const [session] = await t.db.select().from(sessions).where(eq(sessions.userId, member.id));
    await setActiveOrganization(t.db, { sessionId: session!.id, userId: member.id }, organization.id);
    return { organization, owner, member, team, other: other.organization, cookie };
  }

  const activeKeys = (organizationId: string, userId: string) =>
    countRows(
      t.db,
      sql`SELECT count(*) AS n FROM api_keys WHERE organization_id = ${organizationId} AND user_id = ${userId} AND is_active`,
    );

  it('removal drops their team memberships, deactivates their API keys here only, clears the active organization', async () => {
    const { organization, owner, member, team, other } = await memberWithEverything();
    await removeMember(t.db, owner.actor, { organizationId: organization.id, memberId: member.memberId });
    expect(await t.db.select().from(teamMembers).where(eq(teamMembers.teamId, team.id))).toEqual([]);
    expect(await activeKeys(organization.id, member.id)).toBe(0);
    expect(await activeKeys(other.id, member.id)).toBe(1);
    const [session] = await t.db.select().from(sessions).where(eq(sessions.userId, member.id));
    expect(session?.activeOrganizationId).toBeNull();
    const [audit] = await t.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.organizationId, organization.id), eq(auditLogs.action, 'member.removed')));
    expect(audit).toMatchObject({
      userId: owner.id,
      entityType: 'organization_member',
      entityId: member.memberId,
      ipAddress: '203.0.113.7',
      userAgent: 'vitest',
    });
    expect(audit?.oldValues).toMatchObject({ userId: member.id, role: 'MEMBER' });
  });

  it('leaving does the same', async () => {
    const { organization, member, team } = await memberWithEverything();
    await leaveOrganization(t.db, member.actor, { organizationId: organization.id });
    expect(await t.db.select().from(teamMembers).where(eq(teamMembers.teamId, team.id))).toEqual([]);
    expect(await activeKeys(organization.id, member.id)).toBe(0);
  });

  it('a member id of another organization is not found', async () => {
    const a = await createOrg(t.db);
    const b = await createOrg(t.db);
    const bMember = await addMember(t.db, b.organization.id, 'MEMBER');
    const input = { organizationId: a.organization.id, memberId: bMember.memberId };
    await expect(removeMember(t.db, a.owner.actor, input)).rejects.toBeInstanceOf(NotFound);
    await expect(changeRole(t.db, a.owner.actor, { ...input, role: 'ADMIN' })).rejects.toBeInstanceOf(
      NotFound,
    );
    await expect(transferOwnership(t.db, a.owner.actor, input)).rejects.toBeInstanceOf(NotFound);
    expect(await roleOf(t.db, bMember.memberId)).toBe('MEMBER');
  });
});

describe('roles', () => {
  it('an admin changes roles between ADMIN, MEMBER and BILLING, never to OWNER', async () => {
    const { organization } = await createOrg(t.db);
    const admin = await addMember(t.db, organization.id, 'ADMIN');
    const member = await addMember(t.db, organization.id, 'MEMBER');
    const input = { organizationId: organization.id, memberId: member.memberId };
    await changeRole(t.db, admin.actor, { ...input, role: 'BILLING' });
    expect(await roleOf(t.db, member.memberId)).toBe('BILLING');
    await expect(changeRole(t.db, admin.actor, { ...input, role: 'OWNER' })).rejects.toBeInstanceOf(
      Forbidden,
    );
    const [audit] = await t.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.entityId, member.memberId), eq(auditLogs.action, 'member.role_changed')));
    expect(audit).toMatchObject({ oldValues: { role: 'MEMBER' }, newValues: { role: 'BILLING' } });
  });

  it('transferring ownership makes the target OWNER and the previous owner ADMIN', async () => {
    const { organization, owner } = await createOrg(t.db);
    const member = await addMember(t.db, organization.id, 'MEMBER');
    await transferOwnership(t.db, owner.actor, {
      organizationId: organization.id,
      memberId: member.memberId,
    });
    const roles = Object.fromEntries(
      (await listMembers(t.db, member.actor, organization.id)).map((m) => [m.userId, m.role]),
    );
    expect(roles).toEqual({ [owner.id]: 'ADMIN', [member.id]: 'OWNER' });
  });
});
