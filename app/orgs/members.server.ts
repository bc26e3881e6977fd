// Members and roles (SPEC §2): change a role, remove a member, leave, transfer ownership. An
// organization always keeps at least one OWNER, also under concurrency: every function here locks the
// organization row before it reads roles (SPEC §3 "Count-based rules lock their parent row").
import { and, asc, count, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { type Actor, recordAudit } from '~/audit/audit.server';
import { Conflict, NotFound } from '~/lib/errors';
import type { Database } from '~db/client.server';
import { organizationMembers, sessions, users } from '~db/schema';
import { assertCan, authorize } from './access.server';
import { roleSchema } from './schemas';

export const LAST_OWNER_MESSAGE =
  'An organization needs at least one owner. Make another member an owner first (or delete the organization).';

export { roleSchema };

export async function listMembers(db: Database, actor: Actor, organizationId: string) {
  await authorize(db, actor, organizationId, 'organization:view');
  return db
    .select({
      id: organizationMembers.id,
      userId: users.id,
      name: users.name,
      email: users.email,
      role: organizationMembers.role,
      joinedAt: organizationMembers.createdAt,
    })
    .from(organizationMembers)
    .innerJoin(users, eq(users.id, organizationMembers.userId))
    .where(eq(organizationMembers.organizationId, organizationId))
    .orderBy(asc(organizationMembers.createdAt), asc(organizationMembers.id));
}

/** A member of this organization by membership id; another organization's id is "not found". */
async function findMember(tx: Database, organizationId: string, memberId: string) {
  const [member] = await tx
    .select({
      id: organizationMembers.id,
      userId: organizationMembers.userId,
      role: organizationMembers.role,
      email: users.email,
    })
    .from(organizationMembers)
    .innerJoin(users, eq(users.id, organizationMembers.userId))
    .where(and(eq(organizationMembers.id, memberId), eq(organizationMembers.organizationId, organizationId)));
  if (!member) throw new NotFound('Member not found');
  return member;
}

async function ownerCount(tx: Database, organizationId: string): Promise<number> {
  const [row] = await tx
    .select({ n: count() })
    .from(organizationMembers)
    .where(
      and(eq(organizationMembers.organizationId, organizationId), eq(organizationMembers.role, 'OWNER')),
    );
  return row?.n ?? 0;
}

export const changeRoleInput = z.object({
  organizationId: z.string().min(1),
  memberId: z.string().min(1),
  role: roleSchema,
});

export async function changeRole(db: Database, actor: Actor, input: z.infer<typeof changeRoleInput>) {
  const { organizationId, memberId, role } = changeRoleInput.parse(input);
  return db.transaction(async (tx) => {
    const me = await authorize(tx, actor, organizationId, 'members:change-role', { lock: true });
    const target = await findMember(tx, organizationId, memberId);
    if (target.role === role) return target;
    // Roles to or from OWNER are the owners' business (SPEC §2).
    if (target.role === 'OWNER' || role === 'OWNER') assertCan(me, 'owners:manage');
    if (target.role === 'OWNER' && (await ownerCount(tx, organizationId)) <= 1)
      throw new Conflict(LAST_OWNER_MESSAGE);
    await tx.update(organizationMembers).set({ role }).where(eq(organizationMembers.id, target.id));
    await recordAudit(tx, actor, {
      organizationId,
      action: 'member.role_changed',
      entityType: 'organization_member',
      entityId: target.id,
      oldValues: { role: target.role },
      newValues: { role },
      metadata: { userId: target.userId, email: target.email },
    });
    return { ...target, role };
  });
}

/**
 * Deletes the membership: the database trigger drops their team memberships in the organization; here
 * the API keys they created for it are deactivated and their sessions stop pointing at it (SPEC §2).
 */
async function dropMembership(tx: Database, organizationId: string, member: { id: string; userId: string }) {
  await tx.delete(organizationMembers).where(eq(organizationMembers.id, member.id));
  await tx.execute(
    sql`UPDATE api_keys SET is_active = false WHERE organization_id = ${organizationId} AND user_id = ${member.userId} AND is_active`,
  );
  await tx
    .update(sessions)
    .set({ activeOrganizationId: null })
    .where(and(eq(sessions.userId, member.userId), eq(sessions.activeOrganizationId, organizationId)));
}

export const removeMemberInput = z.object({ organizationId: z.string().min(1), memberId: z.string().min(1) });

export async function removeMember(db: Database, actor: Actor, input: z.infer<typeof removeMemberInput>) {
  const { organizationId, memberId } = removeMemberInput.parse(input);
  return db.transaction(async (tx) => {
    const me = await authorize(tx, actor, organizationId, 'members:remove', { lock: true });
    const target = await findMember(tx, organizationId, memberId);
    if (target.id === me.memberId) throw new Conflict('To remove yourself, leave the organization instead.');
    if (target.role === 'OWNER') {
      assertCan(me, 'owners:manage');
      if ((await ownerCount(tx, organizationId)) <= 1) throw new Conflict(LAST_OWNER_MESSAGE);
    }
    await dropMembership(tx, organizationId, target);
    await recordAudit(tx, actor, {
      organizationId,
      action: 'member.removed',
      entityType: 'organization_member',
      entityId: target.id,
      oldValues: { userId: target.userId, email: target.email, role: target.role },
    });
    return target;
  });
}

export async function leaveOrganization(db: Database, actor: Actor, input: { organizationId: string }) {
  const { organizationId } = z.object({ organizationId: z.string().min(1) }).parse(input);
  return db.transaction(async (tx) => {
    const me = await authorize(tx, actor, organizationId, 'organization:leave', { lock: true });
    if (me.role === 'OWNER' && (await ownerCount(tx, organizationId)) <= 1) {
      throw new Conflict(
        'You are the last owner: transfer ownership to another member or delete the organization before leaving.',
      );
    }
    await dropMembership(tx, organizationId, { id: me.memberId, userId: actor.userId! });
    await recordAudit(tx, actor, {
      organizationId,
      action: 'member.left',
      entityType: 'organization_member',
      entityId: me.memberId,
      oldValues: { userId: actor.userId, role: me.role },
    });
    return me.organization;
  });
}

export const transferOwnershipInput = z.object({
  organizationId: z.string().min(1),
  memberId: z.string().min(1),
});

/** The target becomes OWNER and the acting owner steps down to ADMIN, in one transaction. */
export async function transferOwnership(
  db: Database,
  actor: Actor,
  input: z.infer<typeof transferOwnershipInput>,
) {
  const { organizationId, memberId } = transferOwnershipInput.parse(input);
  return db.transaction(async (tx) => {
    const me = await authorize(tx, actor, organizationId, 'owners:manage', { lock: true });
    const target = await findMember(tx, organizationId, memberId);
    if (target.id === me.memberId) throw new Conflict('You already own this organization.');
    await tx.update(organizationMembers).set({ role: 'OWNER' }).where(eq(organizationMembers.id, target.id));
    await tx
      .update(organizationMembers)
      .set({ role: 'ADMIN' })
      .where(eq(organizationMembers.id, me.memberId));
    await recordAudit(tx, actor, {
      organizationId,
      action: 'organization.ownership_transferred',
      entityType: 'organization_member',
      entityId: target.id,
      oldValues: { ownerUserId: actor.userId, targetRole: target.role },
      newValues: { ownerUserId: target.userId, previousOwnerRole: 'ADMIN' },
    });
    return target;
  });
}
