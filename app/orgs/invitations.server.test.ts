// Invitations: hashed token + outbox email with the encrypted link, 48 h expiry, accept (right email,
// idempotent), decline, cancel, resend, and the plan's members limit at invite and at accept.
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '~/auth/tokens.server';
import { decryptLink } from '~/email/outbox.server';
import { Conflict, Forbidden, LimitReached, NotFound } from '~/lib/errors';
import { type Connection, connectPostgres } from '~db/client.server';
import { auditLogs, emailLogs, invitations, organizationMembers, teamMembers } from '~db/schema';
import { itConcurrent, useTestDatabase } from '../../tests/support/db';
import {
  acceptInvitation,
  cancelInvitation,
  declineInvitation,
  getInvitationByToken,
  inviteMember,
  listInvitations,
  resendInvitation,
} from './invitations.server';
import { createTeam } from './teams.server';
import { addMember, createOrg, createUser, setLimits, uid } from './test-support';

const t = useTestDatabase();

async function invite(role: 'MEMBER' | 'ADMIN' = 'MEMBER') {
  const { organization, owner } = await createOrg(t.db);
  const invitee = await createUser(t.db);
  const result = await inviteMember(t.db, owner.actor, {
    organizationId: organization.id,
    email: invitee.email,
    role,
  });
  return { organization, owner, invitee, ...result };
}

const membership = async (organizationId: string, userId: string) =>
  t.db
    .select()
    .from(organizationMembers)
    .where(
      and(eq(organizationMembers.organizationId, organizationId), eq(organizationMembers.userId, userId)),
    );

