// Checkout Sessions (subscription mode) and billing portal sessions: creation through the API, and what
// happens when the customer acts on the hosted pages.
import type { Core } from './core';
import type { StripeObject } from './fixtures';
import {
  arrayParam,
  integerParam,
  invalidRequest,
  missingParam,
  objectParam,
  requiredString,
  stringParam,
} from './form';
import { buildCheckoutLineItem, buildCheckoutSession, buildCustomer, buildPortalSession } from './objects';
import { createSubscription, emitPaidInvoice, productNameOf, subscriptionPrice } from './subscriptions';

const HOUR = 3_600;

/** `POST /v1/checkout/sessions`. */
export function createCheckoutSession(core: Core, params: StripeObject): StripeObject {
  const mode = requiredString(params, 'mode');
  if (mode !== 'subscription')
    throw invalidRequest(
      `fake Stripe: only mode=subscription Checkout Sessions are supported, not ${mode}.`,
      'mode',
    );
  const rawItems = arrayParam(params, 'line_items');
  if (!rawItems.length) throw missingParam('line_items');
  const lineItems = rawItems.map((raw, i) => {
    const item = objectParam({ item: raw }, 'item', `line_items[${i}]`);
    const price = subscriptionPrice(
      core,
      requiredString(item, 'price', `line_items[${i}][price]`),
      `line_items[${i}][price]`,
    );
    const quantity = integerParam(item, 'quantity', `line_items[${i}][quantity]`) ?? 1;
    if (quantity < 1) throw invalidRequest('Quantity must be at least 1.', `line_items[${i}][quantity]`);
    return { price, quantity };
  });
  const currency = lineItems[0]?.price.currency as string;
  if (lineItems.some((li) => li.price.currency !== currency))
    throw invalidRequest('All prices must be in the same currency.', 'line_items');
  const customerId = stringParam(params, 'customer');
  if (customerId) core.liveCustomer(customerId, 'customer');
  const successUrl = urlParam(params, 'success_url', true) as string;
  const cancelUrl = urlParam(params, 'cancel_url', false);
  const subscriptionData = objectParam(params, 'subscription_data');
  const trialPeriodDays = integerParam(
    subscriptionData,
    'trial_period_days',
    'subscription_data[trial_period_days]',
  );
  if (trialPeriodDays !== undefined && (trialPeriodDays < 1 || trialPeriodDays > 730))
    throw invalidRequest(
      'The trial period must be between 1 and 730 days.',
      'subscription_data[trial_period_days]',
    );
  const now = core.now();
  const expiresAt = integerParam(params, 'expires_at') ?? now + 24 * HOUR;
  if (expiresAt < now + HOUR / 2 || expiresAt > now + 24 * HOUR)
    throw invalidRequest(
      'The `expires_at` timestamp must be between 30 minutes and 24 hours from now.',
      'expires_at',
    );

  const subtotal = lineItems.reduce((sum, li) => sum + li.price.unit_amount * li.quantity, 0);
  const session = buildCheckoutSession(now, core.baseUrl, {
    customer: customerId ?? null,
    customerEmail: stringParam(params, 'customer_email'),
    clientReferenceId: stringParam(params, 'client_reference_id'),
    successUrl,
    cancelUrl,
    metadata: stringMap(objectParam(params, 'metadata')),
    currency,
    amountSubtotal: subtotal,
    // A trial's first invoice is free, and Checkout shows what is paid today.
    amountTotal: trialPeriodDays ? 0 : subtotal,
    expiresAt,
  });
  core.state.checkoutSessions.set(session.id, session);
  core.checkoutRequests.set(session.id, {
    lineItems: lineItems.map((li) => ({ price: li.price.id, quantity: li.quantity })),
    trialPeriodDays: trialPeriodDays ?? null,
    subscriptionMetadata: stringMap(objectParam(subscriptionData, 'metadata', 'subscription_data[metadata]')),
    subscriptionDescription: stringParam(subscriptionData, 'description', 'subscription_data[description]'),
  });
  return session;
}

