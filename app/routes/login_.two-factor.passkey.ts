// POST /login/two-factor/passkey: the passkey half of the second step, for the script on
// /login/two-factor. Only a partial session reaches it (401 otherwise). intent=options → request options
// offering only that user's passkeys; intent=verify with the browser's `response` (and `redirectTo`) → the partial session is
// replaced by a complete one (Set-Cookie) and where to go comes as JSON. Another user's passkey: 401.
import type { ActionFunctionArgs } from '@remix-run/node';
import {
  authenticationResponseSchema,
  completePasskeySecondStep,
  parseCredentialJson,
  startPasskeySecondStep,
} from '~/auth/passkeys.server';
import { safeRedirectPath } from '~/auth/redirect';
import { getPendingSignIn } from '~/auth/sessions.server';
import { jsonError, jsonErrorResponse } from '~/lib/http.server';

export async function loader() {
  return jsonError(405, 'method_not_allowed', 'Use POST.', { headers: { Allow: 'POST' } });
}

export async function action({ request }: ActionFunctionArgs) {
  const pending = await getPendingSignIn(request);
  if (!pending)
    return jsonError(401, 'unauthorized', 'This sign-in step expired or was finished. Sign in again.');
  const form = await request.formData();
  const headers = { 'Cache-Control': 'no-store' };
  try {
    const intent = form.get('intent');
    if (intent === 'options')
      return Response.json({ options: await startPasskeySecondStep(pending.db, pending) }, { headers });
    if (intent === 'verify') {
      const response = parseCredentialJson(authenticationResponseSchema, form.get('response'));
      const cookie = await completePasskeySecondStep(pending.db, request, pending, response);
      const redirectTo = safeRedirectPath(form.get('redirectTo'), '/orgs');
      return Response.json({ redirectTo }, { headers: { ...headers, 'Set-Cookie': cookie } });
    }
    return jsonError(400, 'bad_request', 'Unknown action.');
  } catch (err) {
    const answer = jsonErrorResponse(err);
    if (!answer) throw err;
    return answer;
  }
}
