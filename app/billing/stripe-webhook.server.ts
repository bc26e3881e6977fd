// Stripe webhooks (issue 10 §6, SPEC §6 "Subscriptions"): verified, idempotent, ordered, all-or-nothing.
//
// - Verified: the signature is checked on the raw body (constructEvent, 300 s tolerance) before anything
//   is read or written.
// - Idempotent: each event claims its ledger row (webhook_events, unique per provider + event id) in the
//   same transaction as its effect. A delivery that finds the row processed changes nothing; twenty
//   concurrent deliveries queue on the row and nineteen find it processed.
// - Ordered: a subscription event is applied only if its `created` is not older than the last applied
//   one (subscriptions.stripe_event_created_at), and what is applied is the subscription as Stripe has it
//   now (re-fetched), never the event's snapshot: `updated` before `created` converges on the same row.
// - All-or-nothing: a failure rolls the effect back and the route answers 500, so Stripe retries. The
//   failure itself is then noted on the ledger row (outcome FAILED, error), which stays unprocessed.
import { and, eq, isNull, or, sql } from 'drizzle-orm';
import type Stripe from 'stripe';
import { z } from 'zod';
import { type Actor, recordAudit, systemActor } from '~/audit/audit.server';
import { deliverSoon, queueEmail } from '~/email/outbox.server';
import { billingContacts, billingPageUrl } from '~/invoicing/notify.server';
import { applyCardCheckout } from '~/invoicing/pay-link.server';
import {
  mirrorStripeInvoice,
  recordChargeRefund,
  recordStripeInvoicePayment,
} from '~/invoicing/stripe-mirror.server';
import { ValidationFailed } from '~/lib/errors';
import { lockOrganization } from '~/orgs/access.server';
import {
  applyStoreCheckout,
  applyStorePaymentIntent,
  isStoreOrderPayment,
} from '~/store/order-payments.server';
import { reconcileOrderRefund } from '~/store/refunds.server';
import type { Database } from '~db/client.server';
import { organizations, plans, subscriptions } from '~db/schema';
import { formatMoney, type PlanLimits } from './plans';
import {
  canceledAtOf,
  cancelsAtPeriodEnd,
  ENDED_STATUSES,
  idOf,
  invoiceSubscriptionId,
  nextPhaseOf,
  periodOf,
  priceIdOf,
  subscriptionStatusOf,
  trialOf,
} from './stripe-objects';
import { planForPrice } from './stripe-plans.server';
import { disableModulesAbove } from './subscriptions.server';
import {
  claimWebhookEvent,
  finishWebhookEvent,
  type LedgerEvent,
  recordWebhookFailure,
} from './webhook-ledger.server';

export const WEBHOOK_TOLERANCE_SECONDS = 300;

export type Outcome = 'APPLIED' | 'IGNORED' | 'STALE';

export interface WebhookResult {
  eventId: string;
  type: string;
  /** A delivery of an event already processed: nothing was done. */
  duplicate: boolean;
  outcome: Outcome | null;
  note: string | null;
}

const eventShape = z.object({
  id: z.string().min(1).max(255),
  object: z.literal('event'),
  type: z.string().min(1).max(255),
  created: z.number().int().positive(),
  data: z.object({ object: z.record(z.unknown()) }),
});

/**
 * The event of a delivery, or a 400 (ValidationFailed) for a missing or bad signature, an old timestamp,
 * or a body that is not a Stripe event. Nothing is written before this passes.
 */
export function verifyStripeEvent(
  stripe: Stripe,
  rawBody: string,
  signature: string | null,
  secret: string,
  nowSeconds?: number,
): Stripe.Event {
  if (!signature) throw new ValidationFailed('The Stripe-Signature header is missing.');
  let event: Stripe.Event;
  try {
    // constructEvent checks the HMAC over the exact bytes and the timestamp's age, then parses the JSON.
    event = stripe.webhooks.constructEvent(
      rawBody,
      signature,
      secret,
      WEBHOOK_TOLERANCE_SECONDS,
      undefined,
      nowSeconds,
    );
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : 'invalid';
    throw new ValidationFailed(`The webhook signature could not be verified: ${why}`);
  }
  if (!eventShape.safeParse(event).success) throw new ValidationFailed('The body is not a Stripe event.');
  return event;
}

/** What is fetched from Stripe before the transaction (no HTTP call holds a row lock). */
interface Prefetched {
  subscription: Stripe.Subscription | null;
  /** The subscription's schedule's next phase (a scheduled downgrade). */
  nextPhase: { priceId: string; startsAt: Date } | null;
}

