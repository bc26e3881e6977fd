// Builders of the Stripe objects the fake stores: a fixture resource, deep-cloned, with our ids, the
// scenario's fields, and the fixture's filler values (random amounts, example discounts, shipping costs)
// cleared, so nothing the app reads is an accident of the example data.
import { fixture, newId, newInvoicePrefix, randomString, type StripeObject } from './fixtures';

export type Interval = 'day' | 'week' | 'month' | 'year';
export interface Recurring {
  interval: Interval;
  interval_count: number;
}
export interface Period {
  start: number;
  end: number;
}

const DAY = 86_400;

function addMonths(seconds: number, months: number): number {
  const date = new Date(seconds * 1000);
  const day = date.getUTCDate();
  const target = new Date(date);
  target.setUTCDate(1);
  target.setUTCMonth(target.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  // Jan 31 + 1 month is Feb 28/29, as Stripe bills it, not Mar 3.
  target.setUTCDate(Math.min(day, lastDay));
  return Math.floor(target.getTime() / 1000);
}

/** The end of a billing period that starts at `start` (calendar months and years, UTC). */
export function addInterval(start: number, recurring: Recurring, times = 1): number {
  const count = recurring.interval_count * times;
  switch (recurring.interval) {
    case 'day':
      return start + count * DAY;
    case 'week':
      return start + count * 7 * DAY;
    case 'month':
      return addMonths(start, count);
    case 'year':
      return addMonths(start, 12 * count);
  }
}

const ZERO_DECIMAL_CURRENCIES = new Set([
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'ugx',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
]);

/** `2000, 'usd'` → `$20.00`: Stripe amounts are in the currency's smallest unit. */
export function formatAmount(amount: number, currency: string): string {
  const major = ZERO_DECIMAL_CURRENCIES.has(currency.toLowerCase()) ? amount : amount / 100;
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() }).format(
      major,
    );
  } catch {
    return `${major} ${currency.toUpperCase()}`;
  }
}

export const formatInterval = (recurring: Recurring) =>
  recurring.interval_count === 1 ? recurring.interval : `${recurring.interval_count} ${recurring.interval}s`;

