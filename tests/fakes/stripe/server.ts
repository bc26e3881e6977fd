// A stateful fake Stripe for tests and local development: a node:http server the real `stripe` SDK talks
// to (`new Stripe(key, fake.clientConfig())`), answering with objects built from Stripe's own fixtures,
// hosting Checkout and the customer portal, and delivering signed webhook events. See README.md.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { matchRoute } from './api';
import { completeCheckoutSession, failCheckoutPayment, intentCharge } from './checkout';
import { type Captured, Core } from './core';
import { newId, type StripeObject } from './fixtures';
import { expandParam, parseParams, StripeApiError, type StripeErrorBody } from './form';
import { failurePage, handlePage, type PageResponse } from './pages';
import {
  advanceToPeriodEnd as advanceSubscription,
  refundCharge,
  setSubscriptionStatus as setStatus,
} from './subscriptions';
import {
  buildEvent as buildEventEnvelope,
  type DeliveryMode,
  type DeliveryRecord,
  signedPayload,
  WebhookDeliverer,
  type WebhookTarget,
} from './webhooks';

export type { DeliveryRecord } from './webhooks';

// The public surface types Stripe objects as `any`, as the brief of this fake asks: tests read them
// like the JSON they are.
// biome-ignore lint/suspicious/noExplicitAny: Stripe objects are open JSON bags.
type Bag = any;

export interface FakeStripeOptions {
  /** Default: a free port. */
  port?: number;
  /** Where events are delivered (signed with `secret`). */
  webhook?: { url: string; secret: string };
  /** Default: 'sync' when a webhook is set, else 'off'. */
  delivery?: 'sync' | 'off';
  /** Receives one line per request and per failed delivery (the dev script prints them). */
  log?: (line: string) => void;
}

export interface RequestRecord {
  method: string;
  path: string;
  body: Bag;
  idempotencyKey: string | null;
  status: number;
  /** Answered from the idempotency store, without running again. */
  replayed?: boolean;
}

export interface FakeStripe {
  /** http://127.0.0.1:<port> */
  url: string;
  host: string;
  port: number;
  /** For `new Stripe(key, { ...fake.clientConfig() })`. */
  clientConfig(): { host: string; port: number; protocol: 'http' };
  /** Same as url, for STRIPE_API_BASE. */
  apiBase: string;
  now(): number;
  advance(seconds: number): void;
  state: {
    customers: Map<string, Bag>;
    products: Map<string, Bag>;
    prices: Map<string, Bag>;
    checkoutSessions: Map<string, Bag>;
    subscriptions: Map<string, Bag>;
    subscriptionSchedules: Map<string, Bag>;
    invoices: Map<string, Bag>;
    charges: Map<string, Bag>;
    paymentIntents: Map<string, Bag>;
    portalSessions: Map<string, Bag>;
    paymentMethods: Map<string, Bag>;
    events: Bag[];
  };
  requests: RequestRecord[];
  deliveries: DeliveryRecord[];
  /** Makes the next matching request fail with a Stripe error (e.g. failNext('DELETE', /^\/v1\/subscriptions\//, 402, 'card_error', 'Your card was declined.')). */
  failNext(method: string, path: string | RegExp, status?: number, type?: string, message?: string): void;
  setWebhook(webhook: { url: string; secret: string } | null, delivery?: 'sync' | 'off'): void;
  /** Builds a signed event envelope from the fixture 'event' (does NOT deliver or store it). */
  buildEvent(
    type: string,
    object: Bag,
    opts?: { created?: number; id?: string; previous_attributes?: Bag },
  ): Bag;
  signedPayload(
    event: Bag,
    secret: string,
    opts?: { timestamp?: number },
  ): { body: string; signature: string };
  /**
   * Same as pressing Pay on the hosted Checkout page. Returns the subscription for a subscription-mode
   * session, and the session (complete, paid, with its payment_intent) for a payment-mode one.
   */
  completeCheckout(sessionId: string): Promise<Bag>;
  /**
   * Payment mode: the card is declined. The session stays open (the customer may pay again); its
   * payment_intent is requires_payment_method with last_payment_error. Emits
   * payment_intent.payment_failed, then charge.failed. Returns the session.
   */
  failCheckout(sessionId: string): Promise<Bag>;
  /** Moves a subscription to the end of its period: renews (new period, paid invoice), applies a scheduled phase, or ends it if cancel_at_period_end (status canceled). Emits events. */
  advanceToPeriodEnd(subscriptionId: string): Promise<Bag>;
  /** Sets a subscription's status (e.g. 'past_due' with a failed invoice, 'unpaid', 'canceled') and emits the events Stripe would. */
  setSubscriptionStatus(subscriptionId: string, status: string): Promise<Bag>;
  /** Refunds the latest charge of a customer (emits charge.refunded). */
  refundLatestCharge(customerId: string): Promise<Bag>;
  /** Refunds a PaymentIntent's charge, fully or `amount` of it (emits charge.refunded); returns the charge. */
  refundPaymentIntent(paymentIntentId: string, amount?: number): Promise<Bag>;
  /** Saves a card for a customer (what a setup-mode Checkout or the portal would do); returns it. */
  attachCard(
    customerId: string,
    card?: { brand?: string; last4?: string; exp_month?: number; exp_year?: number },
  ): Bag;
  close(): Promise<void>;
}