const SUBSCRIPTION_EVENTS = new Set([
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'customer.subscription.paused',
  'customer.subscription.resumed',
]);

function subscriptionIdOfEvent(event: Stripe.Event): string | null {
  const object = event.data.object as { id?: string; subscription?: string | { id: string } | null };
  if (SUBSCRIPTION_EVENTS.has(event.type)) return object.id ?? null;
  if (event.type === 'checkout.session.completed') return idOf(object.subscription ?? null);
  return null;
}

/** The event types this handler acts on (Stripe's webhook endpoint should subscribe to exactly these). */
export const HANDLED = new Set([
  ...SUBSCRIPTION_EVENTS,
  'checkout.session.completed',
  'checkout.session.expired',
  'customer.subscription.trial_will_end',
  'invoice.finalized',
  'invoice.paid',
  'invoice.payment_failed',
  'charge.refunded',
  'payment_intent.succeeded',
]);

const isMissing = (err: unknown) => (err as { code?: string })?.code === 'resource_missing';

async function prefetch(stripe: Stripe, event: Stripe.Event): Promise<Prefetched> {
  const id = subscriptionIdOfEvent(event);
  if (!id) return { subscription: null, nextPhase: null };
  let subscription: Stripe.Subscription;
  try {
    subscription = await stripe.subscriptions.retrieve(id);
  } catch (err) {
    // A subscription Stripe does not know: recorded as such below. Anything else: retry later (500).
    if (isMissing(err)) return { subscription: null, nextPhase: null };
    throw err;
  }
  const scheduleId = idOf(subscription.schedule ?? null);
  const schedule = scheduleId ? await stripe.subscriptionSchedules.retrieve(scheduleId) : null;
  return { subscription, nextPhase: nextPhaseOf(schedule, event.created) };
}

interface Effect {
  outcome: Outcome;
  note: string | null;
  emailIds: string[];
}

const applied = (note: string | null = null, emailIds: string[] = []): Effect => ({
  outcome: 'APPLIED',
  note,
  emailIds,
});
const ignored = (note: string): Effect => ({ outcome: 'IGNORED', note, emailIds: [] });

/** Verifies nothing: takes a verified event, applies it once, in order. Throws (→ 500) to be retried. */
export async function processStripeEvent(
  db: Database,
  stripe: Stripe,
  event: Stripe.Event,
): Promise<WebhookResult> {
  const base = { eventId: event.id, type: event.type };
  const entry: LedgerEvent = {
    provider: 'stripe',
    eventId: event.id,
    type: event.type,
    payload: event,
    createdAt: new Date(event.created * 1000),
  };
  try {
    const pre = await prefetch(stripe, event);
    const result = await db.transaction(async (tx) => {
      const claimed = await claimWebhookEvent(tx, entry);
      if (!claimed) return { ...base, duplicate: true, outcome: null, note: null, emailIds: [] };
      const effect = await applyEvent(tx, stripe, event, pre);
      await finishWebhookEvent(tx, claimed, effect.outcome, effect.note);
      return { ...base, duplicate: false, ...effect };
    });
    // Events we do not subscribe to (customer.created, …) are expected; an ignored handled one is not.
    if (result.outcome === 'IGNORED' && HANDLED.has(event.type))
      console.warn(`[stripe] ${event.type} ${event.id}: ${result.note}`);
    deliverSoon(db, result.emailIds);
    const { emailIds: _sent, ...answer } = result;
    return answer;
  } catch (err) {
    await recordWebhookFailure(db, entry, err);
    throw err;
  }
}