/** `26 Jul 2024`, the way Stripe's hosted pages and line descriptions write dates. */
export const formatDate = (seconds: number) =>
  new Intl.DateTimeFormat('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(new Date(seconds * 1000));

const idOf = (value: unknown): string | null =>
  typeof value === 'string' ? value : ((value as StripeObject | null)?.id ?? null);

const emptyAddress = () => ({
  city: null,
  country: null,
  line1: null,
  line2: null,
  postal_code: null,
  state: null,
});

export function buildCustomer(
  now: number,
  fields: { email?: string; name?: string; description?: string; phone?: string; metadata: StripeObject },
): StripeObject {
  return Object.assign(fixture('customer'), {
    id: newId('cus_'),
    created: now,
    email: fields.email ?? null,
    name: fields.name ?? null,
    description: fields.description ?? null,
    phone: fields.phone ?? null,
    metadata: fields.metadata,
    address: null,
    balance: 0,
    currency: null,
    discount: null,
    shipping: null,
    invoice_prefix: newInvoicePrefix(),
    next_invoice_sequence: 1,
  });
}

export function buildProduct(
  now: number,
  fields: { id?: string; name: string; description?: string; metadata: StripeObject; active: boolean },
): StripeObject {
  return Object.assign(fixture('product'), {
    id: fields.id ?? newId('prod_'),
    created: now,
    updated: now,
    name: fields.name,
    description: fields.description ?? null,
    metadata: fields.metadata,
    active: fields.active,
    default_price: null,
    images: [],
    marketing_features: [],
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    unit_label: null,
    url: null,
    type: 'service',
  });
}

export function buildPrice(
  now: number,
  fields: {
    product: string;
    unitAmount: number;
    currency: string;
    recurring: Recurring | null;
    lookupKey?: string;
    nickname?: string;
    metadata: StripeObject;
    active: boolean;
  },
): StripeObject {
  return Object.assign(fixture('price'), {
    id: newId('price_'),
    created: now,
    product: fields.product,
    unit_amount: fields.unitAmount,
    unit_amount_decimal: String(fields.unitAmount),
    currency: fields.currency,
    recurring: fields.recurring
      ? { ...fields.recurring, meter: null, usage_type: 'licensed', trial_period_days: null }
      : null,
    type: fields.recurring ? 'recurring' : 'one_time',
    lookup_key: fields.lookupKey ?? null,
    nickname: fields.nickname ?? null,
    metadata: fields.metadata,
    active: fields.active,
    billing_scheme: 'per_unit',
    custom_unit_amount: null,
    tax_behavior: 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
  });
}

/** The legacy `plan` Stripe still puts on subscription items: the price, in plan terms. */
export function planOf(price: StripeObject): StripeObject {
  return Object.assign(fixture('plan'), {
    id: price.id,
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: 'per_unit',
    created: price.created,
    currency: price.currency,
    interval: price.recurring?.interval ?? null,
    interval_count: price.recurring?.interval_count ?? null,
    metadata: price.metadata,
    nickname: price.nickname,
    product: idOf(price.product),
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: null,
  });
}

export function buildSubscriptionItem(
  now: number,
  subscriptionId: string,
  price: StripeObject,
  quantity: number,
  period: Period,
): StripeObject {
  return Object.assign(fixture('subscription_item'), {
    id: newId('si_'),
    created: now,
    subscription: subscriptionId,
    price: structuredClone(price),
    plan: planOf(price),
    quantity,
    metadata: {},
    discounts: [],
    tax_rates: [],
    billing_thresholds: null,
    current_period_start: period.start,
    current_period_end: period.end,
  });
}

/** Points an item at another price (plan change, schedule phase). */
export function setItemPrice(item: StripeObject, price: StripeObject, quantity: number): void {
  item.price = structuredClone(price);
  item.plan = planOf(price);
  item.quantity = quantity;
}

export function buildSubscription(
  now: number,
  fields: {
    customer: string;
    currency: string;
    items: { price: StripeObject; quantity: number }[];
    period: Period;
    trial: Period | null;
    metadata: StripeObject;
    description?: string;
  },
): StripeObject {
  const id = newId('sub_');
  const template = fixture('subscription');
  return Object.assign(template, {
    id,
    created: now,
    start_date: now,
    customer: fields.customer,
    currency: fields.currency,
    status: fields.trial ? 'trialing' : 'active',
    // Stripe anchors the billing cycle on the first paid period: the trial's end when there is one.
    billing_cycle_anchor: fields.trial ? fields.trial.end : fields.period.start,
    billing_cycle_anchor_config: null,
    trial_start: fields.trial?.start ?? null,
    trial_end: fields.trial?.end ?? null,
    cancel_at: null,
    canceled_at: null,
    cancel_at_period_end: false,
    cancellation_details: { comment: null, feedback: null, reason: null },
    ended_at: null,
    description: fields.description ?? null,
    metadata: fields.metadata,
    latest_invoice: null,
    schedule: null,
    items: {
      object: 'list',
      data: fields.items.map((i) => buildSubscriptionItem(now, id, i.price, i.quantity, fields.period)),
      has_more: false,
      total_count: fields.items.length,
      url: `/v1/subscription_items?subscription=${id}`,
    },
    billing_schedules: [],
    billing_thresholds: null,
    default_payment_method: null,
    discounts: [],
    managed_payments: { enabled: false },
    next_pending_invoice_item_invoice: null,
    pause_collection: null,
    payment_settings: {
      payment_method_options: null,
      payment_method_types: null,
      save_default_payment_method: 'off',
    },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    transfer_data: null,
  });
}

export interface LineSpec {
  price: StripeObject;
  quantity: number;
  amount: number;
  period: Period;
  description: string;
  proration: boolean;
  subscriptionItem: string | null;
}

function buildInvoiceLine(invoiceId: string, subscriptionId: string | null, spec: LineSpec): StripeObject {
  return Object.assign(fixture('line_item'), {
    id: newId('il_'),
    invoice: invoiceId,
    amount: spec.amount,
    subtotal: spec.amount,
    currency: spec.price.currency,
    description: spec.description,
    period: { ...spec.period },
    quantity: spec.quantity,
    subscription: subscriptionId,
    discount_amounts: [],
    discounts: [],
    metadata: {},
    pretax_credit_amounts: [],
    taxes: [],
    parent: {
      type: 'subscription_item_details',
      invoice_item_details: null,
      subscription_item_details: {
        invoice_item: null,
        proration: spec.proration,
        proration_details: { credited_items: null },
        subscription: subscriptionId,
        subscription_item: spec.subscriptionItem,
      },
    },
    // Where the current API says which price a line bills (the line's top-level `price` is gone).
    pricing: {
      type: 'price_details',
      price_details: { price: spec.price.id, product: idOf(spec.price.product) },
      unit_amount_decimal: spec.price.unit_amount_decimal,
    },
  });
}

/** A draft invoice with its lines and totals; billing.ts finalizes and pays it. */
export function buildInvoice(
  now: number,
  fields: {
    customer: StripeObject;
    subscription: StripeObject | null;
    billingReason: string;
    period: Period;
    lines: LineSpec[];
    currency: string;
  },
): StripeObject {
  const id = newId('in_');
  const subscriptionId = fields.subscription?.id ?? null;
  const lines = fields.lines.map((spec) => buildInvoiceLine(id, subscriptionId, spec));
  const total = fields.lines.reduce((sum, spec) => sum + spec.amount, 0);
  return Object.assign(fixture('invoice'), {
    id,
    created: now,
    effective_at: null,
    customer: fields.customer.id,
    customer_email: fields.customer.email,
    customer_name: fields.customer.name,
    customer_address: null,
    customer_phone: fields.customer.phone,
    customer_shipping: null,
    currency: fields.currency,
    billing_reason: fields.billingReason,
    collection_method: 'charge_automatically',
    period_start: fields.period.start,
    period_end: fields.period.end,
    lines: {
      object: 'list',
      data: lines,
      has_more: false,
      total_count: lines.length,
      url: `/v1/invoices/${id}/lines`,
    },
    subtotal: total,
    subtotal_excluding_tax: total,
    total,
    total_excluding_tax: total,
    amount_due: total,
    amount_paid: 0,
    amount_remaining: total,
    amount_overpaid: 0,
    amount_shipping: 0,
    starting_balance: 0,
    ending_balance: null,
    attempt_count: 0,
    attempted: false,
    auto_advance: false,
    status: 'draft',
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    number: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    metadata: {},
    discounts: [],
    due_date: null,
    from_invoice: null,
    last_finalization_error: null,
    latest_revision: null,
    next_payment_attempt: null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    shipping_cost: null,
    shipping_details: null,
    total_discount_amounts: [],
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: null,
    // The current API names an invoice's subscription here only; the fixture's legacy top-level
    // `subscription` stays null, as the real API of this version answers it.
    parent: subscriptionId
      ? {
          type: 'subscription_details',
          quote_details: null,
          subscription_details: {
            metadata: { ...fields.subscription?.metadata },
            subscription: subscriptionId,
          },
        }
      : null,
    subscription: null,
  });
}

export function buildCharge(
  now: number,
  fields: {
    /** Null for a Checkout payment without a customer; `email` and `name` then say who paid. */
    customer: StripeObject | null;
    email?: string | null;
    name?: string | null;
    amount: number;
    currency: string;
    description: string | null;
    paid: boolean;
    receiptUrl: string;
    paymentIntent?: string;
    paymentMethod?: string;
    metadata?: StripeObject;
  },
): StripeObject {
  const id = newId('ch_');
  const { amount, paid } = fields;
  const customer = {
    id: fields.customer?.id ?? null,
    email: fields.customer?.email ?? fields.email ?? null,
    name: fields.customer?.name ?? fields.name ?? null,
  };
  const charge = fixture('charge');
  charge.payment_method_details.card.overcapture.maximum_amount_capturable = amount;
  return Object.assign(charge, {
    id,
    created: now,
    amount,
    amount_captured: paid ? amount : 0,
    amount_refunded: 0,
    captured: paid,
    paid,
    status: paid ? 'succeeded' : 'failed',
    currency: fields.currency,
    customer: customer.id,
    description: fields.description,
    balance_transaction: paid ? newId('txn_') : null,
    billing_details: {
      address: emptyAddress(),
      email: customer.email,
      name: customer.name,
      phone: null,
      tax_id: null,
    },
    calculated_statement_descriptor: 'FAKE STRIPE',
    failure_code: paid ? null : 'card_declined',
    failure_message: paid ? null : 'Your card was declined.',
    outcome: {
      advice_code: null,
      network_advice_code: null,
      network_decline_code: null,
      network_status: paid ? 'approved_by_network' : 'declined_by_network',
      reason: paid ? null : 'generic_decline',
      risk_level: 'normal',
      seller_message: paid
        ? 'Payment complete.'
        : 'The bank did not return any further details with this decline.',
      type: paid ? 'authorized' : 'issuer_declined',
    },
    metadata: { ...fields.metadata },
    payment_intent: fields.paymentIntent ?? null,
    payment_method: fields.paymentMethod ?? newId('pm_'),
    receipt_email: customer.email,
    receipt_url: fields.receiptUrl,
    refunded: false,
    refunds: { object: 'list', data: [], has_more: false, total_count: 0, url: `/v1/charges/${id}/refunds` },
    shipping: null,
    source: null,
    transfer_data: null,
  });
}

export function buildPaymentIntent(
  now: number,
  fields: {
    amount: number;
    currency: string;
    customer: string | null;
    metadata: StripeObject;
    description?: string;
    receiptEmail?: string | null;
  },
): StripeObject {
  const id = newId('pi_');
  return Object.assign(fixture('payment_intent'), {
    id,
    created: now,
    amount: fields.amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic',
    client_secret: `${id}_secret_${randomString(25)}`,
    confirmation_method: 'automatic',
    currency: fields.currency,
    customer: fields.customer,
    description: fields.description ?? null,
    last_payment_error: null,
    latest_charge: null,
    metadata: fields.metadata,
    next_action: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: {
      card: { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' },
    },
    payment_method_types: ['card'],
    processing: null,
    receipt_email: fields.receiptEmail ?? null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'requires_payment_method',
    transfer_data: null,
    transfer_group: null,
    source: null,
    excluded_payment_method_types: null,
    customer_account: null,
    managed_payments: { enabled: false },
  });
}

/** A PaymentIntent's `last_payment_error` after a declined card (Stripe's test card ending in 0002). */
export function cardDeclined(now: number, charge: StripeObject): StripeObject {
  const paymentMethod = fixture('payment_method');
  Object.assign(paymentMethod, {
    id: charge.payment_method,
    created: now,
    customer: null,
    metadata: {},
    allow_redisplay: 'unspecified',
    billing_details: structuredClone(charge.billing_details),
  });
  Object.assign(paymentMethod.card, { last4: '0002', generated_from: null, wallet: null });
  return {
    type: 'card_error',
    code: 'card_declined',
    decline_code: 'generic_decline',
    message: 'Your card was declined.',
    charge: charge.id,
    doc_url: 'https://stripe.com/docs/error-codes/card-declined',
    payment_method: paymentMethod,
  };
}

export function buildRefund(now: number, charge: StripeObject, amount: number): StripeObject {
  return Object.assign(fixture('refund'), {
    id: newId('re_'),
    created: now,
    amount,
    charge: charge.id,
    currency: charge.currency,
    customer: charge.customer,
    payment_intent: charge.payment_intent,
    payment_method: charge.payment_method,
    balance_transaction: newId('txn_'),
    metadata: {},
    reason: null,
    status: 'succeeded',
  });
}

export function buildCheckoutSession(
  now: number,
  baseUrl: string,
  fields: {
    mode: 'subscription' | 'payment';
    /** Payment mode only: whether paying without a customer makes one ('if_required' by default). */
    customerCreation?: 'always' | 'if_required';
    customer: string | null;
    customerEmail?: string;
    clientReferenceId?: string;
    successUrl: string;
    cancelUrl?: string;
    metadata: StripeObject;
    currency: string;
    amountSubtotal: number;
    amountTotal: number;
    expiresAt: number;
  },
): StripeObject {
  const id = newId('cs_test_');
  const payment = fields.mode === 'payment';
  return Object.assign(fixture('checkout.session'), {
    id,
    created: now,
    expires_at: fields.expiresAt,
    mode: fields.mode,
    status: 'open',
    payment_status: 'unpaid',
    url: `${baseUrl}/checkout/${id}`,
    success_url: fields.successUrl,
    cancel_url: fields.cancelUrl ?? null,
    customer: fields.customer,
    customer_email: fields.customerEmail ?? null,
    customer_creation: fields.customer
      ? null
      : payment
        ? (fields.customerCreation ?? 'if_required')
        : 'always',
    customer_details: null,
    client_reference_id: fields.clientReferenceId ?? null,
    metadata: fields.metadata,
    currency: fields.currency,
    amount_subtotal: fields.amountSubtotal,
    amount_total: fields.amountTotal,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    invoice: null,
    subscription: null,
    payment_intent: null,
    setup_intent: null,
    ui_mode: 'hosted',
    // Subscription mode's setting; payment mode always collects a payment method and says null.
    payment_method_collection: payment ? null : 'always',
    payment_method_types: ['card'],
    after_expiration: null,
    adaptive_pricing: null,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    collected_information: null,
    consent: null,
    consent_collection: null,
    currency_conversion: null,
    custom_text: {
      after_submit: null,
      shipping_address: null,
      submit: null,
      terms_of_service_acceptance: null,
    },
    discounts: [],
    // Payment mode can make a post-purchase invoice; the fake never does (it is off unless asked for).
    invoice_creation: payment
      ? {
          enabled: false,
          invoice_data: {
            account_tax_ids: null,
            custom_fields: null,
            description: null,
            footer: null,
            issuer: null,
            metadata: {},
            rendering_options: null,
          },
        }
      : null,
    managed_payments: { enabled: false },
    payment_method_configuration_details: null,
    permissions: null,
    saved_payment_method_options: null,
    shipping_address_collection: null,
    shipping_cost: null,
    wallet_options: null,
  });
}

/** A Checkout line item (`GET /v1/checkout/sessions/:id/line_items`). */
export function buildCheckoutLineItem(
  price: StripeObject,
  productName: string,
  quantity: number,
  trial: boolean,
) {
  const amount = trial ? 0 : price.unit_amount * quantity;
  return Object.assign(fixture('item'), {
    id: newId('li_'),
    description: productName,
    price: structuredClone(price),
    quantity,
    currency: price.currency,
    amount_subtotal: amount,
    amount_total: amount,
    amount_discount: 0,
    amount_tax: 0,
    metadata: {},
    adjustable_quantity: null,
  });
}

export function buildPortalSession(
  now: number,
  baseUrl: string,
  fields: { customer: string; returnUrl?: string; configuration: string },
): StripeObject {
  const id = newId('bps_');
  return Object.assign(fixture('billing_portal.session'), {
    id,
    created: now,
    customer: fields.customer,
    configuration: fields.configuration,
    return_url: fields.returnUrl ?? null,
    url: `${baseUrl}/portal/${id}`,
    flow: null,
    livemode: false,
    locale: null,
    on_behalf_of: null,
  });
}

export interface PhaseSpec {
  items: { price: StripeObject; quantity: number }[];
  start: number;
  end: number;
  currency: string;
  prorationBehavior: string;
  metadata: StripeObject;
}

export function buildSchedulePhase(spec: PhaseSpec): StripeObject {
  const template = fixture('subscription_schedule').phases[0];
  const itemTemplate = template.items[0];
  return Object.assign(template, {
    start_date: spec.start,
    end_date: spec.end,
    currency: spec.currency,
    items: spec.items.map((i) =>
      Object.assign(structuredClone(itemTemplate), {
        price: i.price.id,
        quantity: i.quantity,
        plan: planOf(i.price),
        metadata: {},
        discounts: [],
        tax_rates: [],
        billing_thresholds: null,
      }),
    ),
    proration_behavior: spec.prorationBehavior,
    metadata: spec.metadata,
    add_invoice_items: [],
    billing_thresholds: null,
    invoice_settings: null,
    transfer_data: null,
    trial_end: null,
  });
}

export function buildSchedule(
  now: number,
  fields: { customer: string; subscription: string; phases: StripeObject[] },
): StripeObject {
  const schedule = fixture('subscription_schedule');
  const first = fields.phases[0];
  return Object.assign(schedule, {
    id: newId('sub_sched_'),
    created: now,
    customer: fields.customer,
    subscription: fields.subscription,
    status: 'active',
    end_behavior: 'release',
    phases: fields.phases,
    current_phase: first ? { start_date: first.start_date, end_date: first.end_date } : null,
    canceled_at: null,
    completed_at: null,
    released_at: null,
    released_subscription: null,
    metadata: {},
    default_settings: { ...schedule.default_settings, transfer_data: null, billing_thresholds: null },
  });
}
