// Events and their delivery. Envelopes come from the fixture `event`; signatures are made by the stripe
// package itself, so a receiver that verifies with `stripe.webhooks.constructEvent` accepts exactly what
// it would accept from Stripe.
import Stripe from 'stripe';
import { fixture, newId, type StripeObject } from './fixtures';

export interface DeliveryRecord {
  eventId: string;
  type: string;
  status: number | null;
  attempts: number;
  error?: string;
}

export interface WebhookTarget {
  url: string;
  secret: string;
}

export type DeliveryMode = 'sync' | 'off';

export interface EventOptions {
  created: number;
  id?: string;
  previous_attributes?: StripeObject;
  pendingWebhooks?: number;
  request?: { id: string | null; idempotency_key: string | null };
}

/** An event envelope around a snapshot of `object` (later changes to the object do not show in it). */
export function buildEvent(type: string, object: StripeObject, options: EventOptions): StripeObject {
  const data: StripeObject = { object: structuredClone(object) };
  if (options.previous_attributes) data.previous_attributes = structuredClone(options.previous_attributes);
  return Object.assign(fixture('event'), {
    id: options.id ?? newId('evt_'),
    object: 'event',
    type,
    created: options.created,
    api_version: Stripe.API_VERSION,
    livemode: false,
    data,
    pending_webhooks: options.pendingWebhooks ?? 0,
    request: options.request ?? { id: null, idempotency_key: null },
  });
}

/**
 * The raw body and `Stripe-Signature` header Stripe would send. The timestamp is wall-clock time, not the
 * fake clock: receivers check it against their own clock (5 minutes' tolerance by default).
 */
export function signedPayload(
  event: StripeObject,
  secret: string,
  opts: { timestamp?: number } = {},
): { body: string; signature: string } {
  const body = JSON.stringify(event, null, 2);
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  return { body, signature: Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp }) };
}

/** The first try and 3 retries. */
export const MAX_DELIVERY_ATTEMPTS = 4;
const RETRY_DELAY_MS = 100;
const ATTEMPT_TIMEOUT_MS = 10_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class WebhookDeliverer {
  private target: WebhookTarget | null = null;
  private mode: DeliveryMode = 'off';

  constructor(
    private readonly records: DeliveryRecord[],
    private readonly log: (line: string) => void,
  ) {}

  configure(target: WebhookTarget | null, mode?: DeliveryMode): void {
    this.target = target;
    this.mode = mode ?? (target ? 'sync' : 'off');
  }

  get enabled(): boolean {
    return this.target !== null && this.mode === 'sync';
  }

  /**
   * Delivers the events one after the other, each retried until a 2xx or the attempts run out. Never
   * throws: a failure is what `deliveries` records. Each request delivers only its own events, so a
   * receiver that calls the API while handling one (or changes a subscription) does not wait on itself.
   */
  async deliver(events: StripeObject[]): Promise<void> {
    const target = this.target;
    if (!target || this.mode !== 'sync') return;
    for (const event of events) await this.deliverOne(event, target);
  }

  private async deliverOne(event: StripeObject, target: WebhookTarget): Promise<void> {
    const record: DeliveryRecord = { eventId: event.id, type: event.type, status: null, attempts: 0 };
    this.records.push(record);
    for (let attempt = 1; attempt <= MAX_DELIVERY_ATTEMPTS; attempt++) {
      record.attempts = attempt;
      try {
        // Signed again on every attempt, as Stripe does, so a retry never carries a stale timestamp.
        const { body, signature } = signedPayload(event, target.secret);
        const response = await fetch(target.url, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json; charset=utf-8',
            'Stripe-Signature': signature,
            'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
        });
        const text = await response.text().catch(() => '');
        record.status = response.status;
        if (response.ok) {
          delete record.error;
          return;
        }
        record.error = `HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
      } catch (err) {
        record.status = null;
        record.error = err instanceof Error ? `${err.message}${causeOf(err)}` : String(err);
      }
      if (attempt < MAX_DELIVERY_ATTEMPTS) await sleep(RETRY_DELAY_MS);
    }
    this.log(`webhook ${event.type} ${event.id} failed after ${record.attempts} attempts: ${record.error}`);
  }
}

// fetch reports "fetch failed" and hides the reason (ECONNREFUSED, …) in `cause`.
function causeOf(err: Error): string {
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error ? ` (${cause.message})` : '';
}