async function applyEvent(tx: Database, stripe: Stripe, event: Stripe.Event, pre: Prefetched) {
  switch (event.type) {
    case 'checkout.session.completed':
      if (isStoreOrderPayment(event.data.object))
        return storeEffect(applyStoreCheckout(tx, event.data.object as Stripe.Checkout.Session, true));
      if ((event.data.object as Stripe.Checkout.Session).mode === 'payment')
        return cardCheckout(tx, event, true);
      return checkoutCompleted(tx, stripe, event, pre);
    case 'checkout.session.expired':
      if (isStoreOrderPayment(event.data.object))
        return storeEffect(applyStoreCheckout(tx, event.data.object as Stripe.Checkout.Session, false));
      if ((event.data.object as Stripe.Checkout.Session).mode === 'payment')
        return cardCheckout(tx, event, false);
      return ignored('An expired subscription Checkout changes nothing.');
    case 'customer.subscription.created':
    case 'customer.subscription.updated':
    case 'customer.subscription.deleted':
    case 'customer.subscription.paused':
    case 'customer.subscription.resumed':
      if (!pre.subscription) return ignored(`Stripe does not know the subscription of ${event.type}.`);
      return applySubscription(tx, event, pre);
    case 'customer.subscription.trial_will_end':
      return trialWillEnd(tx, event);
    case 'invoice.finalized':
    case 'invoice.paid':
    case 'invoice.payment_failed':
      return invoiceEvent(tx, event);
    case 'charge.refunded':
      return chargeRefunded(tx, event);
    case 'payment_intent.succeeded':
      if (isStoreOrderPayment(event.data.object))
        return storeEffect(applyStorePaymentIntent(tx, event.data.object as Stripe.PaymentIntent));
      return ignored('A payment of an invoice is applied by its checkout.session.completed.');
    default:
      return ignored(`No handler for ${event.type}; recorded only.`);
  }
}

type SubscriptionRow = typeof subscriptions.$inferSelect;
type PlanRow = typeof plans.$inferSelect;

/** The subscription row of a Stripe customer, with the organization row locked first (as every writer). */
async function lockedRowFor(
  tx: Database,
  match: { subscriptionId?: string | null; customerId?: string | null; organizationId?: string | null },
): Promise<{ row: SubscriptionRow; plan: PlanRow } | null> {
  const conditions = [
    match.subscriptionId ? eq(subscriptions.stripeSubscriptionId, match.subscriptionId) : undefined,
    match.customerId ? eq(subscriptions.stripeCustomerId, match.customerId) : undefined,
    // Checkout's client_reference_id / our metadata: only for a row that has no customer yet.
    match.organizationId
      ? and(eq(subscriptions.organizationId, match.organizationId), isNull(subscriptions.stripeCustomerId))
      : undefined,
  ].filter((c) => c !== undefined);
  if (conditions.length === 0) return null;
  const [found] = await tx
    .select({ organizationId: subscriptions.organizationId })
    .from(subscriptions)
    .where(or(...conditions))
    .orderBy(
      sql`(${subscriptions.stripeSubscriptionId} IS NOT DISTINCT FROM ${match.subscriptionId ?? null}) DESC`,
    )
    .limit(1);
  if (!found) return null;
  // Lock order: organization, then subscription (plan limits are checked under the organization lock).
  await lockOrganization(tx, found.organizationId);
  const [locked] = await tx
    .select({ row: subscriptions, plan: plans })
    .from(subscriptions)
    .innerJoin(plans, eq(plans.id, subscriptions.planId))
    .where(eq(subscriptions.organizationId, found.organizationId))
    .for('update', { of: subscriptions });
  return locked ?? null;
}

const snapshot = (row: SubscriptionRow, plan: Pick<PlanRow, 'key'>) => ({
  plan: plan.key,
  status: row.status,
  stripeSubscriptionId: row.stripeSubscriptionId,
  currentPeriodEnd: row.currentPeriodEnd?.toISOString() ?? null,
  cancelAtPeriodEnd: row.cancelAtPeriodEnd,
});

type Metadata = Record<string, unknown>;
const metadataOf = (row: SubscriptionRow): Metadata =>
  row.metadata && typeof row.metadata === 'object' ? { ...(row.metadata as Metadata) } : {};

