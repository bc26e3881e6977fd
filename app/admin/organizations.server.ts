// Organizations as platform staff see them (issue 14 §2): a searchable list, and one organization's
// members, plan, subscription, billing account and balance, this month's usage and services. Staff read;
// money moves on the existing /admin/organizations/:slug/billing page.
import { and, asc, count, desc, eq, ilike, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import { organizationBillingForStaff } from '~/invoicing/staff.server';
import { NotFound } from '~/lib/errors';
import type { Database } from '~db/client.server';
import {
  billingAccounts,
  organizationMembers,
  organizations,
  plans,
  subscriptions,
  usageCounters,
  users,
} from '~db/schema';
import { likePattern } from './users.server';

export const ORGANIZATION_PAGE_SIZE = 25;
const blank = (v: unknown) => (v === '' || v === null ? undefined : v);
export const organizationSearchSchema = z.object({
  q: z.preprocess(blank, z.string().trim().max(200).optional()),
  page: z.preprocess(blank, z.coerce.number().int().min(1).max(10_000).default(1)),
});

export async function searchOrganizations(db: Database, input: z.input<typeof organizationSearchSchema>) {
  const { q, page } = organizationSearchSchema.parse(input);
  const where = q
    ? or(ilike(organizations.name, likePattern(q)), ilike(organizations.slug, likePattern(q)))
    : undefined;
  const rows = await db
    .select({
      id: organizations.id,
      name: organizations.name,
      slug: organizations.slug,
      createdAt: organizations.createdAt,
      planName: plans.name,
      subscriptionStatus: subscriptions.status,
      billingStatus: billingAccounts.status,
      balance: billingAccounts.balance,
      members:
        sql<number>`(SELECT count(*) FROM organization_members m WHERE m.organization_id = ${organizations.id})`.mapWith(
          Number,
        ),
    })
    .from(organizations)
    .leftJoin(subscriptions, eq(subscriptions.organizationId, organizations.id))
    .leftJoin(plans, eq(plans.id, subscriptions.planId))
    .leftJoin(billingAccounts, eq(billingAccounts.organizationId, organizations.id))
    .where(where)
    .orderBy(desc(organizations.createdAt), desc(organizations.id))
    .limit(ORGANIZATION_PAGE_SIZE + 1)
    .offset((page - 1) * ORGANIZATION_PAGE_SIZE);
  const [total] = await db.select({ n: count() }).from(organizations).where(where);
  return {
    organizations: rows.slice(0, ORGANIZATION_PAGE_SIZE),
    hasMore: rows.length > ORGANIZATION_PAGE_SIZE,
    page,
    total: Number(total?.n ?? 0),
    q: q ?? '',
  };
}

export async function organizationForStaff(db: Database, slug: string) {
  const [org] = await db
    .select({
      organization: organizations,
      subscription: subscriptions,
      plan: {
        id: plans.id,
        name: plans.name,
        key: plans.key,
        price: plans.price,
        limits: plans.limits,
        billingInterval: plans.billingInterval,
      },
    })
    .from(organizations)
    .leftJoin(subscriptions, eq(subscriptions.organizationId, organizations.id))
    .leftJoin(plans, eq(plans.id, subscriptions.planId))
    .where(eq(organizations.slug, slug));
  if (!org) throw new NotFound('Organization not found');
  const [members, usage, billing] = await Promise.all([
    db
      .select({
        userId: users.id,
        name: users.name,
        email: users.email,
        status: users.status,
        role: organizationMembers.role,
        joinedAt: organizationMembers.createdAt,
      })
      .from(organizationMembers)
      .innerJoin(users, eq(users.id, organizationMembers.userId))
      .where(eq(organizationMembers.organizationId, org.organization.id))
      .orderBy(asc(users.email)),
    db
      .select({ eventType: usageCounters.eventType, quantity: usageCounters.quantity })
      .from(usageCounters)
      .where(
        and(
          eq(usageCounters.organizationId, org.organization.id),
          sql`${usageCounters.month} = date_trunc('month', now() AT TIME ZONE 'UTC')::date`,
        ),
      )
      .orderBy(desc(usageCounters.quantity)),
    organizationBillingForStaff(db, slug),
  ]);
  return {
    organization: {
      id: org.organization.id,
      name: org.organization.name,
      slug: org.organization.slug,
      email: org.organization.email,
      createdAt: org.organization.createdAt,
    },
    plan: org.plan,
    subscription: org.subscription
      ? {
          status: org.subscription.status,
          currentPeriodEnd: org.subscription.currentPeriodEnd,
          cancelAtPeriodEnd: org.subscription.cancelAtPeriodEnd,
          trialEnd: org.subscription.trialEnd,
          stripeSubscriptionId: org.subscription.stripeSubscriptionId,
          stripeCustomerId: org.subscription.stripeCustomerId,
        }
      : null,
    members,
    usage,
    account: billing.account,
    services: billing.services,
  };
}
