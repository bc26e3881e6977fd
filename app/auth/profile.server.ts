// The signed-in user's own account: profile, connected sign-in methods, and account deletion (SPEC §6).
import { and, eq, isNull } from 'drizzle-orm';
import type { z } from 'zod';
import { type Actor, recordAudit } from '~/audit/audit.server';
import { Conflict, NotFound, ValidationFailed } from '~/lib/errors';
import { soleOwnerships } from '~/orgs/owners.server';
import type { Database } from '~db/client.server';
import {
  accounts,
  apiKeys,
  organizationMembers,
  organizations,
  participants,
  refreshTokens,
  rooms,
  sessions,
  teamMembers,
  users,
  verifications,
} from '~db/schema';
import { deleteAccountSchema, profileSchema } from './validation';

type UserActor = Actor & { userId: string };

export type ProfileInput = z.input<typeof profileSchema>;

export async function updateProfile(db: Database, actor: UserActor, input: ProfileInput) {
  const value = profileSchema.parse(input);
  return db.transaction(async (tx) => {
    const [before] = await tx
      .select({ name: users.name, image: users.image, timezone: users.timezone, language: users.language })
      .from(users)
      .where(and(eq(users.id, actor.userId), isNull(users.deletedAt)))
      .for('update');
    if (!before) throw new NotFound('User not found');
    const next = {
      name: value.name,
      image: value.image ?? null,
      timezone: value.timezone,
      language: value.language,
    };
    await tx.update(users).set(next).where(eq(users.id, actor.userId));
    await recordAudit(tx, actor, {
      action: 'user.profile_updated',
      entityType: 'user',
      entityId: actor.userId,
      oldValues: before,
      newValues: next,
    });
    return next;
  });
}

export const OAUTH_PROVIDERS = ['github', 'google'] as const;
export type OAuthProviderId = (typeof OAUTH_PROVIDERS)[number];

export interface SignInMethods {
  hasPassword: boolean;
  providers: { providerId: OAuthProviderId; connectedAt: Date }[];
}

export async function listSignInMethods(db: Database, userId: string): Promise<SignInMethods> {
  const rows = await db
    .select()
    .from(accounts)
    .where(eq(accounts.userId, userId))
    .orderBy(accounts.createdAt);
  return {
    hasPassword: rows.some((r) => r.providerId === 'credential' && r.password),
    providers: rows
      .filter((r): r is typeof r & { providerId: OAuthProviderId } => r.providerId !== 'credential')
      .map((r) => ({ providerId: r.providerId, connectedAt: r.createdAt })),
  };
}

/** Disconnects an OAuth provider, only while another way to sign in remains (a password or another provider). */
export async function unlinkAccount(db: Database, actor: UserActor, providerId: OAuthProviderId) {
  return db.transaction(async (tx) => {
    // Lock the user row: two concurrent unlinks cannot each see the other's account as the one that remains.
    await tx.select({ id: users.id }).from(users).where(eq(users.id, actor.userId)).for('update');
    const rows = await tx.select().from(accounts).where(eq(accounts.userId, actor.userId));
    const target = rows.find((r) => r.providerId === providerId);
    if (!target) throw new NotFound('That account is not connected.');
    const remaining = rows.filter((r) => r.id !== target.id && (r.providerId !== 'credential' || r.password));
    if (remaining.length === 0) {
      throw new Conflict(
        `You sign in only with ${providerLabel(providerId)}. Set a password or connect another account first, so you can still sign in.`,
      );
    }
    await tx.delete(accounts).where(eq(accounts.id, target.id));
    await recordAudit(tx, actor, {
      action: 'account.unlinked',
      entityType: 'account',
      entityId: target.id,
      metadata: { providerId },
    });
  });
}

export function providerLabel(providerId: string): string {
  return providerId === 'github' ? 'GitHub' : providerId === 'google' ? 'Google' : providerId;
}

export const deletedEmail = (userId: string) => `deleted-${userId}@deleted.invalid`;

/**
 * SPEC §6 "Users are never hard-deleted": one transaction that refuses while the user is the only OWNER
 * of an organization, then anonymises the row and removes everything that lets anyone act as them.
 */
