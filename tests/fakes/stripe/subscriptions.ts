// Subscription lifecycle: creation, plan changes with prorations, cancellation, renewal at period end,
// schedules, failed and recovered payments, refunds. Every function here changes state synchronously and
// emits the events Stripe would announce, in the order it announces them (see README.md).
import { type Core, type PendingProration, previousAttributes } from './core';
import type { StripeObject } from './fixtures';
import {
  arrayParam,
  booleanParam,
  integerParam,
  invalidRequest,
  mergeMetadata,
  missingParam,
  noSuch,
  objectParam,
  requiredString,
  stringParam,
} from './form';
import {
  addInterval,
  buildCharge,
  buildInvoice,
  buildRefund,
  buildSchedule,
  buildSchedulePhase,
  buildSubscription,
  formatAmount,
  formatDate,
  formatInterval,
  type Interval,
  type LineSpec,
  type Period,
  type Recurring,
  setItemPrice,
} from './objects';

const DAY = 86_400;
const ENDED = new Set(['canceled', 'incomplete_expired']);
const PRORATION_BEHAVIORS = new Set(['create_prorations', 'always_invoice', 'none']);
export const SUBSCRIPTION_STATUSES = new Set([
  'active',
  'past_due',
  'unpaid',
  'canceled',
  'incomplete',
  'incomplete_expired',
  'trialing',
  'paused',
]);

export const periodOf = (sub: StripeObject): Period => ({
  start: sub.items.data[0].current_period_start,
  end: sub.items.data[0].current_period_end,
});

export const productNameOf = (core: Core, price: StripeObject): string => {
  const id = typeof price.product === 'string' ? price.product : price.product?.id;
  return core.productName(id) ?? 'Subscription';
};

const recurringOf = (price: StripeObject): Recurring => price.recurring as Recurring;

/** A price that may bill a subscription: it exists, is active and recurring. */
export function subscriptionPrice(core: Core, id: string, param: string, currency?: string): StripeObject {
  const price = core.price(id, param);
  if (!price.active)
    throw invalidRequest('The price specified is inactive. This field only accepts active prices.', param);
  if (price.type !== 'recurring')
    throw invalidRequest(
      'The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.',
      param,
    );
  if (currency && price.currency !== currency)
    throw invalidRequest(
      `The price's currency (${price.currency}) must match the subscription's (${currency}).`,
      param,
    );
  return price;
}

// ---------------------------------------------------------------------------------------------------
// Invoices and charges

const chargeDescription: Record<string, string> = {
  subscription_create: 'Subscription creation',
  subscription_update: 'Subscription update',
};

function cycleLine(core: Core, item: StripeObject, period: Period, trial: boolean): LineSpec {
  const { price, quantity } = item;
  const name = productNameOf(core, price);
  return {
    price,
    quantity,
    amount: trial ? 0 : price.unit_amount * quantity,
    period,
    proration: false,
    subscriptionItem: item.id,
    description: trial
      ? `Trial period for ${name}`
      : `${quantity} × ${name} (at ${formatAmount(price.unit_amount, price.currency)} / ${formatInterval(recurringOf(price))})`,
  };
}

/** The credit for the unused rest of the period on the old price and the charge for it on the new one. */
function prorationLines(
  core: Core,
  item: StripeObject,
  from: { price: StripeObject; quantity: number },
  to: { price: StripeObject; quantity: number } | null,
): PendingProration[] {
  const now = core.now();
  const { current_period_start: start, current_period_end: end } = item;
  const unused = end > start ? Math.min(1, Math.max(0, (end - now) / (end - start))) : 0;
  const rest = { start: now, end };
  const lines: PendingProration[] = [
    {
      price: from.price.id,
      quantity: from.quantity,
      amount: -Math.round(from.price.unit_amount * from.quantity * unused),
      description: `Unused time on ${productNameOf(core, from.price)} after ${formatDate(now)}`,
      period: rest,
      subscriptionItem: item.id,
    },
  ];
  if (to)
    lines.push({
      price: to.price.id,
      quantity: to.quantity,
      amount: Math.round(to.price.unit_amount * to.quantity * unused),
      description: `Remaining time on ${productNameOf(core, to.price)} after ${formatDate(now)}`,
      period: rest,
      subscriptionItem: item.id,
    });
  return lines;
}

