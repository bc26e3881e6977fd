// POST /webhooks/paynow: Paynow's result callback for invoice payments (form-encoded, hashed with the
// integration key). The hash is checked on the raw body before anything is read or written; the domain
// (invoicing/paynow.server.ts) applies each status once. Answers: 200 applied / ignored / replay · 400 bad
// or missing hash · 500 a failure, rolled back, so Paynow sends it again · 404 when Paynow is not set up.
import type { ActionFunctionArgs } from '@remix-run/node';
import { getDb } from '~/db.server';
import { handlePaynowResult, isPaynowConfigured } from '~/invoicing/paynow.server';
import { ValidationFailed } from '~/lib/errors';
import { jsonError, jsonErrorResponse, methodNotAllowed } from '~/lib/http.server';

const noStore = { 'Cache-Control': 'no-store' };

export const loader = () => methodNotAllowed('POST');

export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== 'POST') return methodNotAllowed('POST');
  if (!isPaynowConfigured())
    return jsonError(404, 'not_found', 'Paynow is not enabled on this installation.', { headers: noStore });
  const raw = await request.text();
  try {
    const result = await handlePaynowResult(await getDb(), raw);
    return Response.json({ received: true, ...result }, { headers: noStore });
  } catch (err) {
    // Verification failures are thrown before any write: a 400 Paynow should not retry.
    if (err instanceof ValidationFailed) return jsonErrorResponse(err) as Response;
    console.error('[paynow] result callback failed', err);
    return jsonError(500, 'webhook_failed', 'The result could not be processed; it will be retried.', {
      headers: noStore,
    });
  }
}
