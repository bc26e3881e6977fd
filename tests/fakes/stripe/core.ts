// The fake's memory: the stored objects, the fake clock, and the events state changes emit.
//
// Every state change runs synchronously inside `capture`, which collects the events it emitted. The
// caller (an API request, a hosted page, a test helper) then delivers exactly those events before it
// answers. Because no change awaits anything, two requests never interleave halfway through one.
import { newId, type StripeObject } from './fixtures';
import { integerParam, invalidRequest, noSuch, stringParam } from './form';
import { buildEvent } from './webhooks';

export interface FakeStripeState {
  customers: Map<string, StripeObject>;
  products: Map<string, StripeObject>;
  prices: Map<string, StripeObject>;
  checkoutSessions: Map<string, StripeObject>;
  subscriptions: Map<string, StripeObject>;
  subscriptionSchedules: Map<string, StripeObject>;
  invoices: Map<string, StripeObject>;
  charges: Map<string, StripeObject>;
  paymentIntents: Map<string, StripeObject>;
  portalSessions: Map<string, StripeObject>;
  /** Saved cards (GET /v1/payment_methods; FakeStripe.attachCard). */
  paymentMethods: Map<string, StripeObject>;
  events: StripeObject[];
}

/** What a Checkout Session was created with but Stripe does not show on the session object. */
export interface CheckoutRequest {
  /** A price id: a stored price, or an inline one (`price_data`, in `Core.inlinePrices`). */
  lineItems: { price: string; quantity: number }[];
  trialPeriodDays: number | null;
  subscriptionMetadata: StripeObject;
  subscriptionDescription?: string;
  /** Payment mode: what `payment_intent_data` gives the PaymentIntent made when the customer pays. */
  paymentIntentData?: { metadata: StripeObject; description?: string; receiptEmail?: string };
}

/** A proration waiting for the subscription's next invoice (proration_behavior=create_prorations). */
export interface PendingProration {
  price: string;
  quantity: number;
  amount: number;
  description: string;
  period: { start: number; end: number };
  subscriptionItem: string;
}

export interface RequestRef {
  id: string | null;
  idempotency_key: string | null;
}

export interface Captured<T> {
  result?: T;
  error?: unknown;
  events: StripeObject[];
}

export class Core {
  readonly state: FakeStripeState = {
    customers: new Map(),
    products: new Map(),
    prices: new Map(),
    checkoutSessions: new Map(),
    subscriptions: new Map(),
    subscriptionSchedules: new Map(),
    invoices: new Map(),
    charges: new Map(),
    paymentIntents: new Map(),
    portalSessions: new Map(),
    paymentMethods: new Map(),
    events: [],
  };
  readonly checkoutRequests = new Map<string, CheckoutRequest>();
  /**
   * Prices and products made inline by a Checkout line item's `price_data` / `product_data`. Stripe
   * keeps them out of its catalog (`prices.list`, `products.list`), so they are not in `state`; they
   * can still be expanded (`line_items.data.price.product`).
   */
  readonly inlinePrices = new Map<string, StripeObject>();
  readonly inlineProducts = new Map<string, StripeObject>();
  readonly pendingProrations = new Map<string, PendingProration[]>();
  /** One portal configuration for the whole account, as a Stripe account has a default one. */
  readonly portalConfiguration = newId('bpc_');
  baseUrl = '';
  /** Whether events go out (their `pending_webhooks` says 1 then). */
  webhookEnabled: () => boolean = () => false;

  private clock = Math.floor(Date.now() / 1000);
  private captured: StripeObject[] | null = null;
  private request: RequestRef | null = null;

  now(): number {
    return this.clock;
  }