function prorationSpecs(core: Core, lines: PendingProration[]): LineSpec[] {
  return lines.map((l) => ({ ...l, price: core.price(l.price), proration: true }));
}

/** The prorations waiting for this subscription's next invoice, taken off the waiting list. */
function takePending(core: Core, sub: StripeObject): LineSpec[] {
  const pending = core.pendingProrations.get(sub.id) ?? [];
  core.pendingProrations.delete(sub.id);
  return prorationSpecs(core, pending);
}

/** Finalizes (number, hosted URLs) and applies the customer's credit balance to the amount due. */
function finalize(core: Core, invoice: StripeObject, customer: StripeObject): void {
  const now = core.now();
  invoice.number = `${customer.invoice_prefix}-${String(customer.next_invoice_sequence).padStart(4, '0')}`;
  customer.next_invoice_sequence += 1;
  customer.currency ??= invoice.currency;
  invoice.hosted_invoice_url = `${core.baseUrl}/invoices/${invoice.id}`;
  invoice.invoice_pdf = `${core.baseUrl}/invoices/${invoice.id}/pdf`;
  invoice.status = 'open';
  invoice.effective_at = now;
  invoice.status_transitions.finalized_at = now;
  // A negative total (a downgrade's credit) becomes customer credit; credit pays later invoices first.
  const due = invoice.total + customer.balance;
  invoice.starting_balance = customer.balance;
  invoice.ending_balance = Math.min(due, 0);
  customer.balance = invoice.ending_balance;
  invoice.amount_due = Math.max(due, 0);
  invoice.amount_remaining = invoice.amount_due;
}

/** Charges the amount due (nothing to charge for a zero invoice) and marks the invoice paid. */
function pay(core: Core, invoice: StripeObject, customer: StripeObject): void {
  const now = core.now();
  if (invoice.amount_due > 0) {
    const charge = buildCharge(now, {
      customer,
      amount: invoice.amount_due,
      currency: invoice.currency,
      description: chargeDescription[invoice.billing_reason] ?? 'Payment for Invoice',
      paid: true,
      receiptUrl: invoice.hosted_invoice_url,
    });
    core.state.charges.set(charge.id, charge);
    invoice.attempt_count += 1;
  }
  Object.assign(invoice, {
    status: 'paid',
    attempted: true,
    amount_paid: invoice.amount_due,
    amount_remaining: 0,
    next_payment_attempt: null,
  });
  invoice.status_transitions.paid_at = now;
}

/** A declined charge: the invoice stays open and Stripe plans a retry. */
function fail(core: Core, invoice: StripeObject, customer: StripeObject): void {
  const now = core.now();
  const charge = buildCharge(now, {
    customer,
    amount: invoice.amount_due,
    currency: invoice.currency,
    description: chargeDescription[invoice.billing_reason] ?? 'Payment for Invoice',
    paid: false,
    receiptUrl: invoice.hosted_invoice_url,
  });
  core.state.charges.set(charge.id, charge);
  Object.assign(invoice, {
    attempted: true,
    attempt_count: invoice.attempt_count + 1,
    next_payment_attempt: now + 3 * DAY,
  });
}

function invoiceSubscription(
  core: Core,
  sub: StripeObject,
  fields: { billingReason: string; lines: LineSpec[]; period: Period; outcome: 'paid' | 'failed' },
): StripeObject {
  const customer = core.customer(sub.customer);
  const invoice = buildInvoice(core.now(), {
    customer,
    subscription: sub,
    billingReason: fields.billingReason,
    period: fields.period,
    lines: fields.lines,
    currency: sub.currency,
  });
  core.state.invoices.set(invoice.id, invoice);
  finalize(core, invoice, customer);
  if (fields.outcome === 'paid' || invoice.amount_due === 0) pay(core, invoice, customer);
  else fail(core, invoice, customer);
  sub.latest_invoice = invoice.id;
  return invoice;
}

/** invoice.finalized (with the invoice as it was when finalized, before payment), then invoice.paid. */
export function emitPaidInvoice(core: Core, invoice: StripeObject): void {
  const finalized = structuredClone(invoice);
  Object.assign(finalized, { status: 'open', amount_paid: 0, amount_remaining: invoice.amount_due });
  finalized.status_transitions.paid_at = null;
  core.emit('invoice.finalized', finalized);
  core.emit('invoice.paid', invoice);
}

