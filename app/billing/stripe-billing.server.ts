// What an organization's billing page asks of Stripe (issue 10 §3–5): Checkout for a first paid plan,
// subscription updates for plan changes (upgrades at once and prorated, downgrades at period end through a
// subscription schedule), cancel / resume at period end, and Customer Portal sessions.
//
// None of these writes the subscription row: a row with a Stripe subscription changes only through the
// webhooks (SPEC §6), which Stripe sends for every change requested here. What is written here is the
// organization's Stripe customer (once, under the organization lock, with a deterministic idempotency
// key) and the audit trail of the request.
//
// Stripe calls that make Stripe send a subscription webhook run with no row lock held: the webhook
// handler takes the organization lock, and a fake Stripe that delivers synchronously (or a real one that
// is fast) would otherwise wait on us while we wait on it.
import { eq } from 'drizzle-orm';
import type Stripe from 'stripe';
import { type Actor, recordAudit } from '~/audit/audit.server';
import { Conflict, UpstreamFailed } from '~/lib/errors';
import { authorize } from '~/orgs/access.server';
import { assertMembersFit, countSeats } from '~/orgs/limits.server';
import type { Database } from '~db/client.server';
import { organizations, plans, subscriptions } from '~db/schema';
import { isPaidPlan, isUpgrade, type PlanLimits } from './plans';
import { ENDED_STATUSES, firstItem, idOf, periodOf, subscriptionStatusOf } from './stripe-objects';
import { changePlanSchema, offeredPlan } from './subscriptions.server';

type PlanRow = typeof plans.$inferSelect;
type SubscriptionRow = typeof subscriptions.$inferSelect;

export type PlanChangeResult =
  | { kind: 'checkout'; url: string; plan: PlanRow; trialDays: number }
  | { kind: 'upgraded'; plan: PlanRow }
  | { kind: 'scheduled'; plan: PlanRow; effectiveAt: Date | null }
  | { kind: 'canceling'; plan: PlanRow; effectiveAt: Date | null };

/** Stripe said no (card declined, bad request) or could not be reached: a message, and nothing half-done. */
async function callStripe<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`[stripe] ${what} failed: ${message}`);
    throw new UpstreamFailed(`Stripe could not ${what}: ${message}`);
  }
}

async function loadState(tx: Database, organizationId: string) {
  const [row] = await tx
    .select({ subscription: subscriptions, plan: plans, organization: organizations })
    .from(subscriptions)
    .innerJoin(plans, eq(plans.id, subscriptions.planId))
    .innerJoin(organizations, eq(organizations.id, subscriptions.organizationId))
    .where(eq(subscriptions.organizationId, organizationId));
  if (!row) throw new Conflict('This organization has no subscription. Contact support.');
  return row;
}

/** A live Stripe subscription: attached and not ended. */
const hasLiveSubscription = (s: SubscriptionRow) =>
  Boolean(s.stripeSubscriptionId) && !ENDED_STATUSES.has(s.status as never);

/** Whether the organization may still start a trial: one trial per organization, ever. */
export const trialAvailable = (s: Pick<SubscriptionRow, 'trialStart'>, plan: Pick<PlanRow, 'trialDays'>) =>
  plan.trialDays > 0 && !s.trialStart;

/**
 * The organization's Stripe customer, created on first need. Call inside a transaction that holds the
 * organization lock: two clicks at once then create one customer, and the idempotency key makes a retry
 * after a lost answer (or a rolled-back transaction) return that same customer rather than a second one.
 */
async function ensureCustomer(
  tx: Database,
  stripe: Stripe,
  actor: Actor,
  state: Awaited<ReturnType<typeof loadState>>,
): Promise<string> {
  if (state.subscription.stripeCustomerId) return state.subscription.stripeCustomerId;
  const { organization } = state;
  const customer = await callStripe('create the customer', () =>
    stripe.customers.create(
      {
        name: organization.name,
        email: organization.email ?? undefined,
        metadata: { organization_id: organization.id, organization_slug: organization.slug },
      },
      { idempotencyKey: `organization-customer:${organization.id}` },
    ),
  );
  await tx
    .update(subscriptions)
    .set({ stripeCustomerId: customer.id })
    .where(eq(subscriptions.id, state.subscription.id));
  await recordAudit(tx, actor, {
    organizationId: organization.id,
    action: 'billing.customer_created',
    entityType: 'subscription',
    entityId: state.subscription.id,
    newValues: { stripeCustomerId: customer.id },
  });
  return customer.id;
}

