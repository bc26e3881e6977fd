// Members and roles (SPEC §2): change a role, remove a member, leave, transfer ownership. An
// organization always keeps at least one OWNER, also under concurrency: every function here locks the
// organization row before it reads roles (SPEC §3 "Count-based rules lock their parent row").
import { and, asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { type Actor, recordAudit } from '~/audit/audit.server';
import { Conflict, NotFound } from '~/lib/errors';
import type { Database } from '~db/client.server';
import { apiKeys, organizationMembers, sessions, users } from '~db/schema';
import { assertCan, authorize } from './access.server';
import { assertNotSoleOwner, LAST_OWNER_MESSAGE } from './owners.server';
import { can } from './permissions';
import { roleSchema } from './schemas';

export { LAST_OWNER_MESSAGE, roleSchema };

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
    if (target.role === 'OWNER') await assertNotSoleOwner(tx, organizationId, target.userId);
    await tx.update(organizationMembers).set({ role }).where(eq(organizationMembers.id, target.id));
    // A key acts as its creator (SPEC §2): a role that may not manage keys may not keep any.
    if (!can(role, 'api-keys:manage')) {
      await deactivateMemberApiKeys(tx, actor, organizationId, target.userId, 'role_changed');
    }
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
async function dropMembership(
  tx: Database,
  actor: Actor,
  organizationId: string,
  member: { id: string; userId: string },
  reason: 'member_removed' | 'member_left',
) {
  await tx.delete(organizationMembers).where(eq(organizationMembers.id, member.id));
  await deactivateMemberApiKeys(tx, actor, organizationId, member.userId, reason);
  await tx
    .update(sessions)
    .set({ activeOrganizationId: null })
    .where(and(eq(sessions.userId, member.userId), eq(sessions.activeOrganizationId, organizationId)));
}

/**
 * Deactivates the active API keys `userId` created for the organization, one audit row per key: the same
 * whether they were removed, left, or were given a role that may not manage keys.
 */
async function deactivateMemberApiKeys(
  tx: Database,
  actor: Actor,
  organizationId: string,
  userId: string,
  reason: 'member_removed' | 'member_left' | 'role_changed',
) {
  const keys = await tx
    .update(apiKeys)
    .set({ isActive: false })
    .where(
      and(eq(apiKeys.organizationId, organizationId), eq(apiKeys.userId, userId), eq(apiKeys.isActive, true)),
    )
    .returning({ id: apiKeys.id, name: apiKeys.name, keyPrefix: apiKeys.keyPrefix });
  for (const key of keys) {
    await recordAudit(tx, actor, {
      organizationId,
      action: 'api_key.deactivated',
      entityType: 'api_key',
      entityId: key.id,
      oldValues: { isActive: true },
      newValues: { isActive: false },
      metadata: { name: key.name, prefix: key.keyPrefix, creatorUserId: userId, reason },
    });
  }
  return keys.length;
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
      await assertNotSoleOwner(tx, organizationId, target.userId);
    }
    await dropMembership(tx, actor, organizationId, target, 'member_removed');
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
    if (me.role === 'OWNER') await assertNotSoleOwner(tx, organizationId, actor.userId!);
    await dropMembership(
      tx,
      actor,
      organizationId,
      { id: me.memberId, userId: actor.userId! },
      'member_left',
    );
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
