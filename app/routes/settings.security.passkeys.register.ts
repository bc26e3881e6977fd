// POST /settings/security/passkeys/register: the WebAuthn registration ceremony for the script on
// /settings/security/passkeys (app/auth/passkeys-client.ts). intent=options → creation options (a stored,
// single-use challenge for this user); intent=verify with `name` and the browser's `response` → the
// passkey is stored, every other session and API token ends (afterFactorChange), and the page to reload
// comes back as JSON with a flash. Sudo mode: refused unless the session re-authenticated recently.
import type { ActionFunctionArgs } from '@remix-run/node';
import {
  finishPasskeyRegistration,
  parseCredentialJson,
  registrationResponseSchema,
  startPasskeyRegistration,
} from '~/auth/passkeys.server';
import { actorOf, requireUser } from '~/auth/sessions.server';
import { isRecentlyAuthenticated } from '~/auth/sudo.server';
import { flashCookie } from '~/lib/flash.server';
import { jsonError, jsonErrorResponse } from '~/lib/http.server';

const PASSKEYS_PAGE = '/settings/security/passkeys';

export async function loader() {
  return jsonError(405, 'method_not_allowed', 'Use POST.', { headers: { Allow: 'POST' } });
}

export async function action({ request }: ActionFunctionArgs) {
  const auth = await requireUser(request);
  const form = await request.formData();
  if (!isRecentlyAuthenticated(auth.session))
    return jsonError(
      403,
      'reauthentication_required',
      'Confirm it is you first: reload the page and confirm your password, code or passkey.',
    );
  const actor = actorOf(auth, request);
  const headers = { 'Cache-Control': 'no-store' };
  try {
    const intent = form.get('intent');
    if (intent === 'options') {
      return Response.json({ options: await startPasskeyRegistration(auth.db, actor) }, { headers });
    }
    if (intent === 'verify') {
      const response = parseCredentialJson(registrationResponseSchema, form.get('response'));
      const passkey = await finishPasskeyRegistration(auth.db, actor, auth.session.id, {
        name: String(form.get('name') ?? ''),
        response,
      });
      const others = passkey.sessionsRevoked;
      const signedOut =
        others === 0
          ? ''
          : others === 1
            ? ' 1 other session was signed out.'
            : ` ${others} other sessions were signed out.`;
      return Response.json(
        { redirectTo: PASSKEYS_PAGE },
        {
          headers: {
            ...headers,
            'Set-Cookie': await flashCookie({
              kind: 'success',
              message: `The passkey “${passkey.name}” was added.${signedOut}`,
            }),
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
