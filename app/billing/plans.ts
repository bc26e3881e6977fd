// Seed 000's plan definitions: the seed writes them to `plans`, after which the table is the only
// source of a plan's price and limits (SPEC §4 "plans").
/** `null` is unlimited: one explicit value, shown as "unlimited" and never enforced (issue 9). */
export type Limit = number | null;

export interface PlanLimits {
  modules: Limit;
  members: Limit;
  storage_gb: Limit;
  api_calls_per_month: Limit;
}

export interface PlanDefinition {
  key: 'free' | 'monthly' | 'yearly';
  name: string;
  description: string;
  tier: 'FREE' | 'PRO' | 'ENTERPRISE';
  billingInterval: 'MONTHLY' | 'YEARLY' | 'LIFETIME';
  price: number; // cents
  limits: PlanLimits;
  features: string[];
  displayOrder: number;
  /** Days of free trial Stripe Checkout grants; one trial per organization ever. */
  trialDays: number;
}

export const PLAN_DEFINITIONS: readonly PlanDefinition[] = [
  {
    key: 'free',
    name: 'Free',
    description: 'For small teams getting started.',
    tier: 'FREE',
    billingInterval: 'LIFETIME',
    price: 0,
    limits: { modules: 2, members: 10, storage_gb: 1, api_calls_per_month: 1000 },
    features: ['Basic visitor management', 'Email support', '1GB storage'],
    displayOrder: 0,
    trialDays: 0,
  },
  {
    key: 'monthly',
    name: 'Professional',
    description: 'Everything a growing organization needs, billed monthly.',
    tier: 'PRO',
    billingInterval: 'MONTHLY',
    price: 2900,
    limits: { modules: 5, members: 50, storage_gb: 50, api_calls_per_month: 50000 },
    features: [
      'All modules available',
      'Priority support',
      '50GB storage',
      'Advanced analytics',
      'Custom branding',
    ],
    displayOrder: 1,
    trialDays: 14,
  },
  {
    key: 'yearly',
    name: 'Enterprise',
    description: 'Unlimited scale with a dedicated account manager, billed yearly.',
    tier: 'ENTERPRISE',
    billingInterval: 'YEARLY',
    price: 29000,
    // Seed 000 writes "unlimited" as 999 and 999999; here it is what it means.
    limits: { modules: null, members: null, storage_gb: 500, api_calls_per_month: null },
    features: [
      'Unlimited modules',
      'Unlimited members',
      '24/7 phone support',
      '500GB storage',
      'Dedicated account manager',
      'Custom integrations',
      'SLA guarantee',
    ],
    displayOrder: 2,
    trialDays: 0,
  },
];

export function isUnlimited(value: Limit): value is null {
  return value === null;
}

/** Whether `count` fits under the limit (always, when unlimited). */
export function withinLimit(count: number, limit: Limit): boolean {
  return limit === null || count <= limit;
}

/** "10", "1,000", or "unlimited". */
export function formatLimit(value: Limit): string {
  return isUnlimited(value) ? 'unlimited' : value.toLocaleString('en-US');
}

const TIER_RANK: Record<string, number> = { FREE: 0, PRO: 1, ENTERPRISE: 2, CUSTOM: 3 };

/** What a plan costs per month, in cents (a yearly price counts a twelfth, as MRR does). */
export function monthlyPrice(plan: { price: number; billingInterval: string }): number {
  if (plan.billingInterval === 'YEARLY') return Math.round(plan.price / 12);
  if (plan.billingInterval === 'LIFETIME') return 0;
  return plan.price;
}

/**
 * Whether moving from `from` to `to` is an upgrade: a higher tier, or the same tier at a higher monthly
 * price. Upgrades take effect at once (prorated); everything else waits for the end of the paid period.
 */
export function isUpgrade(
  from: { tier: string; price: number; billingInterval: string },
  to: { tier: string; price: number; billingInterval: string },
): boolean {
  const byTier = (TIER_RANK[to.tier] ?? 0) - (TIER_RANK[from.tier] ?? 0);
  if (byTier !== 0) return byTier > 0;
  return monthlyPrice(to) > monthlyPrice(from);
}

/** A plan is paid when it costs something and renews (LIFETIME plans have no period end). */
export function isPaidPlan(plan: { price: number; billingInterval: string }): boolean {
  return plan.price > 0 && plan.billingInterval !== 'LIFETIME';
}

// One money formatter for plans and invoices (browser-safe, cached per currency).
export { formatMoney } from '~/invoicing/format';