// ---------------------------------------------------------------------------------------------------
// Creation (Checkout), plan changes, cancellation

export function createSubscription(
  core: Core,
  fields: {
    customer: StripeObject;
    items: { price: StripeObject; quantity: number }[];
    trialPeriodDays: number | null;
    metadata: StripeObject;
    description?: string;
  },
): { subscription: StripeObject; invoice: StripeObject } {
  const now = core.now();
  const first = fields.items[0];
  if (!first) throw missingParam('line_items');
  const trial = fields.trialPeriodDays ? { start: now, end: now + fields.trialPeriodDays * DAY } : null;
  // During a trial the current period is the trial; the first paid period starts when it ends.
  const period = trial ?? { start: now, end: addInterval(now, recurringOf(first.price)) };
  const sub = buildSubscription(now, {
    customer: fields.customer.id,
    currency: first.price.currency,
    items: fields.items,
    period,
    trial,
    metadata: fields.metadata,
    description: fields.description,
  });
  core.state.subscriptions.set(sub.id, sub);
  const invoice = invoiceSubscription(core, sub, {
    billingReason: 'subscription_create',
    lines: sub.items.data.map((item: StripeObject) => cycleLine(core, item, period, trial !== null)),
    period: { start: now, end: now },
    outcome: 'paid',
  });
  return { subscription: sub, invoice };
}

const sameRecurring = (a: StripeObject, b: StripeObject) =>
  a.recurring?.interval === b.recurring?.interval &&
  a.recurring?.interval_count === b.recurring?.interval_count;

/**
 * Moves an item to another price now. Same interval: prorations for the rest of the period, invoiced now
 * (always_invoice), on the next invoice (create_prorations) or not at all (none). Another interval: as at
 * Stripe, a new period starts now and is invoiced now, less the credit for the unused old period.
 * Returns the invoice made now, if any.
 */
export function changeItemPrice(
  core: Core,
  sub: StripeObject,
  item: StripeObject,
  price: StripeObject,
  quantity: number,
  prorationBehavior: string,
): StripeObject | null {
  const from = { price: item.price, quantity: item.quantity };
  if (from.price.id === price.id && from.quantity === quantity) return null;
  const now = core.now();
  const trialing = sub.status === 'trialing';
  const prorations =
    trialing || prorationBehavior === 'none' ? [] : prorationLines(core, item, from, { price, quantity });
  if (!sameRecurring(from.price, price) && !trialing) {
    const credit = prorations.slice(0, 1);
    setItemPrice(item, price, quantity);
    const period = { start: now, end: addInterval(now, recurringOf(price)) };
    for (const i of sub.items.data)
      Object.assign(i, { current_period_start: period.start, current_period_end: period.end });
    sub.billing_cycle_anchor = now;
    return invoiceSubscription(core, sub, {
      billingReason: 'subscription_update',
      lines: [
        ...takePending(core, sub),
        ...prorationSpecs(core, credit),
        cycleLine(core, item, period, false),
      ],
      period: { start: now, end: now },
      outcome: 'paid',
    });
  }
  setItemPrice(item, price, quantity);
  if (!prorations.length) return null;
  if (prorationBehavior === 'always_invoice')
    return invoiceSubscription(core, sub, {
      billingReason: 'subscription_update',
      lines: [...takePending(core, sub), ...prorationSpecs(core, prorations)],
      period: { start: now, end: now },
      outcome: 'paid',
    });
  core.pendingProrations.set(sub.id, [...(core.pendingProrations.get(sub.id) ?? []), ...prorations]);
  return null;
}

function prorationBehaviorParam(params: StripeObject, fallback = 'create_prorations'): string {
  const value = stringParam(params, 'proration_behavior') ?? fallback;
  if (!PRORATION_BEHAVIORS.has(value))
    throw invalidRequest(
      `Invalid proration_behavior: must be one of ${[...PRORATION_BEHAVIORS].join(', ')}`,
      'proration_behavior',
    );
  return value;
}

