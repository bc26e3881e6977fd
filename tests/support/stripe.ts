// Stripe mode for a test file: a fake Stripe of its own (tests/fakes/stripe), the app's environment pointed
// at it, the plans synced to its prices, and helpers that deliver its events to POST /webhooks/stripe the
// way Stripe does (signed raw body). Delivery is manual by default, so a test decides the order.
import type Stripe from 'stripe';
import { afterAll, beforeAll } from 'vitest';
import { stripeClient } from '~/billing/stripe-client.server';
import { syncStripePlans } from '~/billing/stripe-plans.server';
import { resetEnvCache } from '~/env.server';
import * as webhookRoute from '~/routes/webhooks.stripe';
import type { Database } from '~db/client.server';
import { type FakeStripe, startFakeStripe } from '../fakes/stripe/server';

export const WEBHOOK_SECRET = 'whsec_test_webhook_secret_for_the_suite';

/** What POST /webhooks/stripe answers: the result, or a JSON error. */
export interface WebhookAnswer {
  status: number;
  body: {
    received?: boolean;
    duplicate?: boolean;
    outcome?: string | null;
    note?: string | null;
    error?: { code: string; message: string };
  };
}

export interface StripeTestContext {
  readonly fake: FakeStripe;
  readonly stripe: Stripe;
  /** Events the fake recorded since the last call, oldest first. */
  takeEvents(types?: string[]): Stripe.Event[];
  /** POSTs one event, signed, to the webhook route; the answer's status and JSON. */
  deliver(event: Stripe.Event, options?: { timestamp?: number }): Promise<WebhookAnswer>;
  /** Delivers every new event in the order Stripe created them. */
  deliverAll(types?: string[]): Promise<WebhookAnswer[]>;
}

/** Registers hooks: a fake Stripe, the env that selects Stripe mode, and plans mapped to its prices. */
export function useFakeStripe(getDb: () => Database): StripeTestContext {
  let fake: FakeStripe | undefined;
  let seen = 0;
  const saved: Record<string, string | undefined> = {};
  const vars = ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'STRIPE_API_BASE'] as const;
  beforeAll(async () => {
    fake = await startFakeStripe({ delivery: 'off' });
    for (const v of vars) saved[v] = process.env[v];
    process.env.STRIPE_SECRET_KEY = 'sk_test_fake_suite';
    process.env.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET;
    process.env.STRIPE_API_BASE = fake.url;
    resetEnvCache();
    await syncStripePlans(getDb(), stripeClient());
  });
  afterAll(async () => {
    for (const v of vars) {
      if (saved[v] === undefined) delete process.env[v];
      else process.env[v] = saved[v];
    }
    resetEnvCache();
    await fake?.close();
  });
  const ctx: StripeTestContext = {
    get fake() {
      if (!fake) throw new Error('fake Stripe not started');
      return fake;
    },
    get stripe() {
      return stripeClient();
    },
    takeEvents(types) {
      const events = ctx.fake.state.events.slice(seen) as Stripe.Event[];
      seen = ctx.fake.state.events.length;
      return types ? events.filter((e) => types.includes(e.type)) : events;
    },
    async deliver(event, options = {}) {
      const { body, signature } = ctx.fake.signedPayload(event, WEBHOOK_SECRET, options);
      return postWebhook(body, { 'stripe-signature': signature });
    },
    async deliverAll(types) {
      const answers = [];
      for (const event of ctx.takeEvents(types)) answers.push(await ctx.deliver(event));
      return answers;
    },
  };
  return ctx;
}

/** The webhook route's answer to a raw POST. */
export async function postWebhook(body: string, headers: Record<string, string>): Promise<WebhookAnswer> {
  const request = new Request('http://localhost/webhooks/stripe', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const response = (await webhookRoute.action({ request, params: {}, context: {} })) as Response;
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    return { status: response.status, body: { note: text } };
  }
}

/** The Checkout session id in a fake Checkout URL (`…/checkout/cs_test_…`). */
export const sessionIdOf = (url: string) => new URL(url).pathname.split('/').pop() as string;
