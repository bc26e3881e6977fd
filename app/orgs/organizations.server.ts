// Creating organizations (SPEC §6 "Organization creation": one transaction for everything).
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { readSetting } from '~/admin/settings.server';
import { dashboardUsageColumns, dashboardUsageOf } from '~/analytics/usage-charts.server';
import { type Actor, recordAudit } from '~/audit/audit.server';
import type { PlanLimits } from '~/billing/plans';
import { cancelStripeSubscriptionForDeletion } from '~/billing/stripe-billing.server';
import type { Stripe } from '~/billing/stripe-client.server';
import { Conflict, NotFound } from '~/lib/errors';
import { AVAILABLE_MODULES, isModuleKey } from '~/modules/catalog';
import { type Database, isUniqueViolation, rowsOf } from '~db/client.server';
import {
  billingAccounts,
  organizationMembers,
  organizationModules,
  organizations,
  plans,
  sessions,
  subscriptions,
} from '~db/schema';
import { authorize, ORGANIZATION_NOT_FOUND } from './access.server';
import type { MemberRole } from './permissions';
import {
  type CreateOrganizationInput,
  createOrganizationInput,
  deleteOrganizationFormSchema,
  organizationSettingsSchema,
} from './schemas';

export type { CreateOrganizationInput };
export { createOrganizationInput, deleteOrganizationFormSchema, organizationSettingsSchema };

export async function createOrganization(
  db: Database,
  actor: Actor & { userId: string },
  input: CreateOrganizationInput,
) {
  const { name, slug } = createOrganizationInput.parse(input);
  try {
    return await db.transaction(async (tx) => {
      const [free] = await tx
        .select({ id: plans.id })
        .from(plans)
        .where(and(eq(plans.key, 'free'), isNull(plans.deletedAt)));
      if (!free) throw new Error('The free plan is missing: run `npm run db:seed`');

      const [organization] = await tx.insert(organizations).values({ name, slug }).returning();
      if (!organization) throw new Error('organization insert returned nothing');
      await tx
        .insert(organizationMembers)
        .values({ organizationId: organization.id, userId: actor.userId, role: 'OWNER' });
      await tx.insert(subscriptions).values({
        organizationId: organization.id,
        planId: free.id,
        status: 'ACTIVE',
        currentPeriodStart: new Date(),
        currentPeriodEnd: null,
      });
      // The platform's grace period (system setting) becomes the account's own, which the sweep reads;
      // changing the setting later leaves existing accounts' values alone (seed 002: per account).
      await tx.insert(billingAccounts).values({
        organizationId: organization.id,
        gracePeriodDays: await readSetting(tx, 'billing.grace_period_days'),
      });
      await tx.insert(organizationModules).values({
        organizationId: organization.id,
        moduleKey: 'visitor_management',
        isEnabled: true,
        settings: AVAILABLE_MODULES.visitor_management.defaultSettings,
        enabledBy: actor.userId,
      });
      await recordAudit(tx, actor, {
        organizationId: organization.id,
        action: 'organization.created',
        entityType: 'organization',
        entityId: organization.id,
        newValues: { name, slug, plan: 'free' },
      });
      return organization;
    });
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new Conflict('That address is taken. Try another one.', { slug: ['That address is taken'] });
    }
    throw err;
  }
}

/** The organizations the user belongs to, with their role: the switcher on /orgs. */
export async function listMyOrganizations(db: Database, userId: string) {
  return db
    .select({
      id: organizations.id,
      name: organizations.name,
      slug: organizations.slug,
      role: organizationMembers.role,
    })
    .from(organizationMembers)
    .innerJoin(organizations, eq(organizations.id, organizationMembers.organizationId))
    .where(eq(organizationMembers.userId, userId))
    .orderBy(asc(organizations.name), asc(organizations.id));
}

/** The switcher: the session remembers the active organization (sessions.active_organization_id). */
export async function setActiveOrganization(
  db: Database,
  session: { sessionId: string; userId: string },
  organizationId: string,
): Promise<{ id: string; slug: string; role: string }> {
  const [row] = await db
    .select({ id: organizations.id, slug: organizations.slug, role: organizationMembers.role })
    .from(organizationMembers)
    .innerJoin(organizations, eq(organizations.id, organizationMembers.organizationId))
    .where(
      and(
        eq(organizationMembers.organizationId, organizationId),
        eq(organizationMembers.userId, session.userId),
      ),
    );
  if (!row) throw new NotFound(ORGANIZATION_NOT_FOUND);
  await db
    .update(sessions)
    .set({ activeOrganizationId: row.id })
    .where(and(eq(sessions.id, session.sessionId), eq(sessions.userId, session.userId)));
  return row;
}

/** Members, projects, plan and enabled modules at a glance. */
interface DashboardRow {
  members: { id: string; name: string | null; email: string; role: MemberRole }[];
  member_count: number | string;
  pending_invitations: number | string;
  projects: { id: string; name: string; slug: string }[];
  project_count: number | string;
  plan: { key: string; name: string; limits: PlanLimits } | null;
  modules: string[];
  usage_daily: { day: string; calls: number | string }[] | null;
  usage_top: { event_type: string; quantity: number | string }[] | null;
}

