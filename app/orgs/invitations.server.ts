// Invitations (SPEC §4, seed 000): invite by email with a role and optional team; the link carries a
// random token whose SHA-256 is stored (SPEC §3); it expires after INVITATION_TTL_HOURS. The plan's
// members limit (members + pending invitations) is checked at invite and again at accept, under the
// organization row lock.
import { and, desc, eq, gt, lte, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { type Actor, recordAudit } from '~/audit/audit.server';
import { generateToken, sha256Hex } from '~/auth/tokens.server';
import { queueEmail } from '~/email/outbox.server';
import { env } from '~/env.server';
import { Conflict, Forbidden, NotFound } from '~/lib/errors';
import { type Database, isUniqueViolation } from '~db/client.server';
import { invitations, organizationMembers, organizations, teamMembers, teams, users } from '~db/schema';
import { assertCan, authorize, lockOrganization } from './access.server';
import { assertSeats } from './limits.server';
import { ROLE_LABELS } from './permissions';
import { inviteFormSchema } from './schemas';

export const INVITATION_NOT_FOUND = 'This invitation does not exist or is no longer valid.';

export function invitationTtlMs(): number {
  return env().INVITATION_TTL_HOURS * 60 * 60 * 1000;
}

export function invitationLink(token: string): string {
  return new URL(`/invitations/${encodeURIComponent(token)}`, env().APP_URL).toString();
}

export { inviteFormSchema };
export const inviteInput = inviteFormSchema.extend({ organizationId: z.string().min(1) });

async function inviterName(tx: Database, userId: string | null): Promise<string> {
  if (!userId) return 'A member';
  const [u] = await tx
    .select({ name: users.name, email: users.email })
    .from(users)
    .where(eq(users.id, userId));
  return u?.name ?? u?.email ?? 'A member';
}

async function queueInvitationEmail(
  tx: Database,
  actor: Actor,
  invitation: { id: string; email: string; role: string; expiresAt: Date },
  organizationName: string,
  token: string,
): Promise<string> {
  return queueEmail(tx, {
    to: invitation.email,
    template: 'invitation',
    data: {
      organizationName,
      inviterName: await inviterName(tx, actor.userId),
      role: ROLE_LABELS[invitation.role as keyof typeof ROLE_LABELS] ?? invitation.role,
      expiresAt: invitation.expiresAt.toUTCString(),
    },
    link: invitationLink(token),
    entityType: 'invitation',
    entityId: invitation.id,
  });
}

export async function inviteMember(db: Database, actor: Actor, input: z.input<typeof inviteInput>) {
  const { organizationId, email, role, teamId } = inviteInput.parse(input);
  try {
    return await db.transaction(async (tx) => {
      const me = await authorize(tx, actor, organizationId, 'members:invite', { lock: true });
      if (role === 'OWNER') assertCan(me, 'owners:manage');
      if (teamId) {
        const [team] = await tx
          .select({ id: teams.id })
          .from(teams)
          .where(and(eq(teams.id, teamId), eq(teams.organizationId, organizationId)));
        if (!team) throw new NotFound('Team not found');
      }
      const [existingMember] = await tx
        .select({ id: organizationMembers.id })
        .from(organizationMembers)
        .innerJoin(users, eq(users.id, organizationMembers.userId))
        .where(and(eq(organizationMembers.organizationId, organizationId), eq(users.email, email)));
      if (existingMember) {
        throw new Conflict(`${email} is already a member of this organization.`, {
          email: ['Already a member'],
        });
      }
      // A pending invitation past its expiry no longer counts: mark it EXPIRED so a new one can be sent.
      await tx
        .update(invitations)
        .set({ status: 'EXPIRED' })
        .where(
          and(
            eq(invitations.organizationId, organizationId),
            eq(invitations.email, email),
            eq(invitations.status, 'PENDING'),
            lte(invitations.expiresAt, sql`now()`),
          ),
        );
      const [pending] = await tx
        .select({ id: invitations.id })
        .from(invitations)
        .where(
          and(
            eq(invitations.organizationId, organizationId),
            eq(invitations.email, email),
            eq(invitations.status, 'PENDING'),
          ),
        );
      if (pending) {
        throw new Conflict(`${email} already has a pending invitation. Resend it from the list instead.`, {
          email: ['Already invited'],
        });
      }
      await assertSeats(tx, me.organization, 1);

      const token = generateToken();
      const [invitation] = await tx
        .insert(invitations)
        .values({
          organizationId,
          email,
          role,
          teamId: teamId ?? null,
          inviterId: actor.userId!,
          tokenHash: sha256Hex(token),
          expiresAt: new Date(Date.now() + invitationTtlMs()),
        })
        .returning();
      if (!invitation) throw new Error('invitation insert returned nothing');
      const emailId = await queueInvitationEmail(tx, actor, invitation, me.organization.name, token);
      await recordAudit(tx, actor, {
        organizationId,
        action: 'invitation.created',
        entityType: 'invitation',
        entityId: invitation.id,
        newValues: { email, role, teamId: teamId ?? null, expiresAt: invitation.expiresAt.toISOString() },
      });
      return { invitation, token, emailIds: [emailId] };
    });
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new Conflict(`${email} already has a pending invitation.`, { email: ['Already invited'] });
    }
    throw err;
  }
}

