// Creating organizations (SPEC §6 "Organization creation": one transaction for everything).
import { and, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { type Actor, recordAudit } from '~/audit/audit.server';
import { Conflict } from '~/lib/errors';
import { AVAILABLE_MODULES } from '~/modules/catalog';
import { type Database, isUniqueViolation } from '~db/client.server';
import { billingAccounts, organizationMembers, organizationModules, organizations, plans, subscriptions } from '~db/schema';
import { organizationNameSchema, slugSchema } from './slug';

export const createOrganizationInput = z.object({ name: organizationNameSchema, slug: slugSchema });
export type CreateOrganizationInput = z.infer<typeof createOrganizationInput>;

export async function createOrganization(db: Database, actor: Actor & { userId: string }, input: CreateOrganizationInput) {
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
      await tx.insert(organizationMembers).values({ organizationId: organization.id, userId: actor.userId, role: 'OWNER' });
      await tx.insert(subscriptions).values({
        organizationId: organization.id,
        planId: free.id,
        status: 'ACTIVE',
        currentPeriodStart: new Date(),
        currentPeriodEnd: null,
      });
      await tx.insert(billingAccounts).values({ organizationId: organization.id });
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
