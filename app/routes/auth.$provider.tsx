// GET /auth/:provider: starts the OAuth round trip (state, and PKCE for Google, in a short-lived cookie).
import type { LoaderFunctionArgs } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { oauthProvider, startAuthorization } from '~/auth/oauth.server';
import { serializeOAuthState } from '~/auth/oauth-state.server';
import { safeRedirectPath } from '~/auth/redirect';

export async function loader({ request, params }: LoaderFunctionArgs) {
  const provider = oauthProvider(params.provider);
  if (!provider) throw new Response('This sign-in provider is not available.', { status: 404 });
  const { url, state, codeVerifier } = startAuthorization(provider);
  const redirectTo = safeRedirectPath(new URL(request.url).searchParams.get('redirectTo'), '/orgs');
  const cookie = await serializeOAuthState({ provider: provider.id, state, codeVerifier, redirectTo });
  return redirect(url.toString(), { headers: { 'Set-Cookie': cookie } });
}