export async function listInvitations(db: Database, actor: Actor, organizationId: string) {
  await authorize(db, actor, organizationId, 'organization:view');
  const rows = await db
    .select({
      id: invitations.id,
      email: invitations.email,
      role: invitations.role,
      status: invitations.status,
      expiresAt: invitations.expiresAt,
      createdAt: invitations.createdAt,
      teamName: teams.name,
      inviterName: users.name,
    })
    .from(invitations)
    .leftJoin(teams, eq(teams.id, invitations.teamId))
    .leftJoin(users, eq(users.id, invitations.inviterId))
    .where(eq(invitations.organizationId, organizationId))
    .orderBy(desc(invitations.createdAt), desc(invitations.id))
    .limit(200);
  const now = Date.now();
  return rows.map((r) => ({
    ...r,
    status: r.status === 'PENDING' && r.expiresAt.getTime() <= now ? ('EXPIRED' as const) : r.status,
  }));
}

async function findInvitation(tx: Database, organizationId: string, invitationId: string) {
  const [invitation] = await tx
    .select()
    .from(invitations)
    .where(and(eq(invitations.id, invitationId), eq(invitations.organizationId, organizationId)));
  if (!invitation) throw new NotFound('Invitation not found');
  return invitation;
}

export const invitationActionInput = z.object({
  organizationId: z.string().min(1),
  invitationId: z.string().min(1),
});

export async function cancelInvitation(
  db: Database,
  actor: Actor,
  input: z.infer<typeof invitationActionInput>,
) {
  const { organizationId, invitationId } = invitationActionInput.parse(input);
  return db.transaction(async (tx) => {
    const me = await authorize(tx, actor, organizationId, 'members:invite', { lock: true });
    const invitation = await findInvitation(tx, organizationId, invitationId);
    if (invitation.role === 'OWNER') assertCan(me, 'owners:manage');
    if (invitation.status !== 'PENDING')
      throw new Conflict(`This invitation is already ${invitation.status.toLowerCase()}.`);
    await tx.update(invitations).set({ status: 'CANCELED' }).where(eq(invitations.id, invitation.id));
    await recordAudit(tx, actor, {
      organizationId,
      action: 'invitation.canceled',
      entityType: 'invitation',
      entityId: invitation.id,
      oldValues: { status: invitation.status },
      newValues: { status: 'CANCELED' },
      metadata: { email: invitation.email },
    });
    return invitation;
  });
}

