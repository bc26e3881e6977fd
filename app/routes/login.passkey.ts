// POST /login/passkey: signing in with a passkey, for the script on /login (app/auth/passkeys-client.ts).
// intent=options → the WebAuthn request options (a stored, single-use challenge); intent=verify with the
// browser's `response` → a complete session (the passkey is both factors) and where to go, as JSON. The
// body is a form, like every page POST; errors are JSON {"error": {code, message}}.
import type { ActionFunctionArgs } from '@remix-run/node';
import {
  authenticationResponseSchema,
  parseCredentialJson,
  signInWithPasskey,
  startPasskeySignIn,
} from '~/auth/passkeys.server';
import { safeRedirectPath } from '~/auth/redirect';
import { createUserSession, requestContext } from '~/auth/sessions.server';
import { getDb } from '~/db.server';
import { jsonError, jsonErrorResponse } from '~/lib/http.server';

export async function loader() {
  return jsonError(405, 'method_not_allowed', 'Use POST.', { headers: { Allow: 'POST' } });
}

export async function action({ request }: ActionFunctionArgs) {
  const db = await getDb();
  const form = await request.formData();
  const intent = form.get('intent');
  const headers = { 'Cache-Control': 'no-store' };
  try {
    if (intent === 'options') {
      const options = await startPasskeySignIn(db, requestContext(request));
      return Response.json({ options }, { headers });
    }
    if (intent === 'verify') {
      const response = parseCredentialJson(authenticationResponseSchema, form.get('response'));
      const user = await signInWithPasskey(db, response, requestContext(request), request);
      const cookie = await createUserSession(db, user.id, request, null, {
        signInMethod: 'passkey',
        secondFactor: 'passkey',
      });
      return Response.json(
        { redirectTo: safeRedirectPath(form.get('redirectTo'), '/orgs') },
        { headers: { ...headers, 'Set-Cookie': cookie } },
      );
    }
    return jsonError(400, 'bad_request', 'Unknown action.');
  } catch (err) {
    const answer = jsonErrorResponse(err);
    if (!answer) throw err;
    return answer;
  }
}