/**
 * The billing page's "change plan" in Stripe mode. Without a live Stripe subscription: a Checkout session
 * (the caller redirects to its URL). With one: an upgrade now (prorated, invoiced at once), a downgrade
 * at period end (subscription schedule), or — to the free plan — cancellation at period end.
 */
export async function requestStripePlanChange(
  db: Database,
  stripe: Stripe,
  actor: Actor,
  organizationId: string,
  input: { planKey: string; billingUrl: string },
): Promise<PlanChangeResult> {
  const { planKey } = changePlanSchema.parse({ planKey: input.planKey });
  const checked = await db.transaction(async (tx) => {
    await authorize(tx, actor, organizationId, 'billing:change-plan', { lock: true });
    const state = await loadState(tx, organizationId);
    const plan = await offeredPlan(tx, planKey);
    const { subscription, plan: current } = state;
    if (plan.id === current.id && subscription.status !== 'CANCELED') {
      throw new Conflict(
        subscription.cancelAtPeriodEnd
          ? `The organization is already on the ${plan.name} plan; resume the subscription to keep it.`
          : `The organization is already on the ${plan.name} plan.`,
      );
    }
    const seats = await countSeats(tx, organizationId);
    assertMembersFit(
      plan as { name: string; limits: PlanLimits },
      { ...seats, total: seats.members + seats.pending },
      'reduce',
    );
    if (hasLiveSubscription(subscription)) return { state, plan, checkout: null };
    if (!isPaidPlan(plan)) throw new Conflict(`The organization is already on the ${current.name} plan.`);
    if (!plan.stripePriceId)
      throw new Conflict(
        `The ${plan.name} plan is not connected to a Stripe price yet. An administrator runs npm run stripe:sync.`,
      );
    const customer = await ensureCustomer(tx, stripe, actor, state);
    // One open Checkout per organization: an earlier tab's session (a double click, a second owner)
    // is expired, so at most one of them can ever be paid.
    const open = await callStripe('list open Checkout sessions', () =>
      stripe.checkout.sessions.list({ customer, status: 'open', limit: 100 }),
    );
    for (const stale of open.data)
      await callStripe('expire an earlier Checkout session', () => stripe.checkout.sessions.expire(stale.id));
    const trialDays = trialAvailable(subscription, plan) ? plan.trialDays : 0;
    const session = await callStripe('start Checkout', () =>
      stripe.checkout.sessions.create({
        mode: 'subscription',
        customer,
        client_reference_id: organizationId,
        line_items: [{ price: plan.stripePriceId as string, quantity: 1 }],
        success_url: `${input.billingUrl}?checkout=success&session_id={CHECKOUT_SESSION_ID}`,
        cancel_url: `${input.billingUrl}?checkout=canceled`,
        subscription_data: {
          metadata: { organization_id: organizationId, plan_key: plan.key },
          ...(trialDays > 0 ? { trial_period_days: trialDays } : {}),
        },
        metadata: { organization_id: organizationId, plan_key: plan.key },
      }),
    );
    if (!session.url) throw new UpstreamFailed('Stripe started Checkout without a page to send you to.');
    await recordAudit(tx, actor, {
      organizationId,
      action: 'subscription.checkout_started',
      entityType: 'subscription',
      entityId: subscription.id,
      newValues: { plan: plan.key, checkoutSessionId: session.id, trialDays },
    });
    return { state, plan, checkout: { url: session.url, trialDays } };
  });
  const { state, plan, checkout } = checked;
  if (checkout) return { kind: 'checkout', url: checkout.url, plan, trialDays: checkout.trialDays };
  return changeLiveSubscription(db, stripe, actor, state, plan);
}

