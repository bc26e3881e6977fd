// Idempotent seed: seed 000's three plans always; a demo user + organization for development.
import { eq, sql } from 'drizzle-orm';
import { seedSystemSettings } from '../app/admin/settings.server';
import { userActor } from '../app/audit/audit.server';
import { hashPassword } from '../app/auth/password.server';
import { PLAN_DEFINITIONS } from '../app/billing/plans';
import { createOrganization } from '../app/orgs/organizations.server';
import { seedStore } from '../app/store/seed.server';
import type { Database } from './client.server';
import { accounts, organizations, plans, users } from './schema';

export async function seedBaseline(db: Database): Promise<void> {
  // Insert missing plans only: once seeded, the table (edited by staff) is the source of truth.
  for (const plan of PLAN_DEFINITIONS) {
    await db
      .insert(plans)
      .values({
        key: plan.key,
        name: plan.name,
        description: plan.description,
        tier: plan.tier,
        billingInterval: plan.billingInterval,
        price: plan.price,
        currency: 'USD',
        limits: plan.limits,
        features: plan.features,
        displayOrder: plan.displayOrder,
        trialDays: plan.trialDays,
        isActive: true,
      })
      .onConflictDoNothing({ target: plans.key, where: sql`deleted_at IS NULL` });
  }
}

export const DEMO_USER = {
  email: 'demo@example.com',
  password: 'demo-password-123',
  name: 'Demo User',
} as const;
export const DEMO_ORGANIZATION = { name: 'Demo Organization', slug: 'demo' } as const;
/** Development's platform administrator (README): the admin area at /admin. */
export const DEMO_ADMIN = {
  email: 'admin@example.com',
  password: 'admin-password-123',
  name: 'Platform Admin',
} as const;

export async function seedDemo(db: Database): Promise<{ email: string; organizationSlug: string }> {
  const [existing] = await db.select({ id: users.id }).from(users).where(eq(users.email, DEMO_USER.email));
  if (!existing) {
    const passwordHash = await hashPassword(DEMO_USER.password);
    const userId = await db.transaction(async (tx) => {
      const [user] = await tx
        .insert(users)
        .values({ email: DEMO_USER.email, name: DEMO_USER.name, emailVerifiedAt: new Date() })
        .returning({ id: users.id });
      if (!user) throw new Error('demo user insert returned nothing');
      await tx.insert(accounts).values({
        userId: user.id,
        providerId: 'credential',
        accountId: user.id,
        password: passwordHash,
      });
      return user.id;
    });
    const [org] = await db
      .select({ id: organizations.id })
      .from(organizations)
      .where(eq(organizations.slug, DEMO_ORGANIZATION.slug));
    if (!org) await createOrganization(db, { ...userActor(userId), userId }, DEMO_ORGANIZATION);
  }
  const [admin] = await db.select({ id: users.id }).from(users).where(eq(users.email, DEMO_ADMIN.email));
  if (!admin) {
    const passwordHash = await hashPassword(DEMO_ADMIN.password);
    await db.transaction(async (tx) => {
      const [user] = await tx
        .insert(users)
        .values({
          email: DEMO_ADMIN.email,
          name: DEMO_ADMIN.name,
          role: 'ADMIN',
          emailVerifiedAt: new Date(),
        })
        .returning({ id: users.id });
      if (!user) throw new Error('demo admin insert returned nothing');
      await tx
        .insert(accounts)
        .values({ userId: user.id, providerId: 'credential', accountId: user.id, password: passwordHash });
    });
  }
  // Seed 002 "Seed Data: default system settings" (the admin area's /admin/settings).
  await seedSystemSettings(db);
  // A small published catalog and two discount codes (README "Store").
  await seedStore(db);
  return { email: DEMO_USER.email, organizationSlug: DEMO_ORGANIZATION.slug };
}
