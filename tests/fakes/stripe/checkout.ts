// Checkout Sessions (subscription and payment mode) and billing portal sessions: creation through the
// API, and what happens when the customer acts on the hosted pages.
import type { CheckoutRequest, Core } from './core';
import type { StripeObject } from './fixtures';
import {
  arrayParam,
  integerParam,
  invalidRequest,
  mergeMetadata,
  missingParam,
  objectParam,
  requiredString,
  stringParam,
} from './form';
import {
  buildCharge,
  buildCheckoutLineItem,
  buildCheckoutSession,
  buildCustomer,
  buildPaymentIntent,
  buildPortalSession,
  buildPrice,
  buildProduct,
  cardDeclined,
} from './objects';
import { createSubscription, emitPaidInvoice, productNameOf, subscriptionPrice } from './subscriptions';

const HOUR = 3_600;

const MODES = new Set(['subscription', 'payment']);

/** `POST /v1/checkout/sessions`. */
export function createCheckoutSession(core: Core, params: StripeObject): StripeObject {
  const mode = requiredString(params, 'mode');
  if (!MODES.has(mode))
    throw invalidRequest(
      `fake Stripe: only mode=subscription and mode=payment Checkout Sessions are supported, not ${mode}.`,
      'mode',
    );
  if (mode === 'payment') return createPaymentSession(core, params);
  const rawItems = arrayParam(params, 'line_items');
  if (!rawItems.length) throw missingParam('line_items');
  const lineItems = rawItems.map((raw, i) => {
    const item = objectParam({ item: raw }, 'item', `line_items[${i}]`);
    if (item.price_data !== undefined)
      throw invalidRequest(
        'fake Stripe: price_data is supported in mode=payment only; pass a price.',
        `line_items[${i}][price_data]`,
      );
    const price = subscriptionPrice(
      core,
      requiredString(item, 'price', `line_items[${i}][price]`),
      `line_items[${i}][price]`,
    );
    return { price, quantity: quantityOf(item, i) };
  });
  const currency = sameCurrency(lineItems);
  const common = commonSessionParams(core, params);
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

  const subtotal = lineItems.reduce((sum, li) => sum + li.price.unit_amount * li.quantity, 0);
  const session = buildCheckoutSession(core.now(), core.baseUrl, {
    ...common,
    mode: 'subscription',
    currency,
    amountSubtotal: subtotal,
    // A trial's first invoice is free, and Checkout shows what is paid today.
    amountTotal: trialPeriodDays ? 0 : subtotal,
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

function quantityOf(item: StripeObject, i: number): number {
  const quantity = integerParam(item, 'quantity', `line_items[${i}][quantity]`) ?? 1;
  if (quantity < 1) throw invalidRequest('Quantity must be at least 1.', `line_items[${i}][quantity]`);
  return quantity;
}

function sameCurrency(lineItems: { price: StripeObject }[]): string {
  const currency = lineItems[0]?.price.currency as string;
  if (lineItems.some((li) => li.price.currency !== currency))
    throw invalidRequest('All prices must be in the same currency.', 'line_items');
  return currency;
}

/** The parameters both modes take: customer, URLs, metadata, expiry. */
function commonSessionParams(core: Core, params: StripeObject) {
  const customerId = stringParam(params, 'customer');
  if (customerId) core.liveCustomer(customerId, 'customer');
  const successUrl = urlParam(params, 'success_url', true) as string;
  const cancelUrl = urlParam(params, 'cancel_url', false);
  const now = core.now();
  const expiresAt = integerParam(params, 'expires_at') ?? now + 24 * HOUR;
  if (expiresAt < now + HOUR / 2 || expiresAt > now + 24 * HOUR)
    throw invalidRequest(
      'The `expires_at` timestamp must be between 30 minutes and 24 hours from now.',
      'expires_at',
    );
  return {
    customer: customerId ?? null,
    customerEmail: stringParam(params, 'customer_email'),
    clientReferenceId: stringParam(params, 'client_reference_id'),
    successUrl,
    cancelUrl,
    metadata: stringMap(objectParam(params, 'metadata')),
    expiresAt,
  };
}

interface PaymentLinePrice {
  price: StripeObject;
  /** Made inline by `price_data` / `product_data`, stored only once the whole request is valid. */
  inline: { price: StripeObject; product: StripeObject | null } | null;
}

/**
 * A line item's price in payment mode: an existing one-time price, or `price_data`, which makes an
 * inline price (and with `product_data` an inline product) that stays out of the catalog.
 */
function paymentLinePrice(core: Core, item: StripeObject, i: number): PaymentLinePrice {
  const param = (key: string) => `line_items[${i}][${key}]`;
  const priceId = stringParam(item, 'price', param('price'));
  if (priceId && item.price_data !== undefined)
    throw invalidRequest('You may only specify one of these parameters: price, price_data.', param('price'));
  if (priceId) {
    const price = core.price(priceId, param('price'));
    if (!price.active)
      throw invalidRequest(
        'The price specified is inactive. This field only accepts active prices.',
        param('price'),
      );
    if (price.type === 'recurring')
      throw invalidRequest(
        'You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.',
        param('price'),
      );
    return { price, inline: null };
  }
  if (item.price_data === undefined) throw missingParam(param('price'));
  const data = objectParam(item, 'price_data', param('price_data'));
  const dataParam = (key: string) => `line_items[${i}][price_data][${key}]`;
  if (data.recurring !== undefined)
    throw invalidRequest(
      'You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.',
      dataParam('recurring'),
    );
  const currency = requiredString(data, 'currency', dataParam('currency')).toLowerCase();
  const unitAmount = integerParam(data, 'unit_amount', dataParam('unit_amount'));
  if (unitAmount === undefined) throw missingParam(dataParam('unit_amount'));
  if (unitAmount < 0)
    throw invalidRequest('This value must be greater than or equal to 0.', dataParam('unit_amount'));
  const productId = stringParam(data, 'product', dataParam('product'));
  let product: StripeObject | null = null;
  if (productId) {
    if (data.product_data !== undefined)
      throw invalidRequest(
        'You may only specify one of these parameters: product, product_data.',
        dataParam('product'),
      );
    core.product(productId, dataParam('product'));
  } else {
    if (data.product_data === undefined) throw missingParam(dataParam('product'));
    const productData = objectParam(data, 'product_data', dataParam('product_data'));
    product = buildProduct(core.now(), {
      name: requiredString(productData, 'name', `${dataParam('product_data')}[name]`),
      description: stringParam(productData, 'description', `${dataParam('product_data')}[description]`),
      metadata: mergeMetadata({}, productData.metadata, `${dataParam('product_data')}[metadata]`),
      // Not for sale on its own, so the fake keeps it inactive (and out of the catalog).
      active: false,
    });
  }
  const price = buildPrice(core.now(), {
    product: product?.id ?? (productId as string),
    unitAmount,
    currency,
    recurring: null,
    metadata: {},
    active: false,
  });
  return { price, inline: { price, product } };
}

/** `POST /v1/checkout/sessions` with mode=payment: a one-off payment, made as a PaymentIntent when paid. */
function createPaymentSession(core: Core, params: StripeObject): StripeObject {
  if (params.subscription_data !== undefined)
    throw invalidRequest('You can not pass `subscription_data` in `payment` mode.', 'subscription_data');
  const rawItems = arrayParam(params, 'line_items');
  if (!rawItems.length) throw missingParam('line_items');
  const items = rawItems.map((raw, i) => objectParam({ item: raw }, 'item', `line_items[${i}]`));
  const quantities = items.map(quantityOf);
  const common = commonSessionParams(core, params);
  const customerCreation = stringParam(params, 'customer_creation');
  if (customerCreation !== undefined && customerCreation !== 'always' && customerCreation !== 'if_required')
    throw invalidRequest(
      'Invalid customer_creation: must be one of always or if_required',
      'customer_creation',
    );
  const intentData = objectParam(params, 'payment_intent_data');
  const paymentIntentData = {
    metadata: stringMap(objectParam(intentData, 'metadata', 'payment_intent_data[metadata]')),
    description: stringParam(intentData, 'description', 'payment_intent_data[description]'),
    receiptEmail: stringParam(intentData, 'receipt_email', 'payment_intent_data[receipt_email]'),
  };
  // Inline prices are kept only once everything is valid, so a refused request leaves nothing behind.
  const prices = items.map((item, i) => paymentLinePrice(core, item, i));
  const lineItems = prices.map((p, i) => ({ price: p.price, quantity: quantities[i] as number }));
  const currency = sameCurrency(lineItems);
  for (const { inline } of prices) {
    if (!inline) continue;
    core.inlinePrices.set(inline.price.id, inline.price);
    if (inline.product) core.inlineProducts.set(inline.product.id, inline.product);
  }

  const total = lineItems.reduce((sum, li) => sum + li.price.unit_amount * li.quantity, 0);
  const session = buildCheckoutSession(core.now(), core.baseUrl, {
    ...common,
    mode: 'payment',
    customerCreation: customerCreation as 'always' | 'if_required' | undefined,
    currency,
    amountSubtotal: total,
    amountTotal: total,
  });
  core.state.checkoutSessions.set(session.id, session);
  core.checkoutRequests.set(session.id, {
    lineItems: lineItems.map((li) => ({ price: li.price.id, quantity: li.quantity })),
    trialPeriodDays: null,
    subscriptionMetadata: {},
    paymentIntentData,
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
    const price = core.checkoutPrice(li.price);
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

function openRequest(core: Core, session: StripeObject): CheckoutRequest {
  expireIfOverdue(core, session);
  if (session.status !== 'open')
    throw invalidRequest(`This Checkout Session is ${session.status} and can no longer be paid.`, 'session');
  const request = core.checkoutRequests.get(session.id);
  if (!request) throw new Error(`fake Stripe: no line items recorded for ${session.id}`);
  return request;
}

const customerDetails = (customer: StripeObject) => ({
  address: null,
  email: customer.email,
  name: customer.name,
  phone: customer.phone ?? null,
  tax_exempt: 'none',
  tax_ids: [],
  business_name: null,
  individual_name: null,
});

/**
 * The customer pays. Subscription mode: a subscription (trialing when the session asked for a trial),
 * its first invoice, paid, and the session complete; a session without a customer creates one, as
 * Checkout does. Returns the subscription. Payment mode: see completePaymentSession; returns the session.
 */
export function completeCheckoutSession(core: Core, session: StripeObject): StripeObject {
  const request = openRequest(core, session);
  if (session.mode === 'payment') return completePaymentSession(core, session, request);
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
    customer_details: customerDetails(customer),
    subscription: subscription.id,
    invoice: invoice.id,
  });
  if (createsCustomer) core.emit('customer.created', customer);
  core.emit('customer.subscription.created', subscription);
  emitPaidInvoice(core, invoice);
  core.emit('checkout.session.completed', session);
  return subscription;
}

// ---------------------------------------------------------------------------------------------------
// Payment mode

/**
 * The payment's PaymentIntent: the one an earlier declined attempt made (Stripe retries the same
 * intent), or a new one with `payment_intent_data`'s metadata. Who pays is the session's customer, one
 * Checkout makes (only under customer_creation=always), or nobody.
 */
function paymentIntentOf(core: Core, session: StripeObject, request: CheckoutRequest): StripeObject {
  if (session.payment_intent) return core.paymentIntent(session.payment_intent);
  const data = request.paymentIntentData ?? { metadata: {} };
  const intent = buildPaymentIntent(core.now(), {
    amount: session.amount_total,
    currency: session.currency,
    customer: session.customer,
    metadata: { ...data.metadata },
    description: data.description,
    receiptEmail: data.receiptEmail,
  });
  core.state.paymentIntents.set(intent.id, intent);
  session.payment_intent = intent.id;
  return intent;
}

/** Who pays, as Checkout collects it: the session's customer, else the email given (or a test name). */
function payerOf(core: Core, session: StripeObject) {
  if (session.customer) {
    const customer = core.liveCustomer(session.customer, 'customer');
    return { customer, email: customer.email, name: customer.name, phone: customer.phone };
  }
  return {
    customer: null,
    email: session.customer_email ?? 'jenny.rosen@example.com',
    name: 'Jenny Rosen',
    phone: null,
  };
}

function chargeIntent(
  core: Core,
  intent: StripeObject,
  payer: ReturnType<typeof payerOf>,
  paid: boolean,
): StripeObject {
  const charge = buildCharge(core.now(), {
    customer: payer.customer,
    email: payer.email,
    name: payer.name,
    amount: intent.amount,
    currency: intent.currency,
    description: intent.description,
    paid,
    receiptUrl: '',
    paymentIntent: intent.id,
    metadata: intent.metadata,
  });
  charge.receipt_url = `${core.baseUrl}/receipts/${charge.id}`;
  charge.receipt_email = intent.receipt_email;
  core.state.charges.set(charge.id, charge);
  intent.latest_charge = charge.id;
  return charge;
}

/**
 * Payment mode, paid: the PaymentIntent succeeds with a paid charge and the session completes. No
 * subscription and no invoice. Events: payment_intent.succeeded, charge.succeeded,
 * checkout.session.completed (with customer.created first when Checkout makes the customer).
 */
function completePaymentSession(core: Core, session: StripeObject, request: CheckoutRequest): StripeObject {
  let payer = payerOf(core, session);
  let created: StripeObject | null = null;
  if (!payer.customer && session.customer_creation === 'always') {
    created = buildCustomer(core.now(), { email: payer.email, name: payer.name, metadata: {} });
    core.state.customers.set(created.id, created);
    session.customer = created.id;
    if (session.payment_intent) core.paymentIntent(session.payment_intent).customer = created.id;
    payer = payerOf(core, session);
  }
  const intent = paymentIntentOf(core, session, request);
  const charge = chargeIntent(core, intent, payer, true);
  Object.assign(intent, {
    status: 'succeeded',
    amount_received: intent.amount,
    payment_method: charge.payment_method,
    last_payment_error: null,
  });
  Object.assign(session, {
    status: 'complete',
    payment_status: 'paid',
    customer_details: customerDetails(payer),
  });
  if (created) core.emit('customer.created', created);
  core.emit('payment_intent.succeeded', intent);
  core.emit('charge.succeeded', charge);
  core.emit('checkout.session.completed', session);
  return session;
}

/**
 * Test helper: the customer's card is declined in payment mode. The PaymentIntent (made now if this is
 * the first attempt) goes back to requires_payment_method with the decline as last_payment_error; the
 * charge is failed; the session stays open, so the customer can try again. Events:
 * payment_intent.payment_failed, charge.failed.
 */
export function failCheckoutPayment(core: Core, session: StripeObject): StripeObject {
  const request = openRequest(core, session);
  if (session.mode !== 'payment')
    throw new Error(
      `failCheckout: ${session.id} is a ${session.mode} session; a declined subscription payment is setSubscriptionStatus(id, 'past_due')`,
    );
  const payer = payerOf(core, session);
  const intent = paymentIntentOf(core, session, request);
  const charge = chargeIntent(core, intent, payer, false);
  Object.assign(intent, {
    status: 'requires_payment_method',
    payment_method: null,
    last_payment_error: cardDeclined(core.now(), charge),
  });
  charge.payment_method_details.card.last4 = '0002';
  core.emit('payment_intent.payment_failed', intent);
  core.emit('charge.failed', charge);
  return session;
}

/** The charge a refund of a PaymentIntent refunds: its latest, which succeeded. */
export function intentCharge(core: Core, intentId: string, param = 'id'): StripeObject {
  const intent = core.paymentIntent(intentId, param);
  const charge = intent.latest_charge ? core.state.charges.get(intent.latest_charge) : undefined;
  if (intent.status !== 'succeeded' || !charge)
    throw invalidRequest(
      `This PaymentIntent (${intent.id}) does not have a successful charge to refund.`,
      param,
    );
  return charge;
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
