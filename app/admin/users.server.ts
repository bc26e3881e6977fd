// Staff pages on users (issue 14 §2): search by email or name, one user's detail, suspend and restore.
// Suspending ends every way in at once (ASVS 7.4.2): the user's browser sessions and refresh tokens are
// deleted/revoked and every access JWT issued so far is refused (revokeAllAccess); API keys the user
// created stop working because authenticateApiKey refuses a creator whose status is not ACTIVE, and sign-in
// refuses a SUSPENDED account. Restoring gives none of it back but the keys: the user signs in again.
import { and, asc, count, desc, eq, gt, ilike, isNull, ne, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import { type Actor, recordAudit } from '~/audit/audit.server';
import { revokeAllAccess } from '~/auth/revocation.server';
import { describeUserAgent } from '~/auth/user-agent';
import { Conflict, Forbidden, NotFound, ValidationFailed } from '~/lib/errors';
import type { Database } from '~db/client.server';
import { apiKeys, organizationMembers, organizations, sessions, users } from '~db/schema';
import { staffCan } from './permissions';

export const USER_PAGE_SIZE = 25;
const blank = (v: unknown) => (v === '' || v === null ? undefined : v);

export const userSearchSchema = z.object({
  q: z.preprocess(blank, z.string().trim().max(200).optional()),
  page: z.preprocess(blank, z.coerce.number().int().min(1).max(10_000).default(1)),
});

/** `%` and `_` typed into the search box are letters, not wildcards. */
export const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export async function searchUsers(db: Database, input: z.input<typeof userSearchSchema>) {
  const { q, page } = userSearchSchema.parse(input);
  const where = and(
    isNull(users.deletedAt),
    q ? or(ilike(users.email, likePattern(q)), ilike(users.name, likePattern(q))) : undefined,
  );
  const [rows, [total]] = await Promise.all([
    db
      .select({
        id: users.id,
        email: users.email,
        name: users.name,
        role: users.role,
        status: users.status,
        createdAt: users.createdAt,
        lastLoginAt: users.lastLoginAt,
      })
      .from(users)
      .where(where)
      .orderBy(desc(users.createdAt), desc(users.id))
      .limit(USER_PAGE_SIZE)
      .offset((page - 1) * USER_PAGE_SIZE),
    db.select({ n: count() }).from(users).where(where),
  ]);
  const n = Number(total?.n ?? 0);
  return { users: rows, page, pages: Math.max(1, Math.ceil(n / USER_PAGE_SIZE)), total: n, q: q ?? '' };
}

/** One user: profile, organizations, active sessions, API keys they created. */
export async function getUserDetail(db: Database, userId: string) {
  const [user] = await db
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      role: users.role,
      status: users.status,
      emailVerifiedAt: users.emailVerifiedAt,
      createdAt: users.createdAt,
      lastLoginAt: users.lastLoginAt,
      deletedAt: users.deletedAt,
    })
    .from(users)
    .where(eq(users.id, userId));
  if (!user) throw new NotFound('User not found');
  const [memberships, activeSessions, keys] = await Promise.all([
    db
      .select({
        organizationId: organizations.id,
        name: organizations.name,
        slug: organizations.slug,
        role: organizationMembers.role,
        joinedAt: organizationMembers.createdAt,
      })
      .from(organizationMembers)
      .innerJoin(organizations, eq(organizations.id, organizationMembers.organizationId))
      .where(eq(organizationMembers.userId, userId))
      .orderBy(asc(organizations.name)),
    db
      .select({
        id: sessions.id,
        userAgent: sessions.userAgent,
        ipAddress: sessions.ipAddress,
        lastUsedAt: sessions.lastUsedAt,
        createdAt: sessions.createdAt,
      })
      .from(sessions)
      .where(and(eq(sessions.userId, userId), gt(sessions.expiresAt, new Date())))
      .orderBy(desc(sessions.lastUsedAt)),
    db
      .select({
        id: apiKeys.id,
        name: apiKeys.name,
        prefix: apiKeys.keyPrefix,
        isActive: apiKeys.isActive,
        organizationName: organizations.name,
      })
      .from(apiKeys)
      .innerJoin(organizations, eq(organizations.id, apiKeys.organizationId))
      .where(eq(apiKeys.userId, userId))
      .orderBy(desc(apiKeys.createdAt)),
  ]);
  return {
    user,
    memberships,
    // Session ids are hashes of cookies: never shown, even to staff.
    sessions: activeSessions.map((s) => ({
      key: s.id.slice(0, 12),
      device: describeUserAgent(s.userAgent),
      ipAddress: s.ipAddress,
      lastUsedAt: s.lastUsedAt,
      createdAt: s.createdAt,
    })),
    apiKeys: keys,
  };
}

