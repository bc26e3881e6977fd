// The /v1 endpoints: parameters in, stored objects out. Handlers are synchronous (see core.ts); the
// server applies `expand[]` to what they return.

import {
  checkoutLineItems,
  createCheckoutSession,
  createPortalSession,
  expireCheckoutSession,
  expireIfOverdue,
  intentCharge,
} from './checkout';
import { type Core, previousAttributes } from './core';
import { fixture, type StripeObject } from './fixtures';
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
import { buildCustomer, buildPrice, buildProduct, type Interval, type Recurring } from './objects';
import {
  cancelSchedule,
  cancelSubscription,
  createScheduleFromSubscription,
  createSubscription,
  emitPaidInvoice,
  payInvoice,
  refundCharge,
  releaseSchedule,
  subscriptionPrice,
  updateSchedule,
  updateSubscription,
} from './subscriptions';

export interface ApiContext {
  core: Core;
  params: StripeObject;
  /** The `:name` segments of the route. */
  path: Record<string, string>;
}
type Handler = (ctx: ApiContext) => StripeObject;
interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

const routes: Route[] = [];

function route(method: string, path: string, handler: Handler): void {
  const pattern = new RegExp(`^${path.replace(/:(\w+)/g, '(?<$1>[^/]+)')}$`);
  routes.push({ method, pattern, handler });
}

export function matchRoute(
  method: string,
  pathname: string,
): { handler: Handler; path: Record<string, string> } | null {
  for (const r of routes) {
    if (r.method !== method) continue;
    const match = r.pattern.exec(pathname);
    if (match) {
      const path = Object.fromEntries(
        Object.entries(match.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]),
      );
      return { handler: r.handler, path };
    }
  }
  return null;
}

const id = (ctx: ApiContext) => ctx.path.id as string;

/** Applies the string fields of an update that are set; '' clears a nullable one. */
function assignStrings(target: StripeObject, params: StripeObject, keys: string[]): void {
  for (const key of keys) {
    if (params[key] === '') target[key] = null;
    else {
      const value = stringParam(params, key);
      if (value !== undefined) target[key] = value;
    }
  }
}

/** Runs an update and emits `<type>` with previous_attributes when something changed. */
function updateAndEmit(core: Core, type: string, object: StripeObject, change: () => void): StripeObject {
  const before = structuredClone(object);
  change();
  const previous = previousAttributes(before, object);
  if (previous) core.emit(type, object, previous);
  return object;
}

// ---------------------------------------------------------------------------------------------------
// Customers

route('POST', '/v1/customers', ({ core, params }) => {
  const customer = buildCustomer(core.now(), {
    email: stringParam(params, 'email'),
    name: stringParam(params, 'name'),
    description: stringParam(params, 'description'),
    phone: stringParam(params, 'phone'),
    metadata: mergeMetadata({}, params.metadata),
  });
  core.state.customers.set(customer.id, customer);
  core.emit('customer.created', customer);
  return customer;
});

route('GET', '/v1/customers/:id', (ctx) => ctx.core.customer(id(ctx)));

route('POST', '/v1/customers/:id', ({ core, params, path }) => {
  const customer = core.liveCustomer(path.id as string);
  const metadata = mergeMetadata(customer.metadata, params.metadata);
  return updateAndEmit(core, 'customer.updated', customer, () => {
    assignStrings(customer, params, ['email', 'name', 'description', 'phone']);
    customer.metadata = metadata;
  });
});

route('DELETE', '/v1/customers/:id', ({ core, path }) => {
  const customer = core.liveCustomer(path.id as string);
  // Stripe cancels a deleted customer's subscriptions right away.
  for (const sub of core.state.subscriptions.values())
    if (sub.customer === customer.id && !['canceled', 'incomplete_expired'].includes(sub.status))
      cancelSubscription(core, sub, {});
  const deleted = Object.assign(fixture('deleted_customer'), { id: customer.id });
  core.state.customers.set(customer.id, deleted);
  core.emit('customer.deleted', customer);
  return deleted;
});

