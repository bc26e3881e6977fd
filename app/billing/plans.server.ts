import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Database } from '~db/client.server';
import { plans } from '~db/schema';
import type { PlanLimits } from './plans';

export interface PublicPlan {
  key: string;
  name: string;
  description: string | null;
  price: number;
  currency: string;
  billingInterval: string;
  tier: string;
  trialDays: number;
  features: string[];
  limits: PlanLimits;
}

/** Active, not deleted plans in display order: what the pricing page offers. */
export async function listPublicPlans(db: Database): Promise<PublicPlan[]> {
  const rows = await db
    .select()
    .from(plans)
    .where(and(eq(plans.isActive, true), isNull(plans.deletedAt)))
    .orderBy(asc(plans.displayOrder), asc(plans.price));
  return rows.map((p) => ({
    key: p.key,
    name: p.name,
    description: p.description,
    price: p.price,
    currency: p.currency,
    billingInterval: p.billingInterval,
    tier: p.tier,
    trialDays: p.trialDays,
    features: (p.features as string[] | null) ?? [],
    limits: p.limits as PlanLimits,
  }));
}
