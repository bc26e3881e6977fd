// POST /webhooks/stripe (SPEC §7, issue 10 §6): Stripe's deliveries. The signature is checked on the raw
// body before anything is parsed or written; the domain (stripe-webhook.server.ts) applies the event once
// and in order. Answers: 200 applied / ignored / replay · 400 bad signature or body · 500 a failure, rolled
// back, so Stripe delivers again · 404 in local billing mode · 503 without a webhook secret.
import type { ActionFunctionArgs } from '@remix-run/node';
import { stripeClientOrNull } from '~/billing/stripe-client.server';
import { processStripeEvent, verifyStripeEvent } from '~/billing/stripe-webhook.server';
import { getDb } from '~/db.server';
import { env } from '~/env.server';
import { jsonError, jsonErrorResponse, methodNotAllowed } from '~/lib/http.server';

const noStore = { 'Cache-Control': 'no-store' };

export const loader = () => methodNotAllowed('POST');

export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== 'POST') return methodNotAllowed('POST');
  const stripe = stripeClientOrNull();
  const secret = env().STRIPE_WEBHOOK_SECRET;
  // Local billing mode has no Stripe endpoint; Stripe mode without the secret is a misconfiguration that
  // Stripe's retries outlive once it is fixed (production refuses to start that way).
  if (!stripe)
    return jsonError(404, 'not_found', 'Stripe is not enabled on this installation.', { headers: noStore });
  if (!secret)
    return jsonError(503, 'stripe_not_configured', 'STRIPE_WEBHOOK_SECRET is not set on this installation.', {
      headers: noStore,
    });
  const raw = await request.text();
  let event: ReturnType<typeof verifyStripeEvent>;
  try {
    event = verifyStripeEvent(stripe, raw, request.headers.get('stripe-signature'), secret);
  } catch (err) {
    return jsonErrorResponse(err) ?? jsonError(400, 'bad_request', 'The webhook could not be read.');
  }
  try {
    const result = await processStripeEvent(await getDb(), stripe, event);
    return Response.json({ received: true, ...result }, { headers: noStore });
  } catch (err) {
    // Rolled back and noted on the ledger; Stripe retries on any non-2xx answer.
    console.error(`[stripe] ${event.type} ${event.id} failed`, err);
    return jsonError(500, 'webhook_failed', 'The event could not be processed; it will be retried.', {
      headers: noStore,
    });
  }
}