function urlParam(params: StripeObject, key: string, required: boolean): string | undefined {
  const value = required ? requiredString(params, key) : stringParam(params, key);
  if (value !== undefined && !/^https?:\/\//.test(value))
    throw invalidRequest('Not a valid URL', key, 'url_invalid');
  return value;
}

const stringMap = (value: StripeObject): StripeObject =>
  Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));

/** The session's line items (`GET /v1/checkout/sessions/:id/line_items`, `expand[]=line_items`). */
export function checkoutLineItems(core: Core, session: StripeObject): StripeObject[] {
  const request = core.checkoutRequests.get(session.id);
  const trial = Boolean(request?.trialPeriodDays);
  return (request?.lineItems ?? []).map((li) => {
    const price = core.price(li.price);
    return buildCheckoutLineItem(price, productNameOf(core, price), li.quantity, trial);
  });
}

export function expireCheckoutSession(core: Core, session: StripeObject): StripeObject {
  if (session.status !== 'open')
    throw invalidRequest('Only Checkout Sessions with a status in ["open"] can be expired.', 'session');
  session.status = 'expired';
  core.emit('checkout.session.expired', session);
  return session;
}

/** An open session past its expires_at (on the fake clock) expires when it is next looked at. */
export function expireIfOverdue(core: Core, session: StripeObject): void {
  if (session.status === 'open' && core.now() >= session.expires_at) expireCheckoutSession(core, session);
}

/**
 * The customer pays: a subscription (trialing when the session asked for a trial), its first invoice,
 * paid, and the session complete. A session without a customer creates one, as Checkout does.
 */
export function completeCheckoutSession(core: Core, session: StripeObject): StripeObject {
  expireIfOverdue(core, session);
  if (session.status !== 'open')
    throw invalidRequest(`This Checkout Session is ${session.status} and can no longer be paid.`, 'session');
  const request = core.checkoutRequests.get(session.id);
  if (!request) throw new Error(`fake Stripe: no line items recorded for ${session.id}`);
  const items = request.lineItems.map((li) => ({ price: core.price(li.price), quantity: li.quantity }));
  let customer = session.customer ? core.liveCustomer(session.customer, 'customer') : null;
  const createsCustomer = customer === null;
  if (!customer) {
    customer = buildCustomer(core.now(), {
      email: session.customer_email ?? 'jenny.rosen@example.com',
      name: 'Jenny Rosen',
      metadata: {},
    });
    core.state.customers.set(customer.id, customer);
  }
  const { subscription, invoice } = createSubscription(core, {
    customer,
    items,
    trialPeriodDays: request.trialPeriodDays,
    metadata: { ...request.subscriptionMetadata },
    description: request.subscriptionDescription,
  });
  Object.assign(session, {
    status: 'complete',
    // What Stripe says for a trial, where nothing is charged today.
    payment_status: request.trialPeriodDays ? 'no_payment_required' : 'paid',
    customer: customer.id,
    customer_details: {
      address: null,
      email: customer.email,
      name: customer.name,
      phone: customer.phone,
      tax_exempt: 'none',
      tax_ids: [],
      business_name: null,
      individual_name: null,
    },
    subscription: subscription.id,
    invoice: invoice.id,
  });
  if (createsCustomer) core.emit('customer.created', customer);
  core.emit('customer.subscription.created', subscription);
  emitPaidInvoice(core, invoice);
  core.emit('checkout.session.completed', session);
  return subscription;
}

/** `success_url` with Stripe's `{CHECKOUT_SESSION_ID}` template filled in. */
export const successRedirect = (session: StripeObject): string =>
  String(session.success_url).replaceAll('{CHECKOUT_SESSION_ID}', session.id);

/** `POST /v1/billing_portal/sessions`. */
export function createPortalSession(core: Core, params: StripeObject): StripeObject {
  const customer = core.liveCustomer(requiredString(params, 'customer'), 'customer');
  const returnUrl = urlParam(params, 'return_url', false);
  const session = buildPortalSession(core.now(), core.baseUrl, {
    customer: customer.id,
    returnUrl,
    configuration: core.portalConfiguration,
  });
  core.state.portalSessions.set(session.id, session);
  return session;
}