/**
 * The dashboard in ONE statement (issue 9: a page's cost is its statements): the first members and
 * projects, the counts, the plan, the enabled modules and this month's usage charts, each a subquery
 * over its own index.
 */
export async function getDashboard(db: Database, actor: Actor, organizationId: string, now = new Date()) {
  await authorize(db, actor, organizationId, 'organization:view');
  const [row] = rowsOf<DashboardRow>(
    await db.execute(sql`
      SELECT
        (SELECT coalesce(json_agg(m ORDER BY m.created_at, m.id), '[]')
           FROM (SELECT om.id, u.name, u.email, om.role, om.created_at
                   FROM organization_members om JOIN users u ON u.id = om.user_id
                  WHERE om.organization_id = ${organizationId}
                  ORDER BY om.created_at, om.id LIMIT 8) m) AS members,
        (SELECT count(*) FROM organization_members WHERE organization_id = ${organizationId}) AS member_count,
        (SELECT count(*) FROM invitations
          WHERE organization_id = ${organizationId} AND status = 'PENDING' AND expires_at > now()) AS pending_invitations,
        (SELECT coalesce(json_agg(p ORDER BY p.name), '[]')
           FROM (SELECT id, name, slug FROM projects WHERE organization_id = ${organizationId}
                  ORDER BY name LIMIT 8) p) AS projects,
        (SELECT count(*) FROM projects WHERE organization_id = ${organizationId}) AS project_count,
        (SELECT json_build_object('key', pl.key, 'name', pl.name, 'limits', pl.limits)
           FROM subscriptions s JOIN plans pl ON pl.id = s.plan_id
          WHERE s.organization_id = ${organizationId}) AS plan,
        (SELECT coalesce(array_agg(module_key ORDER BY module_key), '{}')
           FROM organization_modules WHERE organization_id = ${organizationId} AND is_enabled) AS modules,
        ${dashboardUsageColumns(organizationId, now)}`),
  );
  if (!row?.plan) throw new NotFound(ORGANIZATION_NOT_FOUND);
  return {
    members: row.members.map(({ id, name, email, role }) => ({ id, name, email, role })),
    memberCount: Number(row.member_count),
    pendingInvitations: Number(row.pending_invitations),
    projects: row.projects,
    projectCount: Number(row.project_count),
    plan: row.plan,
    modules: row.modules.filter(isModuleKey).map((key) => ({ key, name: AVAILABLE_MODULES[key].name })),
    // The usage charts (issue 14): API calls per day this month and the top event types.
    usage: dashboardUsageOf(row, now),
  };
}

export async function getOrganizationSettings(db: Database, actor: Actor, organizationId: string) {
  await authorize(db, actor, organizationId, 'organization:edit');
  const [org] = await db.select().from(organizations).where(eq(organizations.id, organizationId));
  if (!org) throw new NotFound(ORGANIZATION_NOT_FOUND);
  return org;
}

export const updateOrganizationInput = organizationSettingsSchema.extend({
  organizationId: z.string().min(1),
});

export async function updateOrganization(
  db: Database,
  actor: Actor,
  input: z.input<typeof updateOrganizationInput>,
) {
  const { organizationId, ...values } = updateOrganizationInput.parse(input);
  const next = {
    name: values.name,
    slug: values.slug,
    email: values.email ?? null,
    phone: values.phone ?? null,
    address: values.address ?? null,
    city: values.city ?? null,
    country: values.country ?? null,
  };
  try {
    return await db.transaction(async (tx) => {
      await authorize(tx, actor, organizationId, 'organization:edit', { lock: true });
      const [before] = await tx.select().from(organizations).where(eq(organizations.id, organizationId));
      if (!before) throw new NotFound(ORGANIZATION_NOT_FOUND);
      const [after] = await tx
        .update(organizations)
        .set(next)
        .where(eq(organizations.id, organizationId))
        .returning();
      const oldValues = Object.fromEntries(Object.keys(next).map((k) => [k, before[k as keyof typeof next]]));
      await recordAudit(tx, actor, {
        organizationId,
        action: 'organization.updated',
        entityType: 'organization',
        entityId: organizationId,
        oldValues,
        newValues: next,
      });
      return after!;
    });
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new Conflict('That address is taken. Try another one.', { slug: ['That address is taken'] });
    }
    throw err;
  }
}

export interface DeletionSummary {
  deleted: { label: string; count: number }[];
  kept: { label: string; count: number }[];
}

/**
 * What deleting the organization takes with it (SPEC §5: everything of it, in one statement) and
 * what stays: apps it registered (other organizations' rooms may use them; platform admins manage
 * them) and store orders bought for it (order history; the order loses its organization).
 */