export const suspendInput = z.object({
  userId: z.string().min(1).max(100),
  reason: z.preprocess(blank, z.string().trim().max(500).optional()),
});

async function staffRoleOf(tx: Database, actor: Actor) {
  const [row] = await tx
    .select({ role: users.role })
    .from(users)
    .where(and(eq(users.id, actor.userId ?? ''), eq(users.status, 'ACTIVE'), isNull(users.deletedAt)));
  const role = row?.role;
  if (role !== 'ADMIN' && role !== 'SUPPORT') throw new Forbidden('Only platform staff can do this.');
  return role;
}

/**
 * SUSPENDED, and every session, refresh token and access token ends in the same transaction. Refused for
 * yourself, and for the last active ADMIN (the ADMIN rows are locked, so two admins suspending each other
 * at once cannot both succeed).
 */
export async function suspendUser(
  db: Database,
  actor: Actor & { userId: string },
  input: z.input<typeof suspendInput>,
) {
  const { userId, reason } = suspendInput.parse(input);
  return db.transaction(async (tx) => {
    const role = await staffRoleOf(tx, actor);
    if (!staffCan(role, 'users:suspend'))
      throw new Forbidden('Support staff cannot suspend users; ask a platform administrator.');
    if (userId === actor.userId)
      throw new ValidationFailed('You cannot suspend yourself: ask another administrator.');
    // Lock every active ADMIN first (a fixed order), then read the target.
    const admins = await tx
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.role, 'ADMIN'), eq(users.status, 'ACTIVE'), isNull(users.deletedAt)))
      .orderBy(asc(users.id))
      .for('update');
    const [target] = await tx
      .select({ id: users.id, email: users.email, role: users.role, status: users.status })
      .from(users)
      .where(and(eq(users.id, userId), isNull(users.deletedAt)))
      .for('update');
    if (!target) throw new NotFound('User not found');
    if (target.status === 'SUSPENDED') throw new Conflict('This user is already suspended.');
    if (target.role === 'ADMIN' && admins.filter((a) => a.id !== target.id).length === 0)
      throw new Conflict('This is the last active platform administrator: make someone else ADMIN first.');
    await tx.update(users).set({ status: 'SUSPENDED' }).where(eq(users.id, target.id));
    const revoked = await revokeAllAccess(tx, target.id);
    await recordAudit(tx, actor, {
      action: 'user.suspended',
      entityType: 'user',
      entityId: target.id,
      oldValues: { status: target.status },
      newValues: { status: 'SUSPENDED' },
      metadata: { email: target.email, reason: reason ?? null, ...revoked },
    });
    return { ...target, status: 'SUSPENDED' as const, ...revoked };
  });
}

export const restoreInput = z.object({ userId: z.string().min(1).max(100) });

/** SUSPENDED → ACTIVE, audited. The user signs in again (nothing that was revoked comes back). */
export async function restoreUser(
  db: Database,
  actor: Actor & { userId: string },
  input: z.input<typeof restoreInput>,
) {
  const { userId } = restoreInput.parse(input);
  return db.transaction(async (tx) => {
    const role = await staffRoleOf(tx, actor);
    if (!staffCan(role, 'users:suspend'))
      throw new Forbidden('Support staff cannot restore users; ask a platform administrator.');
    const [target] = await tx
      .update(users)
      .set({ status: 'ACTIVE' })
      .where(and(eq(users.id, userId), isNull(users.deletedAt), eq(users.status, 'SUSPENDED')))
      .returning({ id: users.id, email: users.email });
    if (!target) {
      const [exists] = await tx
        .select({ id: users.id })
        .from(users)
        .where(and(eq(users.id, userId), isNull(users.deletedAt)));
      if (!exists) throw new NotFound('User not found');
      throw new Conflict('This user is not suspended.');
    }
    await recordAudit(tx, actor, {
      action: 'user.restored',
      entityType: 'user',
      entityId: target.id,
      oldValues: { status: 'SUSPENDED' },
      newValues: { status: 'ACTIVE' },
      metadata: { email: target.email },
    });
    return target;
  });
}

/** Staff members, for the ticket assignee lists. */
export async function listStaff(db: Database) {
  return db
    .select({ id: users.id, name: users.name, email: users.email, role: users.role })
    .from(users)
    .where(
      and(
        sql`${users.role} IN ('ADMIN', 'SUPPORT')`,
        eq(users.status, 'ACTIVE'),
        isNull(users.deletedAt),
        ne(users.email, ''),
      ),
    )
    .orderBy(asc(users.email));
}
