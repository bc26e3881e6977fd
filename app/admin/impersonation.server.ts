// Impersonation (issue 14): a platform ADMIN views the product as a customer, read-only. The staff member's
// own session carries sessions.impersonated_user_id; getAuth hands every page the target user instead
// (applyImpersonation below is its only hook), the root layout shows a banner with "End impersonation",
// and every request that is not a read is refused while it lasts. Starting and ending are audited with
// both identities: the row's actor (user_id) is the staff member, its entity the target user.
import { and, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { type Actor, recordAudit } from '~/audit/audit.server';
import { secondFactorExists } from '~/auth/second-factor-sql.server';
import type { AuthContext, PathMembership } from '~/auth/sessions.server';
import { Conflict, Forbidden, NotFound, ValidationFailed } from '~/lib/errors';
import type { MemberRole } from '~/orgs/permissions';
import type { Database } from '~db/client.server';
import {
  billingAccounts,
  organizationMembers,
  organizations,
  sessions,
  subscriptions,
  users,
} from '~db/schema';

export interface Impersonation {
  staff: { id: string; email: string; name: string | null };
  target: { id: string; email: string; name: string | null };
}

/** The only writes allowed while impersonating: ending it, and signing out. */
const ALLOWED_WRITES = /^\/(admin\/impersonation|logout)(\.data)?\/?$/;
export const READ_ONLY_MESSAGE =
  'You are viewing the product as another user, read-only: nothing can be changed. End impersonation to act as yourself again.';

const contexts = new WeakMap<AuthContext, Impersonation>();

/** The impersonation behind a request's auth context, if any (the banner, the end action). */
export function impersonationOf(auth: AuthContext | null | undefined): Impersonation | null {
  return (auth && contexts.get(auth)) ?? null;
}

/**
 * getAuth's hook: for an ADMIN's session that impersonates someone, the same session with the target as
 * its user. A non-read request is refused (403) unless it ends the impersonation or signs out.
 */
export async function applyImpersonation(
  request: Request,
  db: Database,
  auth: AuthContext | null,
): Promise<AuthContext | null> {
  // Only an ADMIN's session can carry an impersonation: nobody else pays for the extra lookup.
  if (auth?.user.role !== 'ADMIN') return auth;
  const [row] = await db
    .select({ targetId: sessions.impersonatedUserId })
    .from(sessions)
    .where(eq(sessions.id, auth.session.id));
  if (!row?.targetId) return auth;
  const [found] = await db
    .select({ user: users, hasSecondFactor: secondFactorExists(users.id) })
    .from(users)
    .where(and(eq(users.id, row.targetId), isNull(users.deletedAt)));
  const target = found?.user;
  // A target suspended or turned staff since: the impersonation ends by itself.
  if (target?.status !== 'ACTIVE' || target.role !== 'CUSTOMER') {
    await db.update(sessions).set({ impersonatedUserId: null }).where(eq(sessions.id, auth.session.id));
    return auth;
  }
  const method = request.method.toUpperCase();
  if (method !== 'GET' && method !== 'HEAD' && !ALLOWED_WRITES.test(new URL(request.url).pathname))
    throw new Response(READ_ONLY_MESSAGE, { status: 403, statusText: 'Forbidden' });
  const { id, ...attributes } = target;
  const impersonated: AuthContext = {
    ...auth,
    user: { ...auth.user, ...attributes, id, hasSecondFactor: found?.hasSecondFactor ?? false },
    pathMembership: auth.pathMembership ? await membershipOf(db, id, auth.pathMembership.slug) : null,
  };
  contexts.set(impersonated, {
    staff: { id: auth.user.id, email: auth.user.email, name: auth.user.name },
    target: { id, email: target.email, name: target.name },
  });
  return impersonated;
}

async function membershipOf(db: Database, userId: string, slug: string): Promise<PathMembership> {
  const [m] = await db
    .select({
      id: organizations.id,
      name: organizations.name,
      slug: organizations.slug,
      memberId: organizationMembers.id,
      role: organizationMembers.role,
      subscriptionStatus: subscriptions.status,
      billingStatus: billingAccounts.status,
      requireTwoFactor: organizations.requireTwoFactor,
    })
    .from(organizationMembers)
    .innerJoin(organizations, eq(organizations.id, organizationMembers.organizationId))
    .leftJoin(subscriptions, eq(subscriptions.organizationId, organizations.id))
    .leftJoin(billingAccounts, eq(billingAccounts.organizationId, organizations.id))
    .where(and(eq(organizationMembers.userId, userId), eq(organizations.slug, slug)));
  return {
    slug,
    member: m
      ? {
          organization: { id: m.id, name: m.name, slug: m.slug },
          role: m.role as MemberRole,
          memberId: m.memberId,
          subscriptionStatus: m.subscriptionStatus ?? null,
          billingStatus: m.billingStatus ?? null,
          requireTwoFactor: m.requireTwoFactor,
        }
      : null,
  };
}

export const startImpersonationInput = z.object({
  sessionId: z.string().min(1),
  targetUserId: z.string({ required_error: 'Choose a user' }).min(1, 'Choose a user').max(100),
});

/** ADMIN only, never another staff member, never a suspended or deleted account. */
export async function startImpersonation(
  db: Database,
  actor: Actor & { userId: string },
  input: z.input<typeof startImpersonationInput>,
) {
  const { sessionId, targetUserId } = startImpersonationInput.parse(input);
  return db.transaction(async (tx) => {
    const [staff] = await tx
      .select({ role: users.role, email: users.email })
      .from(users)
      .where(eq(users.id, actor.userId));
    if (staff?.role !== 'ADMIN') throw new Forbidden('Only a platform administrator can impersonate a user.');
    const [target] = await tx
      .select({ id: users.id, email: users.email, role: users.role, status: users.status })
      .from(users)
      .where(and(eq(users.id, targetUserId), isNull(users.deletedAt)));
    if (!target) throw new NotFound('User not found');
    if (target.id === actor.userId) throw new ValidationFailed('You cannot impersonate yourself.');
    if (target.role !== 'CUSTOMER')
      throw new Forbidden('Platform staff cannot be impersonated: ask them to show you instead.');
    if (target.status !== 'ACTIVE')
      throw new Conflict('This account is not active (suspended or inactive), so it cannot be viewed as.');
    const [updated] = await tx
      .update(sessions)
      .set({ impersonatedUserId: target.id })
      .where(and(eq(sessions.id, sessionId), eq(sessions.userId, actor.userId)))
      .returning({ id: sessions.id });
    if (!updated) throw new NotFound('Your session was not found; sign in again.');
    await recordAudit(tx, actor, {
      action: 'user.impersonation_started',
      entityType: 'user',
      entityId: target.id,
      metadata: {
        staffUserId: actor.userId,
        staffEmail: staff.email,
        targetUserId: target.id,
        targetEmail: target.email,
      },
    });
    return target;
  });
}

/** Ends the session's impersonation (audited); nothing to end is not an error. */
export async function endImpersonation(db: Database, actor: Actor & { userId: string }, sessionId: string) {
  return db.transaction(async (tx) => {
    const [before] = await tx
      .select({ targetId: sessions.impersonatedUserId, email: users.email })
      .from(sessions)
      .leftJoin(users, eq(users.id, sessions.impersonatedUserId))
      .where(and(eq(sessions.id, sessionId), eq(sessions.userId, actor.userId)))
      .for('update', { of: sessions });
    if (!before?.targetId) return null;
    await tx.update(sessions).set({ impersonatedUserId: sql`NULL` }).where(eq(sessions.id, sessionId));
    await recordAudit(tx, actor, {
      action: 'user.impersonation_ended',
      entityType: 'user',
      entityId: before.targetId,
      metadata: { staffUserId: actor.userId, targetUserId: before.targetId, targetEmail: before.email },
    });
    return before.targetId;
  });
}
