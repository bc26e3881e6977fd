// POST /api/v1/auth/refresh {"refreshToken": "…"}: rotation; reuse of a rotated token revokes its family.
import type { ActionFunctionArgs } from '@remix-run/node';
import { refreshApiTokens } from '~/auth/api-tokens.server';
import { requestContext } from '~/auth/sessions.server';
import { refreshRequestSchema } from '~/auth/validation';
import { getDb } from '~/db.server';
import { apiError, methodNotAllowed, parseJsonBody } from '~/lib/http.server';

export const loader = () => methodNotAllowed('POST');

export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== 'POST') return methodNotAllowed('POST');
  try {
    const { refreshToken } = await parseJsonBody(request, refreshRequestSchema);
    const tokens = await refreshApiTokens(await getDb(), refreshToken, requestContext(request));
    return Response.json(tokens, { headers: { 'Cache-Control': 'no-store' } });
  } catch (err) {
    return apiError(err);
  }
}
