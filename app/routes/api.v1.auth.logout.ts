// POST /api/v1/auth/logout (Bearer access token; optional {"refreshToken": "…"}): blacklists the token's
// jti and revokes its refresh family. A blacklisted or expired token gets 401.
import type { ActionFunctionArgs } from '@remix-run/node';
import { requireApiUser, revokeApiTokens } from '~/auth/api-tokens.server';
import { requestContext } from '~/auth/sessions.server';
import { logoutRequestSchema } from '~/auth/validation';
import { getDb } from '~/db.server';
import { apiError, methodNotAllowed, parseJsonBody } from '~/lib/http.server';

export const loader = () => methodNotAllowed('POST');

export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== 'POST') return methodNotAllowed('POST');
  try {
    const db = await getDb();
    const claims = await requireApiUser(db, request);
    const { refreshToken } = await parseJsonBody(request, logoutRequestSchema, { optional: true });
    await revokeApiTokens(db, claims, refreshToken, requestContext(request));
    return new Response(null, { status: 204 });
  } catch (err) {
    return apiError(err);
  }
}
