// Reading Stripe objects of the current API version (2026-10-28), which moved fields the older docs and
// most sample code still show at the top level: a subscription's period lives on its items, and an
// invoice names its subscription under `parent.subscription_details`. Every read of such a field goes
// through here, so the next move is one edit.
import type Stripe from 'stripe';

/** Stripe's status, as the SQL enum subscription_status spells it. */
export type SubscriptionStatus =
  | 'TRIALING'
  | 'ACTIVE'
  | 'PAST_DUE'
  | 'CANCELED'
  | 'INCOMPLETE'
  | 'INCOMPLETE_EXPIRED'
  | 'UNPAID'
  | 'PAUSED';

const STATUSES = new Set<string>([
  'TRIALING',
  'ACTIVE',
  'PAST_DUE',
  'CANCELED',
  'INCOMPLETE',
  'INCOMPLETE_EXPIRED',
  'UNPAID',
  'PAUSED',
]);

export function subscriptionStatusOf(sub: Pick<Stripe.Subscription, 'status'>): SubscriptionStatus | null {
  const status = String(sub.status).toUpperCase();
  return STATUSES.has(status) ? (status as SubscriptionStatus) : null;
}

/** SPEC §6: a paid subscription in one of these states has ended; its row switches to the free plan. */
export const ENDED_STATUSES: ReadonlySet<SubscriptionStatus> = new Set([
  'CANCELED',
  'INCOMPLETE_EXPIRED',
  'UNPAID',
]);

export const idOf = (v: string | { id: string } | null | undefined): string | null =>
  typeof v === 'string' ? v : (v?.id ?? null);

const toDate = (seconds: number | null | undefined): Date | null =>
  typeof seconds === 'number' && seconds > 0 ? new Date(seconds * 1000) : null;

type Item = Stripe.SubscriptionItem & { current_period_start?: number; current_period_end?: number };
type LegacySubscription = Stripe.Subscription & {
  current_period_start?: number;
  current_period_end?: number;
};

export function firstItem(sub: Stripe.Subscription): Item | null {
  return (sub.items?.data?.[0] as Item | undefined) ?? null;
}

/** The billing period: on the item (current API), else at the top level (older API versions). */
export function periodOf(sub: Stripe.Subscription): { start: Date | null; end: Date | null } {
  const item = firstItem(sub);
  const legacy = sub as LegacySubscription;
  return {
    start: toDate(item?.current_period_start ?? legacy.current_period_start),
    end: toDate(item?.current_period_end ?? legacy.current_period_end),
  };
}

export function priceIdOf(sub: Stripe.Subscription): string | null {
  return idOf(firstItem(sub)?.price ?? null);
}

export function trialOf(sub: Stripe.Subscription): { start: Date | null; end: Date | null } {
  return { start: toDate(sub.trial_start), end: toDate(sub.trial_end) };
}

/** Ends with its period: the flag, or a cancel_at date (the portal sets either). */
export const cancelsAtPeriodEnd = (sub: Stripe.Subscription) =>
  Boolean(sub.cancel_at_period_end || sub.cancel_at);

export const canceledAtOf = (sub: Stripe.Subscription) => toDate(sub.canceled_at);

type LegacyInvoice = Stripe.Invoice & { subscription?: string | { id: string } | null };

/** The subscription an invoice belongs to: `parent.subscription_details` now, `subscription` before. */
export function invoiceSubscriptionId(invoice: Stripe.Invoice): string | null {
  const parent = invoice.parent as
    | { subscription_details?: { subscription?: string | { id: string } | null } | null }
    | null
    | undefined;
  return idOf(parent?.subscription_details?.subscription ?? (invoice as LegacyInvoice).subscription ?? null);
}

/** The next phase's price of a subscription schedule, and when it starts: a scheduled downgrade. */
export function nextPhaseOf(
  schedule: Stripe.SubscriptionSchedule | null,
  now: number,
): { priceId: string; startsAt: Date } | null {
  if (!schedule || schedule.status === 'released' || schedule.status === 'canceled') return null;
  const phase = schedule.phases.find((p) => p.start_date > now);
  const priceId = idOf(phase?.items?.[0]?.price ?? null);
  const startsAt = toDate(phase?.start_date);
  return phase && priceId && startsAt ? { priceId, startsAt } : null;
}

/** A downgrade waiting for the period end, as the webhook handler recorded it from Stripe's schedule. */
export function scheduledChangeOf(
  metadata: unknown,
): { planKey: string; planName: string; effectiveAt: string } | null {
  const change = (metadata as { scheduledChange?: unknown } | null)?.scheduledChange as
    | { planKey?: unknown; planName?: unknown; effectiveAt?: unknown }
    | undefined;
  if (!change || typeof change.planKey !== 'string' || typeof change.effectiveAt !== 'string') return null;
  return {
    planKey: change.planKey,
    planName: typeof change.planName === 'string' ? change.planName : change.planKey,
    effectiveAt: change.effectiveAt,
  };
}