async function applySubscription(tx: Database, event: Stripe.Event, pre: Prefetched): Promise<Effect> {
  const sub = pre.subscription as Stripe.Subscription;
  const customerId = idOf(sub.customer);
  const found = await lockedRowFor(tx, {
    subscriptionId: sub.id,
    customerId,
    organizationId: sub.metadata?.organization_id ?? null,
  });
  if (!found)
    return ignored(`No organization has the Stripe customer ${customerId} or subscription ${sub.id}.`);
  const { row, plan: oldPlan } = found;
  const eventAt = new Date(event.created * 1000);
  if (row.stripeEventCreatedAt && eventAt < row.stripeEventCreatedAt) {
    return { outcome: 'STALE', note: 'A newer event was applied already.', emailIds: [] };
  }
  const status = subscriptionStatusOf(sub);
  if (!status) return ignored(`Unknown subscription status "${sub.status}".`);
  const stamp = async () => {
    await tx.update(subscriptions).set({ stripeEventCreatedAt: eventAt }).where(eq(subscriptions.id, row.id));
  };

  if (row.stripeSubscriptionId && row.stripeSubscriptionId !== sub.id) {
    if (ENDED_STATUSES.has(status)) return ignored(`An earlier subscription ${sub.id} ended; nothing to do.`);
    // Two live subscriptions for one organization: never merge them silently.
    console.error(
      `[stripe] organization ${row.organizationId} already has subscription ${row.stripeSubscriptionId}; ${sub.id} is a second one`,
    );
    return ignored(
      `The organization already has the Stripe subscription ${row.stripeSubscriptionId}; ${sub.id} was not attached.`,
    );
  }

  if (ENDED_STATUSES.has(status)) {
    if (!row.stripeSubscriptionId) {
      await stamp();
      return ignored(`The subscription ${sub.id} is ${status} and was not attached; nothing to end.`);
    }
    return endToFree(tx, row, oldPlan, sub, eventAt);
  }
  if (status === 'INCOMPLETE') {
    await stamp();
    return ignored(
      `The subscription ${sub.id} waits for its first payment; the plan changes once it is paid.`,
    );
  }

  const priceId = priceIdOf(sub);
  const plan = await planForPrice(tx, priceId);
  if (!plan) {
    console.error(`[stripe] unknown price ${priceId} on subscription ${sub.id}: no plan has it`);
    return ignored(
      `Unknown Stripe price ${priceId}: no plan has it (run npm run stripe:sync or set plans.stripe_price_id). Refused.`,
    );
  }
  const scheduledPlan = pre.nextPhase ? await planForPrice(tx, pre.nextPhase.priceId) : null;
  const metadata = metadataOf(row);
  if (scheduledPlan && pre.nextPhase)
    metadata.scheduledChange = {
      planKey: scheduledPlan.key,
      planName: scheduledPlan.name,
      effectiveAt: pre.nextPhase.startsAt.toISOString(),
    };
  else delete metadata.scheduledChange;

  const period = periodOf(sub);
  const trial = trialOf(sub);
  const [updated] = await tx
    .update(subscriptions)
    .set({
      planId: plan.id,
      status,
      currentPeriodStart: period.start ?? row.currentPeriodStart,
      currentPeriodEnd: period.end,
      cancelAtPeriodEnd: cancelsAtPeriodEnd(sub),
      canceledAt: canceledAtOf(sub),
      // A trial once taken stays on record: one trial per organization ever.
      trialStart: trial.start ?? row.trialStart,
      trialEnd: trial.end ?? row.trialEnd,
      stripeSubscriptionId: sub.id,
      stripeCustomerId: row.stripeCustomerId ?? customerId,
      quantity: Math.max(1, sub.items?.data?.[0]?.quantity ?? 1),
      stripeEventCreatedAt: eventAt,
      metadata,
    })
    .where(eq(subscriptions.id, row.id))
    .returning();
  const actor: Actor = systemActor;
  const disabledModules =
    plan.id !== oldPlan.id
      ? await disableModulesAbove(
          tx,
          actor,
          row.organizationId,
          (plan.limits as PlanLimits).modules,
          'plan_changed',
        )
      : [];
  const action = !row.stripeSubscriptionId
    ? 'subscription.started'
    : plan.id !== oldPlan.id
      ? 'subscription.plan_changed'
      : 'subscription.updated';
  await recordAudit(tx, actor, {
    organizationId: row.organizationId,
    action,
    entityType: 'subscription',
    entityId: row.id,
    oldValues: snapshot(row, oldPlan),
    newValues: snapshot(updated as SubscriptionRow, plan),
    metadata: {
      source: 'stripe',
      eventId: event.id,
      eventType: event.type,
      ...(disabledModules.length ? { disabledModules } : {}),
    },
  });
  return applied();
}