/** `POST /v1/subscriptions/:id` (and the portal's buttons). */
export function updateSubscription(core: Core, sub: StripeObject, params: StripeObject): StripeObject {
  if (ENDED.has(sub.status)) {
    const allowed = new Set(['metadata', 'cancellation_details', 'expand']);
    if (Object.keys(params).some((k) => !allowed.has(k)))
      throw invalidRequest('A canceled subscription can only update its cancellation_details and metadata.');
  }
  // Everything is validated before anything changes, so a refused update leaves no trace.
  const cancelAtPeriodEnd = booleanParam(params, 'cancel_at_period_end');
  const proration = prorationBehaviorParam(params);
  const changes = arrayParam(params, 'items').map((raw, i) => {
    const spec = objectParam({ item: raw }, 'item', `items[${i}]`);
    const id = stringParam(spec, 'id', `items[${i}][id]`);
    if (!id)
      throw invalidRequest(
        `fake Stripe: items[${i}][id] is required (adding items to a subscription is not supported).`,
        `items[${i}][id]`,
      );
    const item = sub.items.data.find((it: StripeObject) => it.id === id);
    if (!item) throw noSuch('subscription item', id, `items[${i}][id]`);
    if (spec.deleted !== undefined)
      throw invalidRequest(
        'fake Stripe: removing subscription items is not supported.',
        `items[${i}][deleted]`,
      );
    const priceId = stringParam(spec, 'price', `items[${i}][price]`);
    const price = priceId ? subscriptionPrice(core, priceId, `items[${i}][price]`, sub.currency) : item.price;
    const quantity = integerParam(spec, 'quantity', `items[${i}][quantity]`) ?? item.quantity;
    return { item, price, quantity };
  });
  const metadata = mergeMetadata(sub.metadata, params.metadata);
  const description = params.description === '' ? null : stringParam(params, 'description');

  const before = structuredClone(sub);
  const now = core.now();
  if (cancelAtPeriodEnd === true && !sub.cancel_at_period_end) {
    Object.assign(sub, { cancel_at_period_end: true, cancel_at: periodOf(sub).end, canceled_at: now });
    sub.cancellation_details = { comment: null, feedback: null, reason: 'cancellation_requested' };
  } else if (cancelAtPeriodEnd === false) {
    Object.assign(sub, { cancel_at_period_end: false, cancel_at: null, canceled_at: null });
    sub.cancellation_details = { comment: null, feedback: null, reason: null };
  }
  const invoices = changes
    .map(({ item, price, quantity }) => changeItemPrice(core, sub, item, price, quantity, proration))
    .filter((invoice): invoice is StripeObject => invoice !== null);
  sub.metadata = metadata;
  if (description !== undefined) sub.description = description;

  const previous = previousAttributes(before, sub);
  if (previous) core.emit('customer.subscription.updated', sub, previous);
  for (const invoice of invoices) emitPaidInvoice(core, invoice);
  return sub;
}

/** Ends a subscription; a schedule it has ends with it. */
function end(core: Core, sub: StripeObject, at: number, canceledAt: number): StripeObject | null {
  Object.assign(sub, { status: 'canceled', ended_at: at, canceled_at: canceledAt });
  sub.cancellation_details = { ...sub.cancellation_details, reason: 'cancellation_requested' };
  const schedule = sub.schedule ? core.state.subscriptionSchedules.get(sub.schedule) : undefined;
  if (!schedule || !['active', 'not_started'].includes(schedule.status)) return null;
  Object.assign(schedule, { status: 'canceled', canceled_at: at });
  return schedule;
}

/** `DELETE /v1/subscriptions/:id`: ends it now; with invoice_now, a final invoice (with prorate, a credit). */
export function cancelSubscription(core: Core, sub: StripeObject, params: StripeObject): StripeObject {
  if (ENDED.has(sub.status)) throw invalidRequest(`The subscription ${sub.id} has already been canceled.`);
  const prorate = booleanParam(params, 'prorate') ?? false;
  const invoiceNow = booleanParam(params, 'invoice_now') ?? false;
  const now = core.now();
  let invoice: StripeObject | null = null;
  if (invoiceNow) {
    const credits =
      prorate && sub.status !== 'trialing'
        ? sub.items.data.flatMap((item: StripeObject) =>
            prorationLines(core, item, { price: item.price, quantity: item.quantity }, null),
          )
        : [];
    const lines = [...takePending(core, sub), ...prorationSpecs(core, credits)];
    if (lines.length)
      invoice = invoiceSubscription(core, sub, {
        billingReason: 'subscription_update',
        lines,
        period: { start: now, end: now },
        outcome: 'paid',
      });
  }
  core.pendingProrations.delete(sub.id);
  const schedule = end(core, sub, now, now);
  if (schedule) core.emit('subscription_schedule.canceled', schedule);
  core.emit('customer.subscription.deleted', sub);
  if (invoice) emitPaidInvoice(core, invoice);
  return sub;
}

