// Seed 000's plan definitions: the seed writes them to `plans`, after which the table is the only
// source of a plan's price and limits (SPEC §4 "plans").
export interface PlanLimits {
  modules: number;
  members: number;
  storage_gb: number;
  api_calls_per_month: number;
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
    limits: { modules: 999, members: 999, storage_gb: 500, api_calls_per_month: 999999 },
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

// Seed 000 writes "unlimited" as a large number, and a different one per limit (999 members or modules,
// 999999 API calls): a limit at or above its sentinel is shown as unlimited, never a real 1,000.
const UNLIMITED_AT: Record<keyof PlanLimits, number> = {
  modules: 999,
  members: 999,
  storage_gb: 99_999,
  api_calls_per_month: 999_999,
};

export function isUnlimited(key: keyof PlanLimits, value: number): boolean {
  return value >= UNLIMITED_AT[key];
}

/** "10", "1,000", or "unlimited". */
export function formatLimit(key: keyof PlanLimits, value: number): string {
  return isUnlimited(key, value) ? 'unlimited' : value.toLocaleString('en-US');
}

export function formatMoney(cents: number, currency = 'USD'): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(cents / 100);
}
