// Plan limits of an organization (SPEC §6 "Plans"): read from its subscription's plan row, the only
// source of a plan's limits. Callers hold the organization row lock (lockOrganization) while counting.
import { and, count, eq, gt, sql } from 'drizzle-orm';
import { type PlanLimits, withinLimit } from '~/billing/plans';
import { Conflict, LimitReached } from '~/lib/errors';
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
  // Every organization gets a subscription when it is created (SPEC §6); the plans table is the only
  // source of a plan, so there is nothing in code to fall back to.
  if (!row) throw new Conflict('This organization has no subscription. Contact support.');
  return { key: row.key, name: row.name, limits: row.limits as PlanLimits };
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

/**
 * The members limit (SPEC §6), the one check and message for every path: invite and accept (`remedy:
 * 'upgrade'`), and a plan change that would leave too many (`remedy: 'reduce'`). `seats` is members plus
 * pending invitations after the change.
 */
export function assertMembersFit(
  plan: { name: string; limits: PlanLimits },
  seats: { members: number; pending: number; total: number },
  remedy: { upgrade: string } | 'reduce',
): void {
  const limit = plan.limits.members;
  if (withinLimit(seats.total, limit)) return;
  const counted = `${seats.members} member${seats.members === 1 ? '' : 's'}, ${seats.pending} pending invitation${seats.pending === 1 ? '' : 's'}`;
  const next =
    remedy === 'reduce'
      ? 'Remove members or cancel invitations first.'
      : `Upgrade the plan to add more: ${remedy.upgrade}`;
  throw new LimitReached(
    `The ${plan.name} plan allows ${limit} members (members plus pending invitations); this organization has ${counted}. ${next}`,
  );
}

/** Refuses when adding `adding` seats would exceed the organization's plan's members limit. */
export async function assertSeats(
  tx: Database,
  organization: { id: string; slug: string },
  adding: number,
): Promise<void> {
  const plan = await organizationPlan(tx, organization.id);
  const seats = await countSeats(tx, organization.id);
  assertMembersFit(
    plan,
    { ...seats, total: seats.members + seats.pending + adding },
    { upgrade: upgradePath(organization.slug) },
  );
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
