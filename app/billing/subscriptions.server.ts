// The organization's subscription (SPEC §4 Billing, §6 "Subscriptions", "Plans"): the billing overview,
// and — in local billing mode only — plan changes, cancellation at period end and resumption. Each write
// locks the organization row first (authorize with lock), checks the matrix, and audits in the same
// transaction. A row with a stripe_subscription_id changes only through Stripe webhooks.
import { and, desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { type Actor, recordAudit } from '~/audit/audit.server';
import { env } from '~/env.server';
import { Conflict, ValidationFailed } from '~/lib/errors';
import { AVAILABLE_MODULES, isModuleKey } from '~/modules/catalog';
import { authorize } from '~/orgs/access.server';
import { assertMembersFit, countEnabledModules, countSeats } from '~/orgs/limits.server';
import { apiCallAllowance } from '~/usage/usage.server';
import type { Database } from '~db/client.server';
import { organizationModules, plans, subscriptions } from '~db/schema';
import { isPaidPlan, type PlanLimits } from './plans';
import { listPublicPlans, type PublicPlan } from './plans.server';
import { scheduledChangeOf } from './stripe-objects';

export const STRIPE_MANAGED_MESSAGE = 'Plan changes go through Stripe Checkout.';

/** Stripe mode: a configured Stripe key, or a subscription Stripe owns. */
export function stripeConfigured(): boolean {
  return Boolean(env().STRIPE_SECRET_KEY);
}

type PlanRow = typeof plans.$inferSelect;
type SubscriptionRow = typeof subscriptions.$inferSelect;

export { isPaidPlan };

async function currentSubscription(
  tx: Database,
  organizationId: string,
): Promise<{ subscription: SubscriptionRow; plan: PlanRow }> {
  const [row] = await tx
    .select({ subscription: subscriptions, plan: plans })
    .from(subscriptions)
    .innerJoin(plans, eq(plans.id, subscriptions.planId))
    .where(eq(subscriptions.organizationId, organizationId));
  // Every organization gets a subscription when it is created (SPEC §6).
  if (!row) throw new Conflict('This organization has no subscription. Contact support.');
  return row;
}

function assertLocallyManaged(subscription: SubscriptionRow, message = STRIPE_MANAGED_MESSAGE): void {
  if (subscription.stripeSubscriptionId || stripeConfigured()) throw new Conflict(message);
}

export interface UsageLine {
  used: number;
  /** null = unlimited */
  limit: number | null;
}

export interface BillingOverview {
  plan: { key: string; name: string; price: number; currency: string; billingInterval: string; tier: string };
  paid: boolean;
  status: string;
  currentPeriodStart: Date;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  canceledAt: Date | null;
  /** Changes go through Stripe (a Stripe subscription, or Stripe configured). */
  stripeManaged: boolean;
  /** Which billing mode this installation runs: Stripe (a secret key is set) or local. */
  mode: 'stripe' | 'local';
  /** The organization has a Stripe customer (the portal can open). */
  hasStripeCustomer: boolean;
  /** A live Stripe subscription is attached. */
  hasStripeSubscription: boolean;
  trialEnd: Date | null;
  /** The organization has not had its one trial yet. */
  trialUnused: boolean;
  /** A downgrade Stripe will apply at the period end. */
  scheduledChange: { planKey: string; planName: string; effectiveAt: string } | null;
  usage: {
    members: UsageLine & { members: number; pending: number };
    modules: UsageLine;
    apiCalls: UsageLine;
  };
  plans: PublicPlan[];
}

export async function getBillingOverview(
  db: Database,
  actor: Actor,
  organizationId: string,
): Promise<BillingOverview> {
  await authorize(db, actor, organizationId, 'billing:view');
  const { subscription, plan } = await currentSubscription(db, organizationId);
  const limits = plan.limits as PlanLimits;
  const seats = await countSeats(db, organizationId);
  const modules = await countEnabledModules(db, organizationId);
  const api = await apiCallAllowance(db, organizationId);
  return {
    plan: {
      key: plan.key,
      name: plan.name,
      price: plan.price,
      currency: plan.currency,
      billingInterval: plan.billingInterval,
      tier: plan.tier,
    },
    paid: isPaidPlan(plan),
    status: subscription.status,
    currentPeriodStart: subscription.currentPeriodStart,
    currentPeriodEnd: subscription.currentPeriodEnd,
    cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
    canceledAt: subscription.canceledAt,
    stripeManaged: Boolean(subscription.stripeSubscriptionId) || stripeConfigured(),
    mode: stripeConfigured() ? 'stripe' : 'local',
    hasStripeCustomer: Boolean(subscription.stripeCustomerId),
    hasStripeSubscription: Boolean(subscription.stripeSubscriptionId),
    trialEnd: subscription.status === 'TRIALING' ? subscription.trialEnd : null,
    trialUnused: !subscription.trialStart,
    scheduledChange: scheduledChangeOf(subscription.metadata),
    usage: {
      members: {
        used: seats.members + seats.pending,
        members: seats.members,
        pending: seats.pending,
        limit: limits.members,
      },
      modules: { used: modules, limit: limits.modules },
      apiCalls: { used: api.used, limit: api.limit },
    },
    plans: await listPublicPlans(db),
  };
}

/**
 * Disables enabled modules beyond `limit`, most recently enabled first (SPEC §6). The caller holds the
 * organization row lock and is inside the transaction that changes the plan.
 */
export async function disableModulesAbove(
  tx: Database,
  actor: Actor,
  organizationId: string,
  limit: number | null,
  reason: string,
): Promise<string[]> {
  if (limit === null) return [];
  const enabled = await tx
    .select({ id: organizationModules.id, moduleKey: organizationModules.moduleKey })
    .from(organizationModules)
    .where(
      and(eq(organizationModules.organizationId, organizationId), eq(organizationModules.isEnabled, true)),
    )
    .orderBy(desc(organizationModules.enabledAt), desc(organizationModules.id));
  const excess = enabled.length - limit;
  if (excess <= 0) return [];
  const toDisable = enabled.slice(0, excess);
  for (const m of toDisable) {
    await tx
      .update(organizationModules)
      .set({ isEnabled: false, disabledAt: sql`now()`, disabledBy: actor.userId })
      .where(eq(organizationModules.id, m.id));
    await recordAudit(tx, actor, {
      organizationId,
      action: 'module.disabled',
      entityType: 'organization_module',
      entityId: m.id,
      oldValues: { moduleKey: m.moduleKey, isEnabled: true },
      newValues: { moduleKey: m.moduleKey, isEnabled: false },
      metadata: { reason },
    });
  }
  return toDisable.map((m) => m.moduleKey);
}

/** An active, not deleted plan by key: what a plan change may move to. */
export async function offeredPlan(tx: Database, planKey: string): Promise<PlanRow> {
  const [plan] = await tx
    .select()
    .from(plans)
    .where(and(eq(plans.key, planKey), eq(plans.isActive, true), sql`${plans.deletedAt} IS NULL`));
  if (!plan) throw new ValidationFailed('Unknown plan.', { planKey: ['Unknown plan'] });
  return plan;
}

export const changePlanSchema = z.object({
  planKey: z
    .string({ required_error: 'Choose a plan' })
    .trim()
    .min(1, 'Choose a plan')
    .max(100, 'Unknown plan'),
});

export function moduleName(key: string): string {
  return isModuleKey(key) ? AVAILABLE_MODULES[key].name : key;
}

/** Local billing mode: switches the plan at once (SPEC §6 "Subscriptions"). */
export async function changePlan(db: Database, actor: Actor, organizationId: string, planKey: string) {
  const { planKey: key } = changePlanSchema.parse({ planKey });
  return db.transaction(async (tx) => {
    await authorize(tx, actor, organizationId, 'billing:change-plan', { lock: true });
    const { subscription, plan: oldPlan } = await currentSubscription(tx, organizationId);
    assertLocallyManaged(subscription);
    const newPlan = await offeredPlan(tx, key);
    if (newPlan.id === oldPlan.id && subscription.status === 'ACTIVE') {
      throw new Conflict(
        subscription.cancelAtPeriodEnd
          ? `The organization is already on the ${newPlan.name} plan; resume the subscription to keep it.`
          : `The organization is already on the ${newPlan.name} plan.`,
      );
    }
    const limits = newPlan.limits as PlanLimits;
    const seats = await countSeats(tx, organizationId);
    assertMembersFit(
      newPlan as { name: string; limits: PlanLimits },
      { ...seats, total: seats.members + seats.pending },
      'reduce',
    );
    const disabledModules = await disableModulesAbove(
      tx,
      actor,
      organizationId,
      limits.modules,
      'plan_changed',
    );
    const paid = isPaidPlan(newPlan);
    const interval = newPlan.billingInterval === 'YEARLY' ? sql`interval '1 year'` : sql`interval '1 month'`;
    const [updated] = await tx
      .update(subscriptions)
      .set({
        planId: newPlan.id,
        status: 'ACTIVE',
        currentPeriodStart: sql`now()`,
        currentPeriodEnd: paid ? sql`now() + ${interval}` : null,
        cancelAtPeriodEnd: false,
        canceledAt: null,
      })
      .where(eq(subscriptions.id, subscription.id))
      .returning();
    await recordAudit(tx, actor, {
      organizationId,
      action: 'subscription.plan_changed',
      entityType: 'subscription',
      entityId: subscription.id,
      oldValues: {
        plan: oldPlan.key,
        status: subscription.status,
        currentPeriodEnd: subscription.currentPeriodEnd?.toISOString() ?? null,
        cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
      },
      newValues: {
        plan: newPlan.key,
        status: 'ACTIVE',
        currentPeriodEnd: updated!.currentPeriodEnd?.toISOString() ?? null,
        cancelAtPeriodEnd: false,
      },
      metadata: disabledModules.length ? { disabledModules } : null,
    });
    return { subscription: updated!, plan: newPlan, previousPlan: oldPlan, disabledModules };
  });
}

/** Cancels a paid subscription at the end of its period: it stays ACTIVE until then. */
export async function cancelSubscription(db: Database, actor: Actor, organizationId: string) {
  return db.transaction(async (tx) => {
    await authorize(tx, actor, organizationId, 'billing:change-plan', { lock: true });
    const { subscription, plan } = await currentSubscription(tx, organizationId);
    assertLocallyManaged(subscription, 'This subscription is managed through Stripe.');
    if (!isPaidPlan(plan)) throw new Conflict(`The ${plan.name} plan has nothing to cancel.`);
    if (subscription.status !== 'ACTIVE' && subscription.status !== 'TRIALING') {
      throw new Conflict('The subscription is not active.');
    }
    if (subscription.cancelAtPeriodEnd) {
      throw new Conflict('The subscription is already set to end with its current period.');
    }
    const [updated] = await tx
      .update(subscriptions)
      .set({ cancelAtPeriodEnd: true, canceledAt: sql`now()` })
      .where(eq(subscriptions.id, subscription.id))
      .returning();
    await recordAudit(tx, actor, {
      organizationId,
      action: 'subscription.canceled',
      entityType: 'subscription',
      entityId: subscription.id,
      oldValues: { plan: plan.key, cancelAtPeriodEnd: false },
      newValues: {
        plan: plan.key,
        cancelAtPeriodEnd: true,
        currentPeriodEnd: updated!.currentPeriodEnd?.toISOString() ?? null,
      },
    });
    return { subscription: updated!, plan };
  });
}

/** Undoes a cancellation at period end while the period lasts. */
export async function resumeSubscription(db: Database, actor: Actor, organizationId: string) {
  return db.transaction(async (tx) => {
    await authorize(tx, actor, organizationId, 'billing:change-plan', { lock: true });
    const { subscription, plan } = await currentSubscription(tx, organizationId);
    assertLocallyManaged(subscription, 'This subscription is managed through Stripe.');
    if (!subscription.cancelAtPeriodEnd) throw new Conflict('The subscription is not set to cancel.');
    if (subscription.status !== 'ACTIVE' && subscription.status !== 'TRIALING') {
      throw new Conflict('The subscription has ended; choose a plan instead.');
    }
    const [updated] = await tx
      .update(subscriptions)
      .set({ cancelAtPeriodEnd: false, canceledAt: null })
      .where(eq(subscriptions.id, subscription.id))
      .returning();
    await recordAudit(tx, actor, {
      organizationId,
      action: 'subscription.resumed',
      entityType: 'subscription',
      entityId: subscription.id,
      oldValues: { plan: plan.key, cancelAtPeriodEnd: true },
      newValues: { plan: plan.key, cancelAtPeriodEnd: false },
    });
    return { subscription: updated!, plan };
  });
}