/** SPEC §6: the same row switches to free, keeps the customer, and modules above the free limit go. */
async function endToFree(
  tx: Database,
  row: SubscriptionRow,
  oldPlan: PlanRow,
  sub: Stripe.Subscription,
  eventAt: Date,
): Promise<Effect> {
  const [free] = await tx
    .select()
    .from(plans)
    .where(and(eq(plans.key, 'free'), isNull(plans.deletedAt)));
  if (!free) throw new Error('The free plan is missing: cannot end a subscription.');
  const metadata = metadataOf(row);
  delete metadata.scheduledChange;
  const [updated] = await tx
    .update(subscriptions)
    .set({
      planId: free.id,
      status: 'ACTIVE',
      currentPeriodStart: sql`now()`,
      currentPeriodEnd: null,
      cancelAtPeriodEnd: false,
      canceledAt: canceledAtOf(sub) ?? sql`now()`,
      stripeSubscriptionId: null,
      stripeEventCreatedAt: eventAt,
      metadata,
    })
    .where(eq(subscriptions.id, row.id))
    .returning();
  const disabledModules = await disableModulesAbove(
    tx,
    systemActor,
    row.organizationId,
    (free.limits as PlanLimits).modules,
    'subscription_ended',
  );
  await recordAudit(tx, systemActor, {
    organizationId: row.organizationId,
    action: 'subscription.ended',
    entityType: 'subscription',
    entityId: row.id,
    oldValues: snapshot(row, oldPlan),
    newValues: snapshot(updated as SubscriptionRow, free),
    metadata: {
      source: 'stripe',
      stripeSubscriptionId: sub.id,
      stripeStatus: sub.status,
      ...(disabledModules.length ? { disabledModules } : {}),
    },
  });
  return applied();
}

async function checkoutCompleted(
  tx: Database,
  stripe: Stripe,
  event: Stripe.Event,
  pre: Prefetched,
): Promise<Effect> {
  const session = event.data.object as Stripe.Checkout.Session;
  if (session.mode !== 'subscription') return ignored(`A ${session.mode} Checkout is not a plan purchase.`);
  const organizationId = session.client_reference_id ?? null;
  const customerId = idOf(session.customer);
  const subscriptionId = idOf(session.subscription);
  if (organizationId) {
    const [organization] = await tx
      .select({ id: organizations.id })
      .from(organizations)
      .where(eq(organizations.id, organizationId));
    if (!organization) {
      // Deleted while its owner was paying: end what Stripe started, so nobody is billed for nothing.
      if (subscriptionId && pre.subscription && !ENDED_STATUSES.has(subscriptionStatusOf(pre.subscription)!))
        await stripe.subscriptions.cancel(subscriptionId, { prorate: true, invoice_now: false });
      console.error(
        `[stripe] Checkout ${session.id} completed for the deleted organization ${organizationId}`,
      );
      return ignored(
        `The organization ${organizationId} no longer exists; its Stripe subscription ${subscriptionId} was canceled.`,
      );
    }
  }
  const found = await lockedRowFor(tx, { customerId, organizationId, subscriptionId });
  if (!found) return ignored(`No organization has the Stripe customer ${customerId}.`);
  if (found.row.stripeCustomerId && customerId && found.row.stripeCustomerId !== customerId)
    return ignored(
      `The organization's Stripe customer is ${found.row.stripeCustomerId}, not ${customerId}; not attached.`,
    );
  if (!found.row.stripeCustomerId && customerId)
    await tx
      .update(subscriptions)
      .set({ stripeCustomerId: customerId })
      .where(eq(subscriptions.id, found.row.id));
  if (!pre.subscription) return applied('Customer attached; Checkout created no subscription.');
  return applySubscription(tx, event, pre);
}

async function organizationOfCustomer(tx: Database, customerId: string | null) {
  if (!customerId) return null;
  const [row] = await tx
    .select({
      id: subscriptions.id,
      organizationId: subscriptions.organizationId,
      slug: organizations.slug,
      trialEnd: subscriptions.trialEnd,
      trialReminderSentAt: subscriptions.trialReminderSentAt,
    })
    .from(subscriptions)
    .innerJoin(organizations, eq(organizations.id, subscriptions.organizationId))
    .where(eq(subscriptions.stripeCustomerId, customerId));
  return row ?? null;
}

/** A store order's payment (app/store/order-payments.server.ts). */
async function storeEffect(
  result: Promise<{ applied: boolean; note: string | null; emailIds: string[] }>,
): Promise<Effect> {
  const r = await result;
  return r.applied ? applied(r.note, r.emailIds) : ignored(r.note ?? 'No effect.');
}

/** A payment-mode Checkout of a payment link (app/invoicing/pay-link.server.ts). */
async function cardCheckout(tx: Database, event: Stripe.Event, completed: boolean): Promise<Effect> {
  const result = await applyCardCheckout(tx, event.data.object as Stripe.Checkout.Session, completed);
  return result.applied ? applied(result.note, result.emailIds) : ignored(result.note ?? 'No effect.');
}