interface Failure {
  method: string;
  path: string | RegExp;
  status: number;
  error: StripeErrorBody;
}

interface StoredResponse {
  fingerprint: string;
  status: number;
  body: string;
}

const HOST = '127.0.0.1';

/** The secret key of `Bearer sk_…` (the SDK) or Basic `sk_…:` (curl -u, as in Stripe's docs). */
function apiKeyOf(authorization: string | undefined): string | null {
  const [scheme, credentials = ''] = (authorization ?? '').split(' ');
  const key =
    scheme === 'Bearer'
      ? credentials
      : scheme === 'Basic'
        ? (Buffer.from(credentials, 'base64').toString('utf8').split(':')[0] ?? '')
        : '';
  return /^(sk|rk)_\S+$/.test(key) ? key : null;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startFakeStripe(options: FakeStripeOptions = {}): Promise<FakeStripe> {
  const log = options.log ?? (() => {});
  const core = new Core();
  const requests: RequestRecord[] = [];
  const deliveries: DeliveryRecord[] = [];
  const deliverer = new WebhookDeliverer(deliveries, log);
  deliverer.configure(options.webhook ?? null, options.delivery);
  core.webhookEnabled = () => deliverer.enabled;
  const failures: Failure[] = [];
  // Keyed by method, path and key: the same key on another endpoint is another request.
  const idempotent = new Map<string, StoredResponse>();

  function takeFailure(method: string, path: string): Failure | undefined {
    const at = failures.findIndex(
      (f) => f.method === method && (typeof f.path === 'string' ? f.path === path : f.path.test(path)),
    );
    return at < 0 ? undefined : failures.splice(at, 1)[0];
  }

  function record(entry: RequestRecord): void {
    requests.push(entry);
    log(
      `${entry.method} ${entry.path} ${entry.status}${entry.replayed ? ` (idempotent replay of ${entry.idempotencyKey})` : ''}`,
    );
  }

  /** Delivers what a change emitted, then hands back its outcome (rethrowing its error). */
  async function settle<T>(captured: Captured<T>): Promise<T> {
    await deliverer.deliver(captured.events);
    if (captured.error !== undefined) throw captured.error;
    return captured.result as T;
  }

  function sendJson(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) {
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
      ...headers,
    });
    res.end(body);
  }

  const errorJson = (error: StripeErrorBody) => JSON.stringify({ error }, null, 2);

  async function handleApi(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    url: URL,
  ): Promise<void> {
    const path = url.pathname;
    const requestId = newId('req_');
    const idempotencyKey = (req.headers['idempotency-key'] as string | undefined) ?? null;
    const headers: Record<string, string> = {
      'Request-Id': requestId,
      'Stripe-Version': (req.headers['stripe-version'] as string | undefined) ?? Stripe.API_VERSION,
      ...(idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {}),
    };
    const raw = await readBody(req);
    let params: StripeObject = {};
    const answer = (status: number, body: string, extra: Partial<RequestRecord> = {}) => {
      sendJson(res, status, body, headers);
      record({ method, path, body: params, idempotencyKey, status, ...extra });
    };
    try {
      const query = parseParams(url.search.slice(1));
      params = method === 'POST' ? { ...query, ...parseParams(raw) } : query;
    } catch (err) {
      if (err instanceof StripeApiError) return answer(err.status, errorJson(err.body));
      throw err;
    }

    if (!apiKeyOf(req.headers.authorization))
      return answer(
        401,
        errorJson({
          type: 'invalid_request_error',
          message: 'You did not provide an API key. Use the Authorization header: Bearer sk_test_…',
        }),
      );

    const storeKey = idempotencyKey ? `${method} ${path} ${idempotencyKey}` : null;
    const fingerprint = JSON.stringify(params);
    const stored = storeKey ? idempotent.get(storeKey) : undefined;
    if (stored) {
      if (stored.fingerprint !== fingerprint)
        return answer(
          400,
          errorJson({
            type: 'idempotency_error',
            message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
          }),
        );
      headers['Idempotent-Replayed'] = 'true';
      return answer(stored.status, stored.body, { replayed: true });
    }

    const failure = takeFailure(method, path);
    if (failure) return answer(failure.status, errorJson(failure.error));

    const route = matchRoute(method, path);
    if (!route)
      return answer(
        404,
        errorJson({
          type: 'invalid_request_error',
          code: 'resource_missing',
          message: `Unrecognized request URL (${method}: ${path}). (fake Stripe)`,
        }),
      );

    const captured = core.capture(
      () => core.expand(route.handler({ core, params, path: route.path }), expandParam(params)),
      { id: requestId, idempotency_key: idempotencyKey },
    );
    // Serialized now: the receiver of the events may change the objects before we answer.
    let status = 200;
    let body: string;
    if (captured.error === undefined) body = JSON.stringify(captured.result, null, 2);
    else if (captured.error instanceof StripeApiError) {
      status = captured.error.status;
      body = errorJson(captured.error.body);
    } else throw captured.error;
    if (storeKey && status === 200) idempotent.set(storeKey, { fingerprint, status, body });
    await deliverer.deliver(captured.events);
    answer(status, body);
  }

  async function handlePageRequest(req: IncomingMessage, res: ServerResponse, method: string, url: URL) {
    const raw = method === 'POST' ? await readBody(req) : '';
    const form = parseParams(raw);
    const failure = takeFailure(method, url.pathname);
    const captured: Captured<PageResponse | null> = failure
      ? { result: failurePage(url.pathname, failure.status, failure.error.message), events: [] }
      : core.capture(() => handlePage(core, method, url.pathname, form));
    const response = await settle(captured);
    if (!response) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Not found (fake Stripe)\n');
      record({ method, path: url.pathname, body: form, idempotencyKey: null, status: 404 });
      return;
    }
    if (response.redirect) {
      res.writeHead(303, { Location: response.redirect, 'Content-Length': 0 });
      res.end();
    } else {
      const body = response.body ?? '';
      res.writeHead(response.status, {
        'Content-Type': response.contentType ?? 'text/html; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
        'Cache-Control': 'no-store',
      });
      res.end(body);
    }
    record({
      method,
      path: url.pathname,
      body: form,
      idempotencyKey: null,
      status: response.redirect ? 303 : response.status,
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', `http://${HOST}`);
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"ok":true}');
      return;
    }
    if (url.pathname === '/v1' || url.pathname.startsWith('/v1/')) return handleApi(req, res, method, url);
    return handlePageRequest(req, res, method, url);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // A bug in the fake: say so loudly, as a Stripe api_error, without taking the server down.
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      log(`fake Stripe internal error: ${message}`);
      if (!res.headersSent)
        sendJson(res, 500, errorJson({ type: 'api_error', message: `fake Stripe: ${message}` }));
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${HOST}:${port}`;
  core.baseUrl = url;

  /** A test helper's change: run, deliver, and return a copy the caller can keep. */
  const helper = async (change: () => StripeObject) => structuredClone(await settle(core.capture(change)));

  return {
    url,
    host: HOST,
    port,
    apiBase: url,
    clientConfig: () => ({ host: HOST, port, protocol: 'http' }),
    now: () => core.now(),
    advance: (seconds) => core.advance(seconds),
    state: core.state,
    requests,
    deliveries,
    failNext(method, path, status = 402, type = 'card_error', message = 'Your card was declined.') {
      const error: StripeErrorBody = { type, message };
      if (type === 'card_error')
        Object.assign(error, { code: 'card_declined', decline_code: 'generic_decline' });
      failures.push({ method: method.toUpperCase(), path, status, error });
    },
    setWebhook(webhook: WebhookTarget | null, delivery?: DeliveryMode) {
      deliverer.configure(webhook, delivery);
    },
    buildEvent: (type, object, opts = {}) =>
      buildEventEnvelope(type, object, {
        created: opts.created ?? core.now(),
        id: opts.id,
        previous_attributes: opts.previous_attributes,
      }),
    signedPayload,
    completeCheckout: (sessionId) =>
      helper(() => completeCheckoutSession(core, core.checkoutSession(sessionId))),
    failCheckout: (sessionId) => helper(() => failCheckoutPayment(core, core.checkoutSession(sessionId))),
    advanceToPeriodEnd: (subscriptionId) =>
      helper(() => advanceSubscription(core, core.subscription(subscriptionId))),
    setSubscriptionStatus: (subscriptionId, status) =>
      helper(() => setStatus(core, core.subscription(subscriptionId), status)),
    refundLatestCharge: (customerId) =>
      helper(() => {
        const charges = [...core.state.charges.values()].filter(
          (c) => c.customer === customerId && c.paid && c.amount_refunded < c.amount,
        );
        const latest = charges.at(-1);
        if (!latest) throw new Error(`refundLatestCharge: ${customerId} has no refundable charge`);
        refundCharge(core, latest);
        return latest;
      }),
    attachCard: (customerId, card = {}) => {
      core.customer(customerId);
      const pm = {
        id: newId('pm_'),
        object: 'payment_method',
        type: 'card',
        customer: customerId,
        created: core.now(),
        livemode: false,
        metadata: {},
        billing_details: { address: null, email: null, name: null, phone: null },
        card: {
          brand: 'visa',
          last4: '4242',
          exp_month: 12,
          exp_year: 2030,
          funding: 'credit',
          country: 'US',
          ...card,
        },
      };
      core.state.paymentMethods.set(pm.id, pm);
      return structuredClone(pm);
    },
    refundPaymentIntent: (paymentIntentId, amount) =>
      helper(() => {
        const charge = intentCharge(core, paymentIntentId);
        refundCharge(core, charge, amount);
        return charge;
      }),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