/** A new token and a new expiry; the old link stops working. Expired invitations count as seats again. */
export async function resendInvitation(
  db: Database,
  actor: Actor,
  input: z.infer<typeof invitationActionInput>,
) {
  const { organizationId, invitationId } = invitationActionInput.parse(input);
  try {
    return await db.transaction(async (tx) => {
      const me = await authorize(tx, actor, organizationId, 'members:invite', { lock: true });
      const invitation = await findInvitation(tx, organizationId, invitationId);
      if (invitation.role === 'OWNER') assertCan(me, 'owners:manage');
      if (invitation.status !== 'PENDING' && invitation.status !== 'EXPIRED') {
        throw new Conflict(`This invitation is ${invitation.status.toLowerCase()}: send a new one instead.`);
      }
      const counted = invitation.status === 'PENDING' && invitation.expiresAt.getTime() > Date.now();
      if (!counted) {
        await assertSeats(tx, me.organization, 1);
      }
      const token = generateToken();
      const expiresAt = new Date(Date.now() + invitationTtlMs());
      const [updated] = await tx
        .update(invitations)
        .set({ tokenHash: sha256Hex(token), expiresAt, status: 'PENDING', inviterId: actor.userId! })
        .where(eq(invitations.id, invitation.id))
        .returning();
      if (!updated) throw new Error('invitation update returned nothing');
      const emailId = await queueInvitationEmail(tx, actor, updated, me.organization.name, token);
      await recordAudit(tx, actor, {
        organizationId,
        action: 'invitation.resent',
        entityType: 'invitation',
        entityId: invitation.id,
        oldValues: { status: invitation.status, expiresAt: invitation.expiresAt.toISOString() },
        newValues: { status: 'PENDING', expiresAt: expiresAt.toISOString() },
        metadata: { email: invitation.email },
      });
      return { invitation: updated, token, emailIds: [emailId] };
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new Conflict('This address already has another pending invitation.');
    throw err;
  }
}

/** What the invitation page shows; an unknown token is a 404. */
export async function getInvitationByToken(db: Database, token: string) {
  const [row] = await db
    .select({
      id: invitations.id,
      email: invitations.email,
      role: invitations.role,
      status: invitations.status,
      expiresAt: invitations.expiresAt,
      organizationId: organizations.id,
      organizationName: organizations.name,
      organizationSlug: organizations.slug,
      inviterName: users.name,
    })
    .from(invitations)
    .innerJoin(organizations, eq(organizations.id, invitations.organizationId))
    .leftJoin(users, eq(users.id, invitations.inviterId))
    .where(eq(invitations.tokenHash, sha256Hex(token)));
  if (!row) throw new NotFound(INVITATION_NOT_FOUND);
  const expired =
    row.status === 'EXPIRED' || (row.status === 'PENDING' && row.expiresAt.getTime() <= Date.now());
  return { ...row, status: expired ? ('EXPIRED' as const) : row.status };
}

function refuseClosed(status: string, expiresAt: Date): void {
  if (status === 'CANCELED')
    throw new Conflict('This invitation was canceled. Ask an admin of the organization for a new one.');
  if (status === 'DECLINED')
    throw new Conflict('This invitation was declined. Ask an admin of the organization for a new one.');
  if (status === 'EXPIRED' || (status === 'PENDING' && expiresAt.getTime() <= Date.now())) {
    throw new Conflict('This invitation has expired. Ask an admin of the organization to resend it.');
  }
}

export const tokenInput = z.object({ token: z.string().min(10).max(200) });

/**
 * Accepts as the signed-in user, who must hold the invited email. Membership and invitation status
 * change in one transaction; accepting again is harmless (returns the organization).
 */
export async function acceptInvitation(db: Database, actor: Actor, input: z.infer<typeof tokenInput>) {
  const { token } = tokenInput.parse(input);
  return acceptMatching(db, actor, eq(invitations.tokenHash, sha256Hex(token)), false);
}

export const invitationIdInput = z.object({ invitationId: z.string().min(1).max(100) });

/**
 * Accepts from the invitee's own list (/orgs, listPendingInvitationsForUser): by id, and only when the
 * signed-in user's email is the invited one AND verified; anyone else's invitation is "not found".
 */
export async function acceptInvitationById(
  db: Database,
  actor: Actor,
  input: z.infer<typeof invitationIdInput>,
) {
  const { invitationId } = invitationIdInput.parse(input);
  return acceptMatching(db, actor, eq(invitations.id, invitationId), true);
}

async function acceptMatching(db: Database, actor: Actor, match: SQL, byId: boolean) {
  if (!actor.userId) throw new Forbidden('Sign in to accept the invitation.');
  const userId = actor.userId;
  return db.transaction(async (tx) => {
    const [found] = await tx
      .select({ organizationId: invitations.organizationId })
      .from(invitations)
      .where(match);
    if (!found) throw new NotFound(INVITATION_NOT_FOUND);
    const organization = await lockOrganization(tx, found.organizationId);
    // Re-read under the lock: a concurrent accept or cancel has finished by now.
    const [invitation] = await tx.select().from(invitations).where(match);
    if (!invitation) throw new NotFound(INVITATION_NOT_FOUND);
    const [user] = await tx
      .select({ email: users.email, emailVerifiedAt: users.emailVerifiedAt })
      .from(users)
      .where(eq(users.id, userId));
    // Without the link's token, only a verified address proves the invitation is this user's.
    if (byId && (!user || user.email !== invitation.email || !user.emailVerifiedAt))
      throw new NotFound(INVITATION_NOT_FOUND);
    if (!user || user.email !== invitation.email) {
      throw new Forbidden(
        `This invitation was sent to ${invitation.email}. Sign in with that address to accept it.`,
      );
    }
    const [membership] = await tx
      .select({ id: organizationMembers.id, role: organizationMembers.role })
      .from(organizationMembers)
      .where(
        and(eq(organizationMembers.organizationId, organization.id), eq(organizationMembers.userId, userId)),
      );
    if (invitation.status === 'ACCEPTED') {
      if (membership) return { organization, alreadyAccepted: true };
      throw new Conflict(
        'This invitation has already been used. Ask an admin of the organization for a new one.',
      );
    }
    refuseClosed(invitation.status, invitation.expiresAt);
    if (!membership) {
      // The invitation is one of the pending seats already: the total must still fit (plan may have changed).
      // The accepted invitation is one of the pending seats already: it only changes kind.
      await assertSeats(tx, organization, 0);
      const [created] = await tx
        .insert(organizationMembers)
        .values({ organizationId: organization.id, userId, role: invitation.role })
        .returning({ id: organizationMembers.id });
      if (invitation.teamId) {
        await tx.insert(teamMembers).values({ teamId: invitation.teamId, userId }).onConflictDoNothing();
      }
      await recordAudit(tx, actor, {
        organizationId: organization.id,
        action: 'member.joined',
        entityType: 'organization_member',
        entityId: created?.id ?? null,
        newValues: { userId, role: invitation.role, invitationId: invitation.id },
      });
    }
    await tx.update(invitations).set({ status: 'ACCEPTED' }).where(eq(invitations.id, invitation.id));
    await recordAudit(tx, actor, {
      organizationId: organization.id,
      action: 'invitation.accepted',
      entityType: 'invitation',
      entityId: invitation.id,
      oldValues: { status: invitation.status },
      newValues: { status: 'ACCEPTED' },
    });
    return { organization, alreadyAccepted: false };
  });
}

/** Declining needs only the link (the token is the secret): the invitee may have no account. */
export async function declineInvitation(db: Database, actor: Actor, input: z.infer<typeof tokenInput>) {
  const { token } = tokenInput.parse(input);
  return declineMatching(db, actor, eq(invitations.tokenHash, sha256Hex(token)), null);
}

/** Declines from the invitee's own list (/orgs): only an invitation to the user's verified email. */
export async function declineInvitationById(
  db: Database,
  actor: Actor,
  input: z.infer<typeof invitationIdInput>,
) {
  const { invitationId } = invitationIdInput.parse(input);
  if (!actor.userId) throw new Forbidden('Sign in to decline the invitation.');
  return declineMatching(db, actor, eq(invitations.id, invitationId), actor.userId);
}

async function declineMatching(db: Database, actor: Actor, match: SQL, inviteeId: string | null) {
  return db.transaction(async (tx) => {
    const [invitation] = await tx.select().from(invitations).where(match).for('update');
    if (!invitation) throw new NotFound(INVITATION_NOT_FOUND);
    if (inviteeId) {
      const [user] = await tx
        .select({ email: users.email, emailVerifiedAt: users.emailVerifiedAt })
        .from(users)
        .where(eq(users.id, inviteeId));
      if (!user?.emailVerifiedAt || user.email !== invitation.email) throw new NotFound(INVITATION_NOT_FOUND);
    }
    if (invitation.status === 'DECLINED') return invitation;
    if (invitation.status === 'ACCEPTED') throw new Conflict('This invitation has already been accepted.');
    refuseClosed(invitation.status, invitation.expiresAt);
    await tx.update(invitations).set({ status: 'DECLINED' }).where(eq(invitations.id, invitation.id));
    await recordAudit(tx, actor, {
      organizationId: invitation.organizationId,
      action: 'invitation.declined',
      entityType: 'invitation',
      entityId: invitation.id,
      oldValues: { status: invitation.status },
      newValues: { status: 'DECLINED' },
    });
    return invitation;
  });
}

/**
 * The pending, unexpired invitations to the user's email, only once that email is verified (an
 * unverified address proves nothing): what /orgs offers to accept or decline.
 */
export async function listPendingInvitationsForUser(db: Database, userId: string) {
  return db
    .select({
      id: invitations.id,
      role: invitations.role,
      expiresAt: invitations.expiresAt,
      organizationName: organizations.name,
      inviterName: users.name,
    })
    .from(invitations)
    .innerJoin(organizations, eq(organizations.id, invitations.organizationId))
    .leftJoin(users, eq(users.id, invitations.inviterId))
    .where(
      and(
        eq(invitations.status, 'PENDING'),
        gt(invitations.expiresAt, sql`now()`),
        eq(
          invitations.email,
          sql`(SELECT u.email FROM users u WHERE u.id = ${userId} AND u.email_verified_at IS NOT NULL AND u.deleted_at IS NULL)`,
        ),
      ),
    )
    .orderBy(invitations.createdAt, invitations.id);
}
