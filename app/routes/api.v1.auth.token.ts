// POST /api/v1/auth/token: email + password → { accessToken, refreshToken, … } (seed 001).
import type { ActionFunctionArgs } from '@remix-run/node';
import { issueApiTokens } from '~/auth/api-tokens.server';
import { requestContext } from '~/auth/sessions.server';
import { apiTokenRequestSchema } from '~/auth/validation';
import { getDb } from '~/db.server';
import { apiError, methodNotAllowed, parseJsonBody } from '~/lib/http.server';

export const loader = () => methodNotAllowed('POST');

export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== 'POST') return methodNotAllowed('POST');
  try {
    const body = await parseJsonBody(request, apiTokenRequestSchema);
    const tokens = await issueApiTokens(await getDb(), body, requestContext(request));
    return Response.json(tokens, { headers: { 'Cache-Control': 'no-store' } });
  } catch (err) {
    return apiError(err);
  }
}
