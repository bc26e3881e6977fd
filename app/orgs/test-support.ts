// Small factories for the organization tests: they go through the domain functions where one exists
// (createOrganization), and straight to the tables for what is only setup (users, extra members).
import { randomBytes } from 'node:crypto';
import { eq, type sql } from 'drizzle-orm';
import { type Actor, userActor } from '~/audit/audit.server';
import { createUserSession } from '~/auth/sessions.server';
import type { Database } from '~db/client.server';
import { organizationMembers, plans, subscriptions, users } from '~db/schema';
import { createOrganization } from './organizations.server';
import type { MemberRole } from './permissions';

export const uid = () => randomBytes(5).toString('hex');

export interface TestUser {
  id: string;
  email: string;
  actor: Actor & { userId: string };
}

export async function createUser(db: Database, email = `user-${uid()}@example.com`): Promise<TestUser> {
  const [user] = await db
    .insert(users)
    .values({ email, name: `User ${email.split('@')[0]}` })
    .returning();
  if (!user) throw new Error('no user');
  const request = new Request('http://test.local/', {
    headers: { 'user-agent': 'vitest', 'x-forwarded-for': '203.0.113.7' },
  });
  return { id: user.id, email: user.email, actor: { ...userActor(user.id, request), userId: user.id } };
}

export async function createOrg(db: Database, owner?: TestUser) {
  const o = owner ?? (await createUser(db));
  const slug = `org-${uid()}`;
  const organization = await createOrganization(db, o.actor, { name: `Organization ${slug}`, slug });
  return { organization, owner: o };
}

export async function addMember(db: Database, organizationId: string, role: MemberRole, user?: TestUser) {
  const u = user ?? (await createUser(db));
  const [m] = await db.insert(organizationMembers).values({ organizationId, userId: u.id, role }).returning();
  return { ...u, memberId: m!.id, role };
}

export async function roleOf(db: Database, memberId: string): Promise<MemberRole | undefined> {
  const [m] = await db
    .select({ role: organizationMembers.role })
    .from(organizationMembers)
    .where(eq(organizationMembers.id, memberId));
  return m?.role;
}

/** Puts the organization on a custom plan with these limits (e.g. members: 2). */
export async function setLimits(
  db: Database,
  organizationId: string,
  limits: { members?: number | null; modules?: number | null; api_calls_per_month?: number | null },
) {
  const [plan] = await db
    .insert(plans)
    .values({
      key: `custom-${uid()}`,
      name: 'Tiny',
      tier: 'CUSTOM',
      billingInterval: 'MONTHLY',
      price: 100,
      limits: {
        modules: limits.modules === undefined ? 2 : limits.modules,
        members: limits.members === undefined ? 10 : limits.members,
        storage_gb: 1,
        api_calls_per_month: limits.api_calls_per_month === undefined ? 1000 : limits.api_calls_per_month,
      },
    })
    .returning();
  await db
    .update(subscriptions)
    .set({ planId: plan!.id })
    .where(eq(subscriptions.organizationId, organizationId));
}

/** A session cookie for the user, as the browser would send it. */
export async function cookieFor(db: Database, userId: string): Promise<string> {
  const setCookie = await createUserSession(db, userId, new Request('http://test.local/'));
  return setCookie.split(';')[0]!;
}

export async function countRows(db: Database, query: ReturnType<typeof sql>): Promise<number> {
  const result = (await db.execute(query)) as unknown;
  const rows = Array.isArray(result) ? result : ((result as { rows: unknown[] }).rows ?? []);
  return Number((rows[0] as { n: number | string } | undefined)?.n ?? 0);
}