// ---------------------------------------------------------------------------------------------------
// Time passing: renewal, scheduled phases, cancellation at period end

/**
 * The subscription reaches the end of its current period (the fake clock moves there if it is behind):
 * it ends if it was set to cancel; otherwise it renews, on the schedule's next phase if there is one,
 * with a paid invoice for the new period (a trial ends the same way; past_due/unpaid ones are paid).
 */
export function advanceToPeriodEnd(core: Core, sub: StripeObject): StripeObject {
  if (ENDED.has(sub.status)) throw invalidRequest(`The subscription ${sub.id} has ended (${sub.status}).`);
  const period = periodOf(sub);
  const at = period.end;
  core.advanceTo(at);
  const before = structuredClone(sub);
  const schedule = sub.schedule ? core.state.subscriptionSchedules.get(sub.schedule) : undefined;
  const activeSchedule = schedule?.status === 'active' ? schedule : undefined;

  if (sub.cancel_at_period_end || (sub.cancel_at !== null && sub.cancel_at <= at)) {
    core.pendingProrations.delete(sub.id);
    const canceledSchedule = end(core, sub, at, sub.canceled_at ?? at);
    if (canceledSchedule) core.emit('subscription_schedule.canceled', canceledSchedule);
    core.emit('customer.subscription.deleted', sub);
    return sub;
  }

  let scheduleEvent: string | null = null;
  if (activeSchedule) {
    const phase = activeSchedule.phases.find((p: StripeObject) => p.start_date <= at && at < p.end_date);
    if (phase) {
      const item = sub.items.data[0];
      const next = phase.items[0];
      if (item && next) setItemPrice(item, core.price(next.price), next.quantity ?? 1);
      activeSchedule.current_phase = { start_date: phase.start_date, end_date: phase.end_date };
      scheduleEvent = 'subscription_schedule.updated';
    } else if (activeSchedule.end_behavior === 'cancel') {
      Object.assign(activeSchedule, { status: 'completed', completed_at: at, current_phase: null });
      end(core, sub, at, at);
      core.emit('subscription_schedule.completed', activeSchedule);
      core.emit('customer.subscription.deleted', sub);
      return sub;
    } else {
      release(activeSchedule, sub, at);
      scheduleEvent = 'subscription_schedule.released';
    }
  }

  const first = sub.items.data[0];
  const next = { start: at, end: addInterval(at, recurringOf(first.price)) };
  for (const item of sub.items.data)
    Object.assign(item, { current_period_start: next.start, current_period_end: next.end });
  sub.status = 'active';
  const invoice = invoiceSubscription(core, sub, {
    billingReason: 'subscription_cycle',
    lines: [
      ...takePending(core, sub),
      ...sub.items.data.map((item: StripeObject) => cycleLine(core, item, next, false)),
    ],
    period,
    outcome: 'paid',
  });
  core.emit('customer.subscription.updated', sub, previousAttributes(before, sub));
  emitPaidInvoice(core, invoice);
  if (scheduleEvent && activeSchedule) core.emit(scheduleEvent, activeSchedule);
  return sub;
}