async function changeLiveSubscription(
  db: Database,
  stripe: Stripe,
  actor: Actor,
  state: Awaited<ReturnType<typeof loadState>>,
  plan: PlanRow,
): Promise<PlanChangeResult> {
  const { subscription, plan: current } = state;
  const subscriptionId = subscription.stripeSubscriptionId as string;
  const sub = await callStripe('read the subscription', () => stripe.subscriptions.retrieve(subscriptionId));
  const status = subscriptionStatusOf(sub);
  if (!status || ENDED_STATUSES.has(status))
    throw new Conflict('The Stripe subscription has ended; choose a plan again in a moment.');
  const item = firstItem(sub);
  if (!item) throw new UpstreamFailed('The Stripe subscription has no item to change.');
  const { end } = periodOf(sub);
  let result: PlanChangeResult;

  if (!isPaidPlan(plan)) {
    await releaseSchedule(stripe, sub);
    await callStripe('schedule the cancellation', () =>
      stripe.subscriptions.update(subscriptionId, { cancel_at_period_end: true }),
    );
    result = { kind: 'canceling', plan, effectiveAt: end };
  } else if (!plan.stripePriceId) {
    throw new Conflict(
      `The ${plan.name} plan is not connected to a Stripe price yet. An administrator runs npm run stripe:sync.`,
    );
  } else if (isUpgrade(current, plan)) {
    await releaseSchedule(stripe, sub);
    await callStripe('upgrade the subscription', () =>
      stripe.subscriptions.update(subscriptionId, {
        items: [{ id: item.id, price: plan.stripePriceId as string }],
        // Charge the difference now: an upgrade is paid before it is used.
        proration_behavior: 'always_invoice',
        payment_behavior: 'error_if_incomplete',
        cancel_at_period_end: false,
      }),
    );
    result = { kind: 'upgraded', plan };
  } else {
    await scheduleDowngrade(stripe, sub, item, plan);
    result = { kind: 'scheduled', plan, effectiveAt: end };
  }
  await db.transaction((tx) =>
    recordAudit(tx, actor, {
      organizationId: subscription.organizationId,
      action: 'subscription.change_requested',
      entityType: 'subscription',
      entityId: subscription.id,
      oldValues: { plan: current.key },
      newValues: {
        plan: plan.key,
        kind: result.kind,
        effectiveAt: 'effectiveAt' in result ? (result.effectiveAt?.toISOString() ?? null) : 'now',
      },
    }),
  );
  return result;
}

/** A downgrade waits for the paid period to end: phase 1 keeps the current price, phase 2 the new one. */
async function scheduleDowngrade(
  stripe: Stripe,
  sub: Stripe.Subscription,
  item: Stripe.SubscriptionItem,
  plan: PlanRow,
): Promise<void> {
  const scheduleId =
    idOf(sub.schedule ?? null) ??
    (
      await callStripe('schedule the change', () =>
        stripe.subscriptionSchedules.create({ from_subscription: sub.id }),
      )
    ).id;
  const schedule = await callStripe('read the schedule', () =>
    stripe.subscriptionSchedules.retrieve(scheduleId),
  );
  const { start, end } = periodOf(sub);
  const phaseStart = schedule.phases[0]?.start_date ?? Math.floor((start?.getTime() ?? Date.now()) / 1000);
  const periodEnd = Math.floor((end?.getTime() ?? Date.now()) / 1000);
  const interval = plan.billingInterval === 'YEARLY' ? 'year' : 'month';
  await callStripe('schedule the change', () =>
    stripe.subscriptionSchedules.update(scheduleId, {
      end_behavior: 'release',
      proration_behavior: 'none',
      phases: [
        {
          items: [{ price: idOf(item.price) as string, quantity: item.quantity ?? 1 }],
          start_date: phaseStart,
          end_date: periodEnd,
        },
        {
          items: [{ price: plan.stripePriceId as string, quantity: item.quantity ?? 1 }],
          duration: { interval, interval_count: 1 },
        },
      ],
    }),
  );
}

/** Drops a pending scheduled change (an upgrade, cancel or resume replaces it). */
async function releaseSchedule(stripe: Stripe, sub: Stripe.Subscription): Promise<void> {
  const scheduleId = idOf(sub.schedule ?? null);
  if (scheduleId)
    await callStripe('drop the scheduled change', () => stripe.subscriptionSchedules.release(scheduleId));
}

async function liveSubscriptionFor(db: Database, actor: Actor, organizationId: string) {
  await authorize(db, actor, organizationId, 'billing:change-plan');
  const state = await loadState(db, organizationId);
  if (!hasLiveSubscription(state.subscription))
    throw new Conflict(`The ${state.plan.name} plan has no Stripe subscription to change.`);
  return state;
}