describe('inviting', () => {
  it('stores only the token hash, expires after INVITATION_TTL_HOURS (48), queues an email with the encrypted link', async () => {
    const before = Date.now();
    const { invitation, token, emailIds, invitee, organization } = await invite();
    expect(invitation.tokenHash).toBe(sha256Hex(token));
    expect(JSON.stringify(invitation)).not.toContain(token);
    const hours = (invitation.expiresAt.getTime() - before) / 3_600_000;
    expect(hours).toBeGreaterThan(47.9);
    expect(hours).toBeLessThan(48.1);
    const [email] = await t.db.select().from(emailLogs).where(eq(emailLogs.id, emailIds[0]!));
    expect(email).toMatchObject({
      to: invitee.email,
      template: 'invitation',
      status: 'QUEUED',
      entityId: invitation.id,
    });
    expect(JSON.stringify(email?.templateData)).not.toContain(token);
    expect(decryptLink(email?.templateData)).toMatch(new RegExp(`/invitations/${token}$`));
    expect(email?.subject).toContain(organization.name);
    const [audit] = await t.db.select().from(auditLogs).where(eq(auditLogs.entityId, invitation.id));
    expect(audit).toMatchObject({ action: 'invitation.created', organizationId: organization.id });
  });

  it('refuses an existing member and a second pending invitation to the same address; nothing is written', async () => {
    const { organization, owner, invitee } = await invite();
    const member = await addMember(t.db, organization.id, 'MEMBER');
    await expect(
      inviteMember(t.db, owner.actor, {
        organizationId: organization.id,
        email: member.email,
        role: 'MEMBER',
      }),
    ).rejects.toMatchObject({ fieldErrors: { email: ['Already a member'] } });
    await expect(
      inviteMember(t.db, owner.actor, {
        organizationId: organization.id,
        email: invitee.email.toUpperCase(),
        role: 'ADMIN',
      }),
    ).rejects.toBeInstanceOf(Conflict);
    const rows = await t.db.select().from(invitations).where(eq(invitations.organizationId, organization.id));
    expect(rows).toHaveLength(1);
  });

  it('a team of another organization is not found', async () => {
    const { organization, owner } = await createOrg(t.db);
    const other = await createOrg(t.db);
    const foreignTeam = await createTeam(t.db, other.owner.actor, {
      organizationId: other.organization.id,
      name: 'X',
    });
    await expect(
      inviteMember(t.db, owner.actor, {
        organizationId: organization.id,
        email: `a-${uid()}@example.com`,
        role: 'MEMBER',
        teamId: foreignTeam.id,
      }),
    ).rejects.toBeInstanceOf(NotFound);
  });

  it('members + pending invitations may not exceed the plan’s members limit; the message names it and the upgrade', async () => {
    const { organization, owner } = await createOrg(t.db);
    await setLimits(t.db, organization.id, { members: 3 });
    await addMember(t.db, organization.id, 'MEMBER');
    await inviteMember(t.db, owner.actor, {
      organizationId: organization.id,
      email: `a-${uid()}@example.com`,
      role: 'MEMBER',
    });
    const err = await inviteMember(t.db, owner.actor, {
      organizationId: organization.id,
      email: `b-${uid()}@example.com`,
      role: 'MEMBER',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LimitReached);
    expect((err as Error).message).toContain('allows 3 members');
    expect((err as Error).message).toContain(`/o/${organization.slug}/billing`);
    expect(await listInvitations(t.db, owner.actor, organization.id)).toHaveLength(1);
  });

  it('the free plan allows 10 members (seed 000)', async () => {
    const { organization, owner } = await createOrg(t.db);
    for (let i = 0; i < 9; i++) {
      await inviteMember(t.db, owner.actor, {
        organizationId: organization.id,
        email: `f${i}-${uid()}@example.com`,
        role: 'MEMBER',
      });
    }
    await expect(
      inviteMember(t.db, owner.actor, {
        organizationId: organization.id,
        email: `x-${uid()}@example.com`,
        role: 'MEMBER',
      }),
    ).rejects.toThrow(/Free plan allows 10 members/);
  });
});

describe('accepting and declining', () => {
  it('needs the invited email; then membership and status change together, with the team', async () => {
    const { organization, owner } = await createOrg(t.db);
    const team = await createTeam(t.db, owner.actor, { organizationId: organization.id, name: 'Ops' });
    const invitee = await createUser(t.db);
    const { token } = await inviteMember(t.db, owner.actor, {
      organizationId: organization.id,
      email: invitee.email,
      role: 'ADMIN',
      teamId: team.id,
    });
    const stranger = await createUser(t.db);
    await expect(acceptInvitation(t.db, stranger.actor, { token })).rejects.toBeInstanceOf(Forbidden);
    expect(await membership(organization.id, stranger.id)).toEqual([]);

    await acceptInvitation(t.db, invitee.actor, { token });
    const [m] = await membership(organization.id, invitee.id);
    expect(m?.role).toBe('ADMIN');
    expect(await t.db.select().from(teamMembers).where(eq(teamMembers.teamId, team.id))).toHaveLength(1);
    expect((await getInvitationByToken(t.db, token)).status).toBe('ACCEPTED');
  });

  it('accepting twice is harmless', async () => {
    const { organization, invitee, token } = await invite();
    const first = await acceptInvitation(t.db, invitee.actor, { token });
    const again = await acceptInvitation(t.db, invitee.actor, { token });
    expect(first.alreadyAccepted).toBe(false);
    expect(again.alreadyAccepted).toBe(true);
    expect(await membership(organization.id, invitee.id)).toHaveLength(1);
  });

  it('an expired invitation cannot be accepted; nothing changes', async () => {
    const { organization, invitee, token, invitation } = await invite();
    await t.db.execute(
      sql`UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE id = ${invitation.id}`,
    );
    await expect(acceptInvitation(t.db, invitee.actor, { token })).rejects.toThrow(/expired/);
    expect(await membership(organization.id, invitee.id)).toEqual([]);
    expect((await getInvitationByToken(t.db, token)).status).toBe('EXPIRED');
  });

  it('a canceled invitation cannot be accepted', async () => {
    const { organization, owner, invitee, token, invitation } = await invite();
    await cancelInvitation(t.db, owner.actor, {
      organizationId: organization.id,
      invitationId: invitation.id,
    });
    await expect(acceptInvitation(t.db, invitee.actor, { token })).rejects.toThrow(/canceled/);
    await expect(
      cancelInvitation(t.db, owner.actor, { organizationId: organization.id, invitationId: invitation.id }),
    ).rejects.toBeInstanceOf(Conflict);
  });

  it('declining needs only the link; a declined invitation cannot be accepted', async () => {
    const { organization, invitee, token } = await invite();
    await declineInvitation(t.db, { type: 'USER', userId: null }, { token });
    expect((await getInvitationByToken(t.db, token)).status).toBe('DECLINED');
    await expect(acceptInvitation(t.db, invitee.actor, { token })).rejects.toThrow(/declined/);
    expect(await membership(organization.id, invitee.id)).toEqual([]);
  });

  it('an unknown token is not found', async () => {
    const user = await createUser(t.db);
    await expect(getInvitationByToken(t.db, 'no-such-token-at-all')).rejects.toBeInstanceOf(NotFound);
    await expect(
      acceptInvitation(t.db, user.actor, { token: 'no-such-token-at-all' }),
    ).rejects.toBeInstanceOf(NotFound);
  });

  it('the members limit is checked again at accept (the plan may have shrunk)', async () => {
    const { organization, invitee, token } = await invite();
    await addMember(t.db, organization.id, 'MEMBER');
    await setLimits(t.db, organization.id, { members: 2 });
    await expect(acceptInvitation(t.db, invitee.actor, { token })).rejects.toBeInstanceOf(LimitReached);
    expect(await membership(organization.id, invitee.id)).toEqual([]);
    expect((await getInvitationByToken(t.db, token)).status).toBe('PENDING');
  });
});

describe('resending and canceling', () => {
  it('resend issues a new link and expiry; the old link stops working', async () => {
    const { organization, owner, invitee, token, invitation } = await invite();
    await t.db.execute(
      sql`UPDATE invitations SET expires_at = now() - interval '1 hour' WHERE id = ${invitation.id}`,
    );
    const resent = await resendInvitation(t.db, owner.actor, {
      organizationId: organization.id,
      invitationId: invitation.id,
    });
    expect(resent.token).not.toBe(token);
    await expect(getInvitationByToken(t.db, token)).rejects.toBeInstanceOf(NotFound);
    expect(resent.invitation.expiresAt.getTime()).toBeGreaterThan(Date.now() + 47 * 3_600_000);
    await acceptInvitation(t.db, invitee.actor, { token: resent.token });
    expect(await membership(organization.id, invitee.id)).toHaveLength(1);
  });

  it('an invitation id of another organization is not found', async () => {
    const a = await createOrg(t.db);
    const { invitation } = await invite();
    const input = { organizationId: a.organization.id, invitationId: invitation.id };
    await expect(cancelInvitation(t.db, a.owner.actor, input)).rejects.toBeInstanceOf(NotFound);
    await expect(resendInvitation(t.db, a.owner.actor, input)).rejects.toBeInstanceOf(NotFound);
  });
});

describe('members limit under concurrency (SPEC §3)', () => {
  let second: Connection | undefined;
  beforeAll(() => {
    if (t.url) second = connectPostgres(t.url, { max: 2 });
  });
  afterAll(async () => {
    await second?.close();
  });

  itConcurrent('two invitations racing for the last seat: one wins', async () => {
    for (let round = 0; round < 5; round++) {
      const { organization, owner } = await createOrg(t.db);
      await setLimits(t.db, organization.id, { members: 2 });
      const results = await Promise.allSettled([
        inviteMember(t.db, owner.actor, {
          organizationId: organization.id,
          email: `a-${uid()}@example.com`,
          role: 'MEMBER',
        }),
        inviteMember(second!.db, owner.actor, {
          organizationId: organization.id,
          email: `b-${uid()}@example.com`,
          role: 'MEMBER',
        }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.find((r) => r.status === 'rejected')).toMatchObject({
        reason: expect.any(LimitReached),
      });
    }
  });
});