route('GET', '/v1/customers', ({ core, params }) => {
  const email = stringParam(params, 'email');
  const rows = [...core.state.customers.values()].filter((c) => !c.deleted && (!email || c.email === email));
  return core.list(rows, params, '/v1/customers');
});

// ---------------------------------------------------------------------------------------------------
// Products

/** `POST /v1/products`, or a price's `product_data` (then `prefix` names the parameters in errors). */
function createProduct(core: Core, params: StripeObject, prefix = ''): StripeObject {
  const p = (key: string) => (prefix ? `${prefix}[${key}]` : key);
  const customId = stringParam(params, 'id', p('id'));
  if (customId && core.state.products.has(customId))
    throw invalidRequest('Product already exists.', p('id'), 'resource_already_exists');
  const product = buildProduct(core.now(), {
    id: customId,
    name: requiredString(params, 'name', p('name')),
    description: stringParam(params, 'description', p('description')),
    metadata: mergeMetadata({}, params.metadata, p('metadata')),
    active: booleanParam(params, 'active', p('active')) ?? true,
  });
  core.state.products.set(product.id, product);
  core.emit('product.created', product);
  return product;
}

route('POST', '/v1/products', ({ core, params }) => createProduct(core, params));

route('GET', '/v1/products/:id', (ctx) => ctx.core.product(id(ctx)));

route('POST', '/v1/products/:id', ({ core, params, path }) => {
  const product = core.product(path.id as string);
  const metadata = mergeMetadata(product.metadata, params.metadata);
  const active = booleanParam(params, 'active');
  const defaultPrice = stringParam(params, 'default_price');
  if (defaultPrice && core.price(defaultPrice, 'default_price').product !== product.id)
    throw invalidRequest('The default price must belong to this product.', 'default_price');
  return updateAndEmit(core, 'product.updated', product, () => {
    assignStrings(product, params, ['name', 'description']);
    if (active !== undefined) product.active = active;
    if (defaultPrice) product.default_price = defaultPrice;
    product.metadata = metadata;
    product.updated = core.now();
  });
});

route('DELETE', '/v1/products/:id', ({ core, path }) => {
  const product = core.product(path.id as string);
  if ([...core.state.prices.values()].some((p) => p.product === product.id))
    throw invalidRequest('This product cannot be deleted because it has one or more user-created prices.');
  core.state.products.delete(product.id);
  core.emit('product.deleted', product);
  return Object.assign(fixture('deleted_product'), { id: product.id });
});

route('GET', '/v1/products', ({ core, params }) => {
  const active = booleanParam(params, 'active');
  const ids = arrayParam(params, 'ids');
  const rows = [...core.state.products.values()].filter(
    (p) => (active === undefined || p.active === active) && (!ids.length || ids.includes(p.id)),
  );
  return core.list(rows, params, '/v1/products');
});

// ---------------------------------------------------------------------------------------------------
// Prices

const INTERVALS = new Set(['day', 'week', 'month', 'year']);

function recurringParam(params: StripeObject): Recurring | null {
  if (params.recurring === undefined || params.recurring === '') return null;
  const recurring = objectParam(params, 'recurring');
  const interval = requiredString(recurring, 'interval', 'recurring[interval]');
  if (!INTERVALS.has(interval))
    throw invalidRequest(
      `Invalid recurring[interval]: must be one of day, week, month, or year`,
      'recurring[interval]',
    );
  const count = integerParam(recurring, 'interval_count', 'recurring[interval_count]') ?? 1;
  if (count < 1) throw invalidRequest('Invalid recurring[interval_count]', 'recurring[interval_count]');
  return { interval: interval as Interval, interval_count: count };
}

/** A lookup key belongs to one price; taking it from another needs transfer_lookup_key=true. */
function lookupKeyHolder(
  core: Core,
  key: string,
  transfer: boolean,
  claimant: string | null,
): StripeObject | null {
  for (const other of core.state.prices.values()) {
    if (other.lookup_key !== key || other.id === claimant) continue;
    if (!transfer)
      throw invalidRequest(`A price (\`${other.id}\`) already uses that lookup key.`, 'lookup_key');
    return other;
  }
  return null;
}