  advance(seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) throw new Error(`advance(${seconds}): seconds must be ≥ 0`);
    this.clock += Math.floor(seconds);
  }

  /** Moves the clock forward to `seconds` (never back). */
  advanceTo(seconds: number): void {
    if (seconds > this.clock) this.clock = seconds;
  }

  /** Runs a state change and hands back the events it emitted, in order, for the caller to deliver. */
  capture<T>(change: () => T, request: RequestRef | null = null): Captured<T> {
    const outer = { captured: this.captured, request: this.request };
    const events: StripeObject[] = [];
    this.captured = events;
    this.request = request;
    try {
      return { result: change(), events };
    } catch (error) {
      return { error, events };
    } finally {
      this.captured = outer.captured;
      this.request = outer.request;
    }
  }

  /** Records an event with a snapshot of `object`. Only valid inside `capture`. */
  emit(type: string, object: StripeObject, previousAttributes?: StripeObject): StripeObject {
    if (!this.captured)
      throw new Error(`fake Stripe: ${type} emitted outside capture(); it would never be delivered`);
    const event = buildEvent(type, object, {
      created: this.clock,
      previous_attributes: previousAttributes,
      pendingWebhooks: this.webhookEnabled() ? 1 : 0,
      request: this.request ?? { id: null, idempotency_key: null },
    });
    this.state.events.push(event);
    this.captured.push(event);
    return event;
  }

  /** Any stored object by id (ids are unique across kinds, custom product ids included). */
  find(id: string): StripeObject | undefined {
    const s = this.state;
    for (const map of [
      s.customers,
      s.products,
      s.prices,
      s.subscriptions,
      s.invoices,
      s.charges,
      s.paymentIntents,
      s.checkoutSessions,
      s.subscriptionSchedules,
      s.portalSessions,
      this.inlinePrices,
      this.inlineProducts,
    ]) {
      const found = map.get(id);
      if (found) return found;
    }
    return undefined;
  }

  customer(id: string, param = 'id') {
    return getOr(this.state.customers, id, 'customer', param);
  }
  /** A customer that can still be billed (a deleted one is stored as Stripe's `deleted: true` stub). */
  liveCustomer(id: string, param = 'id') {
    const customer = this.customer(id, param);
    if (customer.deleted)
      throw invalidRequest(`No such customer: '${id}' (it was deleted)`, param, 'resource_missing');
    return customer;
  }
  product(id: string, param = 'id') {
    return getOr(this.state.products, id, 'product', param);
  }
  price(id: string, param = 'id') {
    return getOr(this.state.prices, id, 'price', param);
  }
  /** A stored price or an inline one (a Checkout line item's `price_data`). */
  checkoutPrice(id: string) {
    return this.inlinePrices.get(id) ?? this.price(id);
  }
  /** A product's name, catalog or inline. */
  productName(id: string): string | undefined {
    return (this.state.products.get(id) ?? this.inlineProducts.get(id))?.name;
  }
  subscription(id: string, param = 'id') {
    return getOr(this.state.subscriptions, id, 'subscription', param);
  }
  schedule(id: string, param = 'id') {
    return getOr(this.state.subscriptionSchedules, id, 'subscription_schedule', param);
  }
  invoice(id: string, param = 'id') {
    return getOr(this.state.invoices, id, 'invoice', param);
  }
  charge(id: string, param = 'id') {
    return getOr(this.state.charges, id, 'charge', param);
  }
  paymentIntent(id: string, param = 'id') {
    return getOr(this.state.paymentIntents, id, 'payment_intent', param);
  }
  checkoutSession(id: string, param = 'id') {
    return getOr(this.state.checkoutSessions, id, 'checkout.session', param);
  }
  portalSession(id: string, param = 'id') {
    return getOr(this.state.portalSessions, id, 'billing_portal.session', param);
  }

  /**
   * A copy of `object` with `expand[]` applied: each path (`latest_invoice`, `data.product`,
   * `items.data.price.product`) replaces an id string with the stored object. Ids the fake does not
   * store stay strings.
   */
  expand(object: StripeObject, paths: string[]): StripeObject {
    const copy = structuredClone(object);
    for (const path of paths) this.expandPath(copy, path.split('.'));
    return copy;
  }

  private expandPath(node: StripeObject, [key, ...rest]: string[]): void {
    if (!key || !node || typeof node !== 'object') return;
    const resolve = (value: unknown): unknown => {
      const stored = typeof value === 'string' ? this.find(value) : undefined;
      const resolved = stored ? structuredClone(stored) : value;
      if (rest.length && resolved && typeof resolved === 'object')
        this.expandPath(resolved as StripeObject, rest);
      return resolved;
    };
    const value = node[key];
    if (value === undefined || value === null) return;
    node[key] = Array.isArray(value) ? value.map(resolve) : resolve(value);
  }

  /** A Stripe list (newest first) with `limit`, `starting_after` and `ending_before`. */
  list(objects: StripeObject[], params: StripeObject, url: string): StripeObject {
    const limit = integerParam(params, 'limit') ?? 10;
    if (limit < 1 || limit > 100) throw invalidRequest('This value must be between 1 and 100.', 'limit');
    let rows = [...objects].reverse();
    const after = stringParam(params, 'starting_after');
    const before = stringParam(params, 'ending_before');
    if (after) {
      const at = rows.findIndex((o) => o.id === after);
      if (at < 0) throw noSuch('object', after, 'starting_after');
      rows = rows.slice(at + 1);
    } else if (before) {
      const at = rows.findIndex((o) => o.id === before);
      if (at < 0) throw noSuch('object', before, 'ending_before');
      rows = rows.slice(Math.max(0, at - limit), at);
      return { object: 'list', data: rows, has_more: at - limit > 0, url };
    }
    return { object: 'list', data: rows.slice(0, limit), has_more: rows.length > limit, url };
  }
}

function getOr(map: Map<string, StripeObject>, id: string, kind: string, param: string): StripeObject {
  const found = map.get(id);
  if (!found) throw noSuch(kind, id, param);
  return found;
}

/**
 * Stripe's `previous_attributes`: the old value of every top-level field that changed, and for
 * `metadata` only the keys that changed (null for a key that was added).
 */
export function previousAttributes(before: StripeObject, after: StripeObject): StripeObject | undefined {
  const previous: StripeObject = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (JSON.stringify(before[key]) === JSON.stringify(after[key])) continue;
    if (key === 'metadata' && isPlainObject(before[key]) && isPlainObject(after[key])) {
      const changed: StripeObject = {};
      for (const k of new Set([...Object.keys(before[key]), ...Object.keys(after[key])]))
        if (before[key][k] !== after[key][k]) changed[k] = before[key][k] ?? null;
      previous.metadata = changed;
    } else {
      previous[key] = before[key] ?? null;
    }
  }
  return Object.keys(previous).length ? previous : undefined;
}

const isPlainObject = (v: unknown): v is StripeObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