export async function deletionSummary(
  db: Database,
  actor: Actor,
  organizationId: string,
): Promise<DeletionSummary> {
  await authorize(db, actor, organizationId, 'organization:delete');
  const [c] = rowsOf<Record<string, string | number>>(
    await db.execute(sql`
      SELECT
        (SELECT count(*) FROM organization_members WHERE organization_id = ${organizationId}) AS members,
        (SELECT count(*) FROM invitations WHERE organization_id = ${organizationId} AND status = 'PENDING') AS invitations,
        (SELECT count(*) FROM teams WHERE organization_id = ${organizationId}) AS teams,
        (SELECT count(*) FROM projects WHERE organization_id = ${organizationId}) AS projects,
        (SELECT count(*) FROM organization_modules WHERE organization_id = ${organizationId} AND is_enabled) AS modules,
        (SELECT count(*) FROM api_keys WHERE organization_id = ${organizationId}) AS api_keys,
        (SELECT count(*) FROM usage_events WHERE organization_id = ${organizationId}) AS usage_events,
        (SELECT count(*) FROM invoices i JOIN billing_accounts b ON b.id = i.billing_account_id WHERE b.organization_id = ${organizationId}) AS invoices,
        (SELECT count(*) FROM payments p JOIN billing_accounts b ON b.id = p.billing_account_id WHERE b.organization_id = ${organizationId}) AS payments,
        (SELECT count(*) FROM services WHERE organization_id = ${organizationId}) AS services,
        (SELECT count(*) FROM rooms WHERE organization_id = ${organizationId}) AS rooms,
        (SELECT count(*) FROM support_tickets WHERE organization_id = ${organizationId}) AS tickets,
        (SELECT count(*) FROM apps WHERE organization_id = ${organizationId} AND deleted_at IS NULL) AS apps,
        (SELECT count(*) FROM orders WHERE organization_id = ${organizationId}) AS orders
    `),
  );
  const n = (k: string) => Number(c?.[k] ?? 0);
  return {
    deleted: [
      { label: 'Members (and their team memberships)', count: n('members') },
      { label: 'Pending invitations', count: n('invitations') },
      { label: 'Teams', count: n('teams') },
      { label: 'Projects', count: n('projects') },
      { label: 'Enabled modules', count: n('modules') },
      { label: 'API keys', count: n('api_keys') },
      { label: 'Usage events', count: n('usage_events') },
      { label: 'Rooms (with their participants, prizes and winners)', count: n('rooms') },
      { label: 'Support tickets', count: n('tickets') },
      { label: 'Services', count: n('services') },
      { label: 'Invoices (finalized ones included)', count: n('invoices') },
      { label: 'Payments', count: n('payments') },
    ],
    kept: [
      {
        label: 'Apps it registered (they stay for rooms that use them; platform admins manage them)',
        count: n('apps'),
      },
      { label: 'Store orders bought for it (they stay in the buyers’ order history)', count: n('orders') },
    ],
  };
}

function assertConfirmed(confirm: string, slug: string): void {
  if (confirm.trim().toLowerCase() !== slug)
    throw new Conflict('The confirmation does not match: nothing was deleted.', {
      confirm: [`Type ${slug} to confirm`],
    });
}

/**
 * OWNER only, confirmed by typing the slug; everything of the organization goes in one DELETE (SPEC §5).
 * A live Stripe subscription is canceled at Stripe first (issue 10 §5); if Stripe refuses, nothing is
 * deleted. The cancel runs before the deleting transaction, with no lock held: Stripe answers it with a
 * webhook that takes the organization lock.
 */
export async function deleteOrganization(
  db: Database,
  actor: Actor,
  input: { organizationId: string; confirm: string },
  options: { stripe?: Stripe | null } = {},
): Promise<{ id: string; name: string; slug: string }> {
  const { organizationId, confirm } = z
    .object({ organizationId: z.string().min(1), confirm: z.string() })
    .parse(input);
  const checked = await authorize(db, actor, organizationId, 'organization:delete');
  assertConfirmed(confirm, checked.organization.slug);
  const [subscription] = await db
    .select({ stripeSubscriptionId: subscriptions.stripeSubscriptionId, status: subscriptions.status })
    .from(subscriptions)
    .where(eq(subscriptions.organizationId, organizationId));
  const canceledAtStripe = subscription
    ? await cancelStripeSubscriptionForDeletion(options.stripe ?? null, subscription)
    : null;
  return db.transaction(async (tx) => {
    const me = await authorize(tx, actor, organizationId, 'organization:delete', { lock: true });
    assertConfirmed(confirm, me.organization.slug);
    // The audit row outlives the organization (audit_logs.organization_id is a plain column).
    await recordAudit(tx, actor, {
      organizationId,
      action: 'organization.deleted',
      entityType: 'organization',
      entityId: organizationId,
      oldValues: { name: me.organization.name, slug: me.organization.slug },
      metadata: canceledAtStripe ? { canceledStripeSubscription: canceledAtStripe } : null,
    });
    await tx.delete(organizations).where(eq(organizations.id, organizationId));
    return me.organization;
  });
}