/** Takes the key off the price that had it, which Stripe announces as that price's change. */
function takeLookupKey(core: Core, holder: StripeObject | null): void {
  if (!holder) return;
  updateAndEmit(core, 'price.updated', holder, () => {
    holder.lookup_key = null;
  });
}

route('POST', '/v1/prices', ({ core, params }) => {
  const productId = stringParam(params, 'product');
  const productData = params.product_data === undefined ? null : objectParam(params, 'product_data');
  if (!productId && !productData) throw missingParam('product');
  if (productId) core.product(productId, 'product');
  if (productData) requiredString(productData, 'name', 'product_data[name]');
  const unitAmount = integerParam(params, 'unit_amount');
  if (unitAmount === undefined) throw missingParam('unit_amount');
  if (unitAmount < 0) throw invalidRequest('This value must be greater than or equal to 0.', 'unit_amount');
  const currency = requiredString(params, 'currency').toLowerCase();
  const recurring = recurringParam(params);
  const lookupKey = stringParam(params, 'lookup_key');
  const transfer = booleanParam(params, 'transfer_lookup_key') ?? false;
  const holder = lookupKey ? lookupKeyHolder(core, lookupKey, transfer, null) : null;
  const product = productId ?? createProduct(core, productData ?? {}, 'product_data').id;
  takeLookupKey(core, holder);
  const price = buildPrice(core.now(), {
    product,
    unitAmount,
    currency,
    recurring,
    lookupKey,
    nickname: stringParam(params, 'nickname'),
    metadata: mergeMetadata({}, params.metadata),
    active: booleanParam(params, 'active') ?? true,
  });
  core.state.prices.set(price.id, price);
  core.emit('price.created', price);
  return price;
});

route('GET', '/v1/prices/:id', (ctx) => ctx.core.price(id(ctx)));

route('POST', '/v1/prices/:id', ({ core, params, path }) => {
  const price = core.price(path.id as string);
  const active = booleanParam(params, 'active');
  const metadata = mergeMetadata(price.metadata, params.metadata);
  const lookupKey = params.lookup_key === '' ? null : stringParam(params, 'lookup_key');
  const transfer = booleanParam(params, 'transfer_lookup_key') ?? false;
  const holder = lookupKey ? lookupKeyHolder(core, lookupKey, transfer, price.id) : null;
  takeLookupKey(core, holder);
  return updateAndEmit(core, 'price.updated', price, () => {
    if (active !== undefined) price.active = active;
    if (lookupKey !== undefined) price.lookup_key = lookupKey;
    assignStrings(price, params, ['nickname']);
    price.metadata = metadata;
  });
});

route('GET', '/v1/prices', ({ core, params }) => {
  const lookupKeys = arrayParam(params, 'lookup_keys');
  const active = booleanParam(params, 'active');
  const product = stringParam(params, 'product');
  const type = stringParam(params, 'type');
  const rows = [...core.state.prices.values()].filter(
    (p) =>
      (!lookupKeys.length || lookupKeys.includes(p.lookup_key)) &&
      (active === undefined || p.active === active) &&
      (!product || p.product === product) &&
      (!type || p.type === type),
  );
  return core.list(rows, params, '/v1/prices');
});

// ---------------------------------------------------------------------------------------------------
// Checkout and the billing portal

route('POST', '/v1/checkout/sessions', ({ core, params }) => createCheckoutSession(core, params));

route('GET', '/v1/checkout/sessions/:id', ({ core, params, path }) => {
  const session = core.checkoutSession(path.id as string);
  expireIfOverdue(core, session);
  // line_items is not stored on the session; Stripe computes it, and so do we when it is asked for.
  if (!arrayParam(params, 'expand').includes('line_items')) return session;
  const items = checkoutLineItems(core, session);
  return {
    ...session,
    line_items: {
      object: 'list',
      data: items,
      has_more: false,
      url: `/v1/checkout/sessions/${session.id}/line_items`,
    },
  };
});

route('GET', '/v1/checkout/sessions/:id/line_items', ({ core, params, path }) => {
  const session = core.checkoutSession(path.id as string);
  return core.list(
    checkoutLineItems(core, session).reverse(),
    params,
    `/v1/checkout/sessions/${session.id}/line_items`,
  );
});

