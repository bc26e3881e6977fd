// POST /reauthenticate/passkey?redirectTo=…: sudo mode's passkey proof, for the script on /reauthenticate.
// intent=options → request options offering only the user's own passkeys (a single-use challenge bound to
// the user); intent=verify with the browser's `response` → the session's reauthenticated_at is set and
// where to go back comes as JSON. Another user's passkey, a wrong origin or RP ID, or a replay: 401.
import type { ActionFunctionArgs } from '@remix-run/node';
import {
  authenticationResponseSchema,
  parseCredentialJson,
  startPasskeyReauthentication,
} from '~/auth/passkeys.server';
import { safeRedirectPath } from '~/auth/redirect';
import { actorOf, requireUser } from '~/auth/sessions.server';
import { reauthenticateWithPasskey } from '~/auth/sudo.server';
import { flashCookie } from '~/lib/flash.server';
import { jsonError, jsonErrorResponse } from '~/lib/http.server';

export async function loader() {
  return jsonError(405, 'method_not_allowed', 'Use POST.', { headers: { Allow: 'POST' } });
}

export async function action({ request }: ActionFunctionArgs) {
  const auth = await requireUser(request);
  const form = await request.formData();
  const headers = { 'Cache-Control': 'no-store' };
  try {
    const intent = form.get('intent');
    if (intent === 'options')
      return Response.json(
        { options: await startPasskeyReauthentication(auth.db, auth.user.id) },
        { headers },
      );
    if (intent === 'verify') {
      const response = parseCredentialJson(authenticationResponseSchema, form.get('response'));
      await reauthenticateWithPasskey(auth.db, actorOf(auth, request), auth.session.id, response);
      const redirectTo = safeRedirectPath(new URL(request.url).searchParams.get('redirectTo'), '/settings');
      return Response.json(
        { redirectTo },
        {
          headers: {
            ...headers,
            'Set-Cookie': await flashCookie({ kind: 'success', message: 'Thanks, that was you. Go ahead.' }),
          },
        },
      );
    }
    return jsonError(400, 'bad_request', 'Unknown action.');
  } catch (err) {
    const answer = jsonErrorResponse(err);
    if (!answer) throw err;
    return answer;
  }
}