/** Cancel at period end (Stripe mode): the subscription stays active until then. */
export async function requestStripeCancel(
  db: Database,
  stripe: Stripe,
  actor: Actor,
  organizationId: string,
): Promise<{ effectiveAt: Date | null }> {
  const { subscription, plan } = await liveSubscriptionFor(db, actor, organizationId);
  if (subscription.cancelAtPeriodEnd)
    throw new Conflict('The subscription is already set to end with its current period.');
  const id = subscription.stripeSubscriptionId as string;
  const sub = await callStripe('read the subscription', () => stripe.subscriptions.retrieve(id));
  await releaseSchedule(stripe, sub);
  const updated = await callStripe('cancel the subscription', () =>
    stripe.subscriptions.update(id, { cancel_at_period_end: true }),
  );
  const effectiveAt = periodOf(updated).end;
  await db.transaction((tx) =>
    recordAudit(tx, actor, {
      organizationId,
      action: 'subscription.cancel_requested',
      entityType: 'subscription',
      entityId: subscription.id,
      oldValues: { plan: plan.key, cancelAtPeriodEnd: false },
      newValues: { plan: plan.key, cancelAtPeriodEnd: true, effectiveAt: effectiveAt?.toISOString() ?? null },
    }),
  );
  return { effectiveAt };
}

/** Resume (Stripe mode): undo a cancellation at period end while the period lasts. */
export async function requestStripeResume(
  db: Database,
  stripe: Stripe,
  actor: Actor,
  organizationId: string,
): Promise<void> {
  const { subscription, plan } = await liveSubscriptionFor(db, actor, organizationId);
  if (!subscription.cancelAtPeriodEnd) throw new Conflict('The subscription is not set to cancel.');
  const id = subscription.stripeSubscriptionId as string;
  await callStripe('resume the subscription', () =>
    stripe.subscriptions.update(id, { cancel_at_period_end: false }),
  );
  await db.transaction((tx) =>
    recordAudit(tx, actor, {
      organizationId,
      action: 'subscription.resume_requested',
      entityType: 'subscription',
      entityId: subscription.id,
      oldValues: { plan: plan.key, cancelAtPeriodEnd: true },
      newValues: { plan: plan.key, cancelAtPeriodEnd: false },
    }),
  );
}

/** A Customer Portal session for payment methods and invoices (OWNER, ADMIN, BILLING). */
export async function openBillingPortal(
  db: Database,
  stripe: Stripe,
  actor: Actor,
  organizationId: string,
  returnUrl: string,
): Promise<{ url: string }> {
  await authorize(db, actor, organizationId, 'billing:portal');
  const { subscription } = await loadState(db, organizationId);
  if (!subscription.stripeCustomerId)
    throw new Conflict('There are no payment methods yet: they are added when a paid plan is bought.');
  const customer = subscription.stripeCustomerId;
  const session = await callStripe('open the billing portal', () =>
    stripe.billingPortal.sessions.create({ customer, return_url: returnUrl }),
  );
  return { url: session.url };
}

/**
 * Organization deletion, step one: end the Stripe subscription, so nobody is billed for an organization
 * that no longer exists. Refused by Stripe → UpstreamFailed, and the caller deletes nothing.
 */
export async function cancelStripeSubscriptionForDeletion(
  stripe: Stripe | null,
  subscription: Pick<SubscriptionRow, 'stripeSubscriptionId' | 'status'>,
): Promise<string | null> {
  const id = subscription.stripeSubscriptionId;
  if (!id || ENDED_STATUSES.has(subscription.status as never)) return null;
  if (!stripe)
    throw new Conflict(
      'The organization has a Stripe subscription, but Stripe is not configured here: nothing was deleted.',
    );
  try {
    await stripe.subscriptions.cancel(id, { prorate: true });
  } catch (err) {
    // Already gone at Stripe: nothing left to bill.
    if ((err as { code?: string }).code === 'resource_missing') return id;
    const message = err instanceof Error ? err.message : String(err);
    throw new UpstreamFailed(
      `Stripe refused to cancel the subscription (${message}); nothing was deleted. Try again, or cancel it in Stripe first.`,
    );
  }
  return id;
}