route('GET', '/v1/checkout/sessions', ({ core, params }) => {
  const customer = stringParam(params, 'customer');
  const status = stringParam(params, 'status');
  const subscription = stringParam(params, 'subscription');
  const paymentIntent = stringParam(params, 'payment_intent');
  const sessions = [...core.state.checkoutSessions.values()];
  for (const s of sessions) expireIfOverdue(core, s);
  const rows = sessions.filter(
    (s) =>
      (!customer || s.customer === customer) &&
      (!status || s.status === status) &&
      (!subscription || s.subscription === subscription) &&
      (!paymentIntent || s.payment_intent === paymentIntent),
  );
  return core.list(rows, params, '/v1/checkout/sessions');
});

route('POST', '/v1/checkout/sessions/:id/expire', (ctx) =>
  expireCheckoutSession(ctx.core, ctx.core.checkoutSession(id(ctx))),
);

route('POST', '/v1/billing_portal/sessions', ({ core, params }) => createPortalSession(core, params));

// ---------------------------------------------------------------------------------------------------
// Subscriptions and schedules

route('POST', '/v1/subscriptions', ({ core, params }) => {
  const customer = core.liveCustomer(requiredString(params, 'customer'), 'customer');
  const rawItems = arrayParam(params, 'items');
  if (!rawItems.length) throw missingParam('items');
  const items = rawItems.map((raw, i) => {
    const item = objectParam({ item: raw }, 'item', `items[${i}]`);
    return {
      price: subscriptionPrice(
        core,
        requiredString(item, 'price', `items[${i}][price]`),
        `items[${i}][price]`,
      ),
      quantity: integerParam(item, 'quantity', `items[${i}][quantity]`) ?? 1,
    };
  });
  const { subscription, invoice } = createSubscription(core, {
    customer,
    items,
    trialPeriodDays: integerParam(params, 'trial_period_days') ?? null,
    metadata: mergeMetadata({}, params.metadata),
    description: stringParam(params, 'description'),
  });
  core.emit('customer.subscription.created', subscription);
  emitPaidInvoice(core, invoice);
  return subscription;
});

route('GET', '/v1/subscriptions/:id', (ctx) => ctx.core.subscription(id(ctx)));

route('POST', '/v1/subscriptions/:id', ({ core, params, path }) =>
  updateSubscription(core, core.subscription(path.id as string), params),
);

route('DELETE', '/v1/subscriptions/:id', ({ core, params, path }) =>
  cancelSubscription(core, core.subscription(path.id as string), params),
);

route('GET', '/v1/subscriptions', ({ core, params }) => {
  const customer = stringParam(params, 'customer');
  const status = stringParam(params, 'status');
  const price = stringParam(params, 'price');
  const rows = [...core.state.subscriptions.values()].filter(
    (s) =>
      (!customer || s.customer === customer) &&
      // Without a status Stripe lists every subscription that is not canceled; 'all' lists all.
      (status === 'all' || (status ? s.status === status : s.status !== 'canceled')) &&
      (!price || s.items.data.some((i: StripeObject) => i.price.id === price)),
  );
  return core.list(rows, params, '/v1/subscriptions');
});

route('POST', '/v1/subscription_schedules', ({ core, params }) =>
  createScheduleFromSubscription(core, params),
);

route('GET', '/v1/subscription_schedules/:id', (ctx) => ctx.core.schedule(id(ctx)));

route('POST', '/v1/subscription_schedules/:id', ({ core, params, path }) =>
  updateSchedule(core, core.schedule(path.id as string), params),
);

route('POST', '/v1/subscription_schedules/:id/release', (ctx) =>
  releaseSchedule(ctx.core, ctx.core.schedule(id(ctx))),
);

route('POST', '/v1/subscription_schedules/:id/cancel', (ctx) =>
  cancelSchedule(ctx.core, ctx.core.schedule(id(ctx))),
);

