// /api/v1/orgs/:slug/usage (SPEC §7). GET (scope usage:read): sums by event type for a period (default
// the current UTC month). POST (scope usage:write): a batch of usage events, idempotent per key; refused
// with 403 limit_reached once the month's API calls are used up. Authenticated by an API key or a JWT.
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import {
  type ApiContext,
  authenticateApiRequest,
  rateLimitHeaders,
  recordApiCall,
  withApiContext,
} from '~/api-keys/authenticate.server';
import { getDb } from '~/db.server';
import { LimitReached } from '~/lib/errors';
import { apiError, jsonError, methodNotAllowed, parseJsonBody } from '~/lib/http.server';
import { ingestUsage, ingestUsageSchema, parseUsagePeriod, usageSummary } from '~/usage/usage.server';

/** A full batch of 1000 events with their data fits well inside this. */
const MAX_BODY_BYTES = 2_000_000;

export async function loader({ request, params }: LoaderFunctionArgs) {
  return withApiContext(request, params.slug, 'usage:read', async (db, context) => {
    const period = parseUsagePeriod(new URL(request.url).searchParams);
    const summary = await usageSummary(db, context, period);
    return Response.json(summary, { headers: { ...rateLimitHeaders(context), 'Cache-Control': 'no-store' } });
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  if (request.method !== 'POST') return methodNotAllowed('GET, POST');
  const db = await getDb();
  let context: ApiContext;
  try {
    // The api.call is recorded by the ingestion itself, under the plan-limit lock.
    context = await authenticateApiRequest(db, request, params.slug, 'usage:write', { recordCall: false });
  } catch (err) {
    return apiError(err);
  }
  try {
    if (Number(request.headers.get('content-length') ?? 0) > MAX_BODY_BYTES) {
      await recordApiCall(db, context);
      return jsonError(413, 'payload_too_large', `Send at most ${MAX_BODY_BYTES} bytes per request.`);
    }
    const body = await parseJsonBody(request, ingestUsageSchema);
    const result = await ingestUsage(db, context, body);
    return Response.json(result, { headers: rateLimitHeaders(context) });
  } catch (err) {
    // Every authenticated request counts one api.call, except the one refused for having none left.
    if (!(err instanceof LimitReached)) await recordApiCall(db, context);
    return apiError(err);
  }
}