async function invoiceEvent(tx: Database, event: Stripe.Event): Promise<Effect> {
  const invoice = event.data.object as Stripe.Invoice;
  const owner = await organizationOfCustomer(tx, idOf(invoice.customer));
  if (!owner) return ignored(`No organization has the Stripe customer ${idOf(invoice.customer)}.`);
  // Mirrored into `invoices` (display only: never the balance or the account status, SPEC §6).
  const mirrorId = await mirrorStripeInvoice(tx, owner.organizationId, owner.id, invoice);
  if (event.type === 'invoice.finalized') return applied('Mirrored.');
  const paid = event.type === 'invoice.paid';
  if (paid && mirrorId) await recordStripeInvoicePayment(tx, mirrorId, invoice);
  const amount = formatMoney(paid ? invoice.amount_paid : invoice.amount_due, invoice.currency.toUpperCase());
  await recordAudit(tx, systemActor, {
    organizationId: owner.organizationId,
    action: paid ? 'stripe_invoice.paid' : 'stripe_invoice.payment_failed',
    entityType: 'stripe_invoice',
    entityId: invoice.id ?? null,
    newValues: {
      number: invoice.number,
      amount: paid ? invoice.amount_paid : invoice.amount_due,
      currency: invoice.currency,
      status: invoice.status,
    },
    metadata: { source: 'stripe', eventId: event.id, subscription: invoiceSubscriptionId(invoice) },
  });
  // A trial's first invoice is 0: nothing was charged, so there is nothing to send a receipt for.
  if (paid && invoice.amount_paid === 0) return applied('Nothing was charged: no receipt.');
  const emailIds: string[] = [];
  for (const contact of await billingContacts(tx, owner.organizationId)) {
    emailIds.push(
      await queueEmail(tx, {
        to: contact.email,
        template: paid ? 'payment-receipt' : 'payment-failed',
        data: {
          name: contact.name,
          organizationName: contact.organizationName,
          amount,
          invoiceNumber: invoice.number ?? invoice.id,
          invoiceUrl: invoice.hosted_invoice_url ?? null,
          billingUrl: billingPageUrl(owner.slug),
        },
        entityType: 'stripe_invoice',
        entityId: invoice.id ?? undefined,
      }),
    );
  }
  return applied(null, emailIds);
}

async function trialWillEnd(tx: Database, event: Stripe.Event): Promise<Effect> {
  const sub = event.data.object as Stripe.Subscription;
  const owner = await organizationOfCustomer(tx, idOf(sub.customer));
  if (!owner) return ignored(`No organization has the Stripe customer ${idOf(sub.customer)}.`);
  // One reminder per trial: the same column the subscription-maintenance job uses for local trials.
  const [claimed] = await tx
    .update(subscriptions)
    .set({ trialReminderSentAt: sql`now()` })
    .where(and(eq(subscriptions.id, owner.id), isNull(subscriptions.trialReminderSentAt)))
    .returning({ id: subscriptions.id });
  if (!claimed) return applied('The trial reminder was sent already.');
  const trialEnd = trialOf(sub).end ?? owner.trialEnd;
  const emailIds: string[] = [];
  for (const contact of await billingContacts(tx, owner.organizationId)) {
    emailIds.push(
      await queueEmail(tx, {
        to: contact.email,
        template: 'trial-ending',
        data: {
          organizationName: contact.organizationName,
          trialEnd: trialEnd ? trialEnd.toISOString().slice(0, 10) : 'soon',
          link: billingPageUrl(owner.slug),
        },
        entityType: 'subscription',
        entityId: owner.id,
      }),
    );
  }
  return applied(null, emailIds);
}

async function chargeRefunded(tx: Database, event: Stripe.Event): Promise<Effect> {
  const charge = event.data.object as Stripe.Charge;
  // A store order's charge (by its PaymentIntent): the store reconciles the order and its refunds.
  const storeOrder = await reconcileOrderRefund(tx, charge, event.id);
  if (storeOrder) return applied(storeOrder.note);
  // Recorded against the payment it refunds (a payment link's card payment, by its payment intent).
  const paymentId = await recordChargeRefund(tx, charge);
  const owner = await organizationOfCustomer(tx, idOf(charge.customer));
  if (!owner && paymentId) return applied('Refund recorded against the payment.');
  if (!owner) return ignored(`No organization has the Stripe customer ${idOf(charge.customer)}.`);
  await recordAudit(tx, systemActor, {
    organizationId: owner.organizationId,
    action: 'stripe_charge.refunded',
    entityType: 'stripe_charge',
    entityId: charge.id,
    newValues: { amountRefunded: charge.amount_refunded, currency: charge.currency },
    metadata: { source: 'stripe', eventId: event.id },
  });
  return applied();
}