/** Test helper: what Stripe does when a payment fails, a retry succeeds, or dunning gives up. */
export function setSubscriptionStatus(core: Core, sub: StripeObject, status: string): StripeObject {
  if (!SUBSCRIPTION_STATUSES.has(status))
    throw new Error(
      `setSubscriptionStatus: unknown status '${status}' (${[...SUBSCRIPTION_STATUSES].join(', ')})`,
    );
  if (sub.status === status) return sub;
  if (ENDED.has(sub.status)) throw new Error(`setSubscriptionStatus: ${sub.id} has ended (${sub.status})`);
  const before = structuredClone(sub);
  const now = core.now();
  if (status === 'canceled') {
    core.pendingProrations.delete(sub.id);
    const schedule = end(core, sub, now, now);
    if (schedule) core.emit('subscription_schedule.canceled', schedule);
    core.emit('customer.subscription.deleted', sub);
    return sub;
  }
  if (status === 'past_due') {
    // The renewal charge for the current period is declined.
    const invoice = invoiceSubscription(core, sub, {
      billingReason: 'subscription_cycle',
      lines: sub.items.data.map((item: StripeObject) => cycleLine(core, item, periodOf(sub), false)),
      period: periodOf(sub),
      outcome: 'failed',
    });
    sub.status = 'past_due';
    if (invoice.status === 'open') core.emit('invoice.payment_failed', invoice);
    else emitPaidInvoice(core, invoice);
    core.emit('customer.subscription.updated', sub, previousAttributes(before, sub));
    return sub;
  }
  const open = status === 'active' ? openInvoiceOf(core, sub) : undefined;
  if (open) pay(core, open, core.customer(open.customer));
  sub.status = status;
  if (status === 'incomplete_expired') sub.ended_at = now;
  if (open) core.emit('invoice.paid', open);
  core.emit('customer.subscription.updated', sub, previousAttributes(before, sub));
  return sub;
}

const openInvoiceOf = (core: Core, sub: StripeObject) => {
  const latest = sub.latest_invoice ? core.state.invoices.get(sub.latest_invoice) : undefined;
  return latest?.status === 'open' ? latest : undefined;
};

/** `POST /v1/invoices/:id/pay`: the retry succeeds; a past_due subscription becomes active. */
export function payInvoice(core: Core, invoice: StripeObject): StripeObject {
  if (invoice.status === 'paid')
    throw invalidRequest('Invoice is already paid', undefined, 'invoice_already_paid');
  if (invoice.status !== 'open')
    throw invalidRequest(`You can only pay an open invoice (this one is ${invoice.status}).`);
  pay(core, invoice, core.customer(invoice.customer));
  core.emit('invoice.paid', invoice);
  const subId = invoice.parent?.subscription_details?.subscription;
  const sub = subId ? core.state.subscriptions.get(subId) : undefined;
  if (sub && ['past_due', 'unpaid'].includes(sub.status)) {
    const before = structuredClone(sub);
    sub.status = 'active';
    core.emit('customer.subscription.updated', sub, previousAttributes(before, sub));
  }
  return invoice;
}

export function refundCharge(
  core: Core,
  charge: StripeObject,
  amount?: number,
  // What the caller set on the refund (POST /v1/refunds metadata and reason), kept as Stripe keeps them.
  fields: { metadata?: Record<string, string>; reason?: string | null } = {},
): StripeObject {
  const refundable = charge.paid ? charge.amount - charge.amount_refunded : 0;
  if (refundable <= 0)
    throw invalidRequest(
      `Charge ${charge.id} has already been refunded.`,
      'charge',
      'charge_already_refunded',
    );
  const value = amount ?? refundable;
  if (value <= 0 || value > refundable)
    throw invalidRequest(
      `Refund amount (${formatAmount(value, charge.currency)}) is greater than unrefunded amount on charge (${formatAmount(refundable, charge.currency)})`,
      'amount',
    );
  const before = structuredClone(charge);
  const refund = Object.assign(buildRefund(core.now(), charge, value), {
    metadata: fields.metadata ?? {},
    reason: fields.reason ?? null,
  });
  charge.amount_refunded += value;
  charge.refunded = charge.amount_refunded === charge.amount;
  charge.refunds.data.unshift(refund);
  charge.refunds.total_count = charge.refunds.data.length;
  core.emit('charge.refunded', charge, previousAttributes(before, charge));
  return refund;
}

// ---------------------------------------------------------------------------------------------------
// Subscription schedules

const LIVE_SCHEDULE = new Set(['active', 'not_started']);

function release(schedule: StripeObject, sub: StripeObject | undefined, at: number): void {
  Object.assign(schedule, {
    status: 'released',
    released_at: at,
    released_subscription: schedule.subscription,
    subscription: null,
    current_phase: null,
  });
  if (sub) sub.schedule = null;
}

