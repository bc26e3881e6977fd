// Plan limits of an organization (SPEC §6 "Plans"): read from its subscription's plan row, the only
// source of a plan's limits. Callers hold the organization row lock (lockOrganization) while counting.
import { and, count, eq, gt, sql } from 'drizzle-orm';
import { PLAN_DEFINITIONS, type PlanLimits } from '~/billing/plans';
import { LimitReached } from '~/lib/errors';
import type { Database } from '~db/client.server';
import { invitations, organizationMembers, organizationModules, plans, subscriptions } from '~db/schema';

export interface OrganizationPlan {
  key: string;
  name: string;
  limits: PlanLimits;
}

export async function organizationPlan(tx: Database, organizationId: string): Promise<OrganizationPlan> {
  const [row] = await tx
    .select({ key: plans.key, name: plans.name, limits: plans.limits })
    .from(subscriptions)
    .innerJoin(plans, eq(plans.id, subscriptions.planId))
    .where(eq(subscriptions.organizationId, organizationId));
  if (row) return { key: row.key, name: row.name, limits: row.limits as PlanLimits };
  // An organization always has a subscription (created with it); fall back to the free plan's limits.
  const free = PLAN_DEFINITIONS.find((p) => p.key === 'free')!;
  return { key: free.key, name: free.name, limits: free.limits };
}

export function upgradePath(slug: string): string {
  return `/o/${slug}/billing`;
}

/** Members plus pending (unexpired) invitations: what limits.members counts (SPEC §6). */
export async function countSeats(
  tx: Database,
  organizationId: string,
): Promise<{ members: number; pending: number }> {
  const [m] = await tx
    .select({ n: count() })
    .from(organizationMembers)
    .where(eq(organizationMembers.organizationId, organizationId));
  const [i] = await tx
    .select({ n: count() })
    .from(invitations)
    .where(
      and(
        eq(invitations.organizationId, organizationId),
        eq(invitations.status, 'PENDING'),
        gt(invitations.expiresAt, sql`now()`),
      ),
    );
  return { members: m?.n ?? 0, pending: i?.n ?? 0 };
}

/** Refuses when `seats` would exceed the plan's members limit; the message names the limit and the upgrade. */
export async function assertSeats(
  tx: Database,
  organization: { id: string; slug: string },
  seats: number,
): Promise<void> {
  const plan = await organizationPlan(tx, organization.id);
  if (seats > plan.limits.members) {
    throw new LimitReached(
      `The ${plan.name} plan allows ${plan.limits.members} members (members plus pending invitations). Upgrade the plan to add more: ${upgradePath(organization.slug)}`,
    );
  }
}

export async function countEnabledModules(tx: Database, organizationId: string): Promise<number> {
  const [row] = await tx
    .select({ n: count() })
    .from(organizationModules)
    .where(
      and(eq(organizationModules.organizationId, organizationId), eq(organizationModules.isEnabled, true)),
    );
  return row?.n ?? 0;
}
