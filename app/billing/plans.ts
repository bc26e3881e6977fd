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

export function formatMoney(cents: number, currency = 'USD'): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(cents / 100);
}