/** `POST /v1/subscription_schedules` with from_subscription: one phase, the current period as it is. */
export function createScheduleFromSubscription(core: Core, params: StripeObject): StripeObject {
  const from = stringParam(params, 'from_subscription');
  if (!from)
    throw invalidRequest(
      'fake Stripe: only schedules created with from_subscription are supported.',
      'from_subscription',
    );
  const sub = core.subscription(from, 'from_subscription');
  if (ENDED.has(sub.status))
    throw invalidRequest(`The subscription ${sub.id} has ended.`, 'from_subscription');
  const attached = sub.schedule ? core.state.subscriptionSchedules.get(sub.schedule) : undefined;
  if (attached && LIVE_SCHEDULE.has(attached.status))
    throw invalidRequest(
      `You cannot migrate a subscription that is already attached to a schedule: \`${attached.id}\`.`,
      'from_subscription',
    );
  const period = periodOf(sub);
  const phase = buildSchedulePhase({
    items: sub.items.data.map((i: StripeObject) => ({ price: i.price, quantity: i.quantity })),
    start: period.start,
    end: period.end,
    currency: sub.currency,
    prorationBehavior: 'create_prorations',
    metadata: {},
  });
  const schedule = buildSchedule(core.now(), {
    customer: sub.customer,
    subscription: sub.id,
    phases: [phase],
  });
  core.state.subscriptionSchedules.set(schedule.id, schedule);
  const before = structuredClone(sub);
  sub.schedule = schedule.id;
  core.emit('subscription_schedule.created', schedule);
  core.emit('customer.subscription.updated', sub, previousAttributes(before, sub));
  return schedule;
}

/** Parses `phases[i]`: the first may set start_date, each ends at end_date, after duration, or after iterations. */
function parsePhases(
  core: Core,
  schedule: StripeObject,
  sub: StripeObject,
  params: StripeObject,
): StripeObject[] {
  const raw = arrayParam(params, 'phases');
  if (!raw.length) throw missingParam('phases');
  const fallbackProration = prorationBehaviorParam(params);
  const now = core.now();
  let previousEnd: number | null = null;
  return raw.map((value, i) => {
    const phase = objectParam({ phase: value }, 'phase', `phases[${i}]`);
    const items = arrayParam(phase, 'items', `phases[${i}][items]`).map((rawItem, j) => {
      const item = objectParam({ item: rawItem }, 'item', `phases[${i}][items][${j}]`);
      const param = `phases[${i}][items][${j}]`;
      return {
        price: subscriptionPrice(
          core,
          requiredString(item, 'price', `${param}[price]`),
          `${param}[price]`,
          sub.currency,
        ),
        quantity: integerParam(item, 'quantity', `${param}[quantity]`) ?? 1,
      };
    });
    const first = items[0];
    if (!first) throw missingParam(`phases[${i}][items]`);
    let start: number;
    if (previousEnd === null) {
      start =
        phase.start_date === 'now'
          ? now
          : (integerParam(phase, 'start_date', `phases[${i}][start_date]`) ??
            schedule.phases[0]?.start_date ??
            now);
    } else {
      const given = integerParam(phase, 'start_date', `phases[${i}][start_date]`);
      if (given !== undefined && given !== previousEnd)
        throw invalidRequest(
          `Phase ${i} must start when phase ${i - 1} ends (${previousEnd}).`,
          `phases[${i}][start_date]`,
        );
      start = previousEnd;
    }
    const duration = objectParam(phase, 'duration', `phases[${i}][duration]`);
    let endDate = integerParam(phase, 'end_date', `phases[${i}][end_date]`);
    if (endDate === undefined && duration.interval) {
      const interval = String(duration.interval) as Interval;
      if (!['day', 'week', 'month', 'year'].includes(interval))
        throw invalidRequest(`Invalid duration interval: ${interval}`, `phases[${i}][duration][interval]`);
      const count = integerParam(duration, 'interval_count', `phases[${i}][duration][interval_count]`) ?? 1;
      endDate = addInterval(start, { interval, interval_count: count });
    }
    // Without an end, a phase lasts one billing period of its price (Stripe's default of 1 iteration).
    endDate ??= addInterval(
      start,
      recurringOf(first.price),
      integerParam(phase, 'iterations', `phases[${i}][iterations]`) ?? 1,
    );
    if (endDate <= start)
      throw invalidRequest('The end_date must be after the start_date.', `phases[${i}][end_date]`);
    previousEnd = endDate;
    const proration = prorationBehaviorParam(phase, fallbackProration);
    return buildSchedulePhase({
      items,
      start,
      end: endDate,
      currency: sub.currency,
      prorationBehavior: proration,
      metadata: mergeMetadata({}, phase.metadata, `phases[${i}][metadata]`),
    });
  });
}