export async function deleteAccount(
  db: Database,
  actor: UserActor,
  input: z.input<typeof deleteAccountSchema>,
) {
  const { confirm } = deleteAccountSchema.parse(input);
  return db.transaction(async (tx) => {
    const [user] = await tx
      .select()
      .from(users)
      .where(and(eq(users.id, actor.userId), isNull(users.deletedAt)))
      .for('update');
    if (!user) throw new NotFound('User not found');
    if (confirm !== user.email) {
      throw new ValidationFailed('Type your email address exactly to confirm.', {
        confirm: [`Type ${user.email} to confirm`],
      });
    }

    // Lock the organizations they own (SPEC §3: count rules lock the parent), then find where they are the only OWNER.
    const owned = await tx
      .select({ id: organizations.id, name: organizations.name, slug: organizations.slug })
      .from(organizations)
      .innerJoin(organizationMembers, eq(organizationMembers.organizationId, organizations.id))
      .where(and(eq(organizationMembers.userId, user.id), eq(organizationMembers.role, 'OWNER')))
      .orderBy(organizations.name)
      .for('update', { of: organizations });
    const soleOwnerOf = await soleOwnerships(
      tx,
      user.id,
      owned.map((o) => o.id),
    );
    if (soleOwnerOf.length > 0) {
      const names = soleOwnerOf.map((o) => o.name).join(', ');
      throw new Conflict(
        `You are the only owner of ${names}. Transfer ownership to another member or delete ${soleOwnerOf.length > 1 ? 'those organizations' : 'that organization'} first, then delete your account.`,
      );
    }

    const memberships = await tx
      .select({ organizationId: organizationMembers.organizationId })
      .from(organizationMembers)
      .where(eq(organizationMembers.userId, user.id));
    const now = new Date();
    await tx.delete(accounts).where(eq(accounts.userId, user.id));
    await tx.delete(sessions).where(eq(sessions.userId, user.id));
    await tx.delete(refreshTokens).where(eq(refreshTokens.userId, user.id));
    await tx.delete(verifications).where(eq(verifications.identifier, user.email));
    await tx.delete(teamMembers).where(eq(teamMembers.userId, user.id));
    await tx.delete(organizationMembers).where(eq(organizationMembers.userId, user.id));
    const keys = await tx
      .update(apiKeys)
      .set({ isActive: false })
      .where(and(eq(apiKeys.userId, user.id), eq(apiKeys.isActive, true)))
      .returning({ id: apiKeys.id });
    const organizedRooms = await tx
      .update(rooms)
      .set({ deletedAt: now })
      .where(and(eq(rooms.createdBy, user.id), isNull(rooms.deletedAt)))
      .returning({ id: rooms.id });
    // They leave every room they joined, so they are no longer drawn as winners (seed 001 soft deletes).
    const roomsLeft = await tx
      .update(participants)
      .set({ deletedAt: now })
      .where(and(eq(participants.userId, user.id), isNull(participants.deletedAt)))
      .returning({ id: participants.id });
    await tx
      .update(users)
      .set({
        deletedAt: now,
        status: 'INACTIVE',
        email: deletedEmail(user.id),
        name: null,
        image: null,
        firstName: null,
        lastName: null,
        phone: null,
        billingAddress: null,
        taxId: null,
        emailVerifiedAt: null,
      })
      .where(eq(users.id, user.id));
    await recordAudit(tx, actor, {
      action: 'user.deleted',
      entityType: 'user',
      entityId: user.id,
      metadata: {
        organizationsLeft: memberships.map((m) => m.organizationId),
        apiKeysDeactivated: keys.length,
        roomsDeleted: organizedRooms.length,
        roomsLeft: roomsLeft.length,
      },
    });
    return {
      apiKeysDeactivated: keys.length,
      roomsDeleted: organizedRooms.length,
      organizationsLeft: memberships.length,
    };
  });
}

/** Organizations where the user is the only OWNER (shown on the deletion page before they try). */
export { soleOwnerships };