route('GET', '/v1/subscription_schedules', ({ core, params }) => {
  const customer = stringParam(params, 'customer');
  const rows = [...core.state.subscriptionSchedules.values()].filter(
    (s) => !customer || s.customer === customer,
  );
  return core.list(rows, params, '/v1/subscription_schedules');
});

// ---------------------------------------------------------------------------------------------------
// Invoices, charges, refunds, events

route('GET', '/v1/invoices/:id', (ctx) => ctx.core.invoice(id(ctx)));

route('GET', '/v1/invoices/:id/lines', ({ core, params, path }) => {
  const invoice = core.invoice(path.id as string);
  return core.list([...invoice.lines.data].reverse(), params, `/v1/invoices/${invoice.id}/lines`);
});

route('POST', '/v1/invoices/:id/pay', (ctx) => payInvoice(ctx.core, ctx.core.invoice(id(ctx))));

route('GET', '/v1/invoices', ({ core, params }) => {
  const customer = stringParam(params, 'customer');
  const subscription = stringParam(params, 'subscription');
  const status = stringParam(params, 'status');
  const rows = [...core.state.invoices.values()].filter(
    (i) =>
      (!customer || i.customer === customer) &&
      (!subscription || i.parent?.subscription_details?.subscription === subscription) &&
      (!status || i.status === status),
  );
  return core.list(rows, params, '/v1/invoices');
});

route('GET', '/v1/charges/:id', (ctx) => ctx.core.charge(id(ctx)));

route('GET', '/v1/charges', ({ core, params }) => {
  const customer = stringParam(params, 'customer');
  const paymentIntent = stringParam(params, 'payment_intent');
  const rows = [...core.state.charges.values()].filter(
    (c) => (!customer || c.customer === customer) && (!paymentIntent || c.payment_intent === paymentIntent),
  );
  return core.list(rows, params, '/v1/charges');
});

route('GET', '/v1/payment_intents/:id', (ctx) => ctx.core.paymentIntent(id(ctx)));

route('GET', '/v1/payment_intents', ({ core, params }) => {
  const customer = stringParam(params, 'customer');
  const rows = [...core.state.paymentIntents.values()].filter((pi) => !customer || pi.customer === customer);
  return core.list(rows, params, '/v1/payment_intents');
});

route('POST', '/v1/refunds', ({ core, params }) => {
  const chargeId = stringParam(params, 'charge');
  const intentId = stringParam(params, 'payment_intent');
  if (chargeId && intentId)
    throw invalidRequest('You may only specify one of these parameters: charge, payment_intent.', 'charge');
  const amount = integerParam(params, 'amount');
  const fields = {
    metadata: (params.metadata as Record<string, string> | undefined) ?? {},
    reason: stringParam(params, 'reason') ?? null,
  };
  if (intentId) return refundCharge(core, intentCharge(core, intentId, 'payment_intent'), amount, fields);
  if (!chargeId) throw missingParam('charge');
  return refundCharge(core, core.charge(chargeId, 'charge'), amount, fields);
});

// Saved cards of a customer (seed 003 PaymentMethod; /settings/payment-methods lists them).
route('GET', '/v1/payment_methods', ({ core, params }) => {
  const customer = stringParam(params, 'customer');
  const type = stringParam(params, 'type');
  const rows = [...core.state.paymentMethods.values()].filter(
    (pm) => (!customer || pm.customer === customer) && (!type || pm.type === type),
  );
  return core.list(rows, params, '/v1/payment_methods');
});

route('GET', '/v1/events/:id', ({ core, path }) => {
  const event = core.state.events.find((e) => e.id === path.id);
  if (!event) throw noSuch('event', path.id as string);
  return event;
});

route('GET', '/v1/events', ({ core, params }) => {
  const type = stringParam(params, 'type');
  const types = arrayParam(params, 'types');
  // `type` may end in a wildcard, as Stripe allows (customer.subscription.*).
  const matches = (t: string) => !type || (type.endsWith('*') ? t.startsWith(type.slice(0, -1)) : t === type);
  const rows = core.state.events.filter((e) => matches(e.type) && (!types.length || types.includes(e.type)));
  return core.list(rows, params, '/v1/events');
});