/** `POST /v1/subscription_schedules/:id`: new phases replace the old ones; the current phase applies now. */
export function updateSchedule(core: Core, schedule: StripeObject, params: StripeObject): StripeObject {
  if (!LIVE_SCHEDULE.has(schedule.status))
    throw invalidRequest(
      `You cannot update a subscription schedule that is currently in the \`${schedule.status}\` status.`,
    );
  const sub = core.subscription(schedule.subscription);
  const endBehavior = stringParam(params, 'end_behavior');
  if (endBehavior && !['release', 'cancel'].includes(endBehavior))
    throw invalidRequest('fake Stripe: end_behavior must be release or cancel.', 'end_behavior');
  const phases = params.phases === undefined ? null : parsePhases(core, schedule, sub, params);
  const metadata = mergeMetadata(schedule.metadata, params.metadata);

  const before = structuredClone(schedule);
  const subBefore = structuredClone(sub);
  const now = core.now();
  let invoice: StripeObject | null = null;
  if (phases) {
    schedule.phases = phases;
    const current = phases.find((p) => p.start_date <= now && now < p.end_date) ?? null;
    schedule.current_phase = current ? { start_date: current.start_date, end_date: current.end_date } : null;
    const item = sub.items.data[0];
    const wanted = current?.items[0];
    // A current phase on another price than the subscription's is a change that applies now.
    if (current && item && wanted && (wanted.price !== item.price.id || wanted.quantity !== item.quantity))
      invoice = changeItemPrice(
        core,
        sub,
        item,
        core.price(wanted.price),
        wanted.quantity,
        current.proration_behavior,
      );
  }
  if (endBehavior) schedule.end_behavior = endBehavior;
  schedule.metadata = metadata;

  const previous = previousAttributes(before, schedule);
  if (previous) core.emit('subscription_schedule.updated', schedule, previous);
  const subPrevious = previousAttributes(subBefore, sub);
  if (subPrevious) core.emit('customer.subscription.updated', sub, subPrevious);
  if (invoice) emitPaidInvoice(core, invoice);
  return schedule;
}

/** `POST /v1/subscription_schedules/:id/release`: the subscription stays as it is, without the schedule. */
export function releaseSchedule(core: Core, schedule: StripeObject): StripeObject {
  if (!LIVE_SCHEDULE.has(schedule.status))
    throw invalidRequest(
      `You cannot release a subscription schedule that is currently in the \`${schedule.status}\` status.`,
    );
  const sub = schedule.subscription ? core.state.subscriptions.get(schedule.subscription) : undefined;
  const before = sub ? structuredClone(sub) : null;
  release(schedule, sub, core.now());
  core.emit('subscription_schedule.released', schedule);
  if (sub && before) core.emit('customer.subscription.updated', sub, previousAttributes(before, sub));
  return schedule;
}

/** `POST /v1/subscription_schedules/:id/cancel`: ends the schedule and its subscription now. */
export function cancelSchedule(core: Core, schedule: StripeObject): StripeObject {
  if (!LIVE_SCHEDULE.has(schedule.status))
    throw invalidRequest(
      `You cannot cancel a subscription schedule that is currently in the \`${schedule.status}\` status.`,
    );
  const sub = schedule.subscription ? core.state.subscriptions.get(schedule.subscription) : undefined;
  const now = core.now();
  const endsSubscription = sub !== undefined && !ENDED.has(sub.status);
  if (endsSubscription) {
    core.pendingProrations.delete(sub.id);
    end(core, sub, now, now);
  }
  Object.assign(schedule, { status: 'canceled', canceled_at: now });
  core.emit('subscription_schedule.canceled', schedule);
  if (endsSubscription) core.emit('customer.subscription.deleted', sub);
  return schedule;
}
