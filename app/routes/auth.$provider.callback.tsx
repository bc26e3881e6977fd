// GET /auth/:provider/callback: checks state against the cookie, exchanges the code, then signs in (fresh
// session), creates the user, or connects the provider to the signed-in user.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { completeAuthorization, oauthProvider, signInWithOAuth } from '~/auth/oauth.server';
import { clearOAuthState, readOAuthState } from '~/auth/oauth-state.server';
import { providerLabel } from '~/auth/profile.server';
import { safeRedirectPath } from '~/auth/redirect';
import { startSignedInSession, twoFactorStepPath } from '~/auth/second-factor.server';
import { getAuth, requestContext } from '~/auth/sessions.server';
import { safeEqual } from '~/auth/tokens.server';
import { getDb } from '~/db.server';
import { DomainError } from '~/lib/errors';
import { flashCookie } from '~/lib/flash.server';

export async function loader({ request, params }: LoaderFunctionArgs) {
  const provider = oauthProvider(params.provider);
  if (!provider) throw new Response('This sign-in provider is not available.', { status: 404 });
  const db = await getDb();
  const auth = await getAuth(request, db);
  const headers = new Headers({ 'Set-Cookie': await clearOAuthState() });
  const fail = async (message: string) => {
    headers.append('Set-Cookie', await flashCookie({ kind: 'error', message }));
    return redirect(auth ? '/settings/accounts' : '/login', { headers });
  };

  const url = new URL(request.url);
  const label = providerLabel(provider.id);
  if (url.searchParams.get('error')) return fail(`Sign-in with ${label} was canceled.`);
  const saved = await readOAuthState(request);
  const state = url.searchParams.get('state') ?? '';
  const code = url.searchParams.get('code') ?? '';
  if (!saved || saved.provider !== provider.id || !state || !code || !safeEqual(saved.state, state)) {
    return fail(`The sign-in with ${label} expired or did not start here. Please try again.`);
  }

  try {
    const profile = await completeAuthorization(provider, code, saved.codeVerifier);
    const { user, outcome } = await signInWithOAuth(db, profile, {
      currentUserId: auth?.user.id ?? null,
      context: requestContext(request),
    });
    if (outcome === 'linked') {
      headers.append(
        'Set-Cookie',
        await flashCookie({ kind: 'success', message: `${label} is now connected.` }),
      );
      return redirect('/settings/accounts', { headers });
    }
    // With TOTP on, the provider was the first factor: a partial session, then the second step (ADR 0019).
    const { cookie, twoFactorPending } = await startSignedInSession(db, request, user.id, {
      signInMethod: provider.id,
    });
    headers.append('Set-Cookie', cookie);
    const next = safeRedirectPath(saved.redirectTo, '/orgs');
    if (twoFactorPending) return redirect(twoFactorStepPath(next), { headers });
    if (outcome === 'created') {
      headers.append(
        'Set-Cookie',
        await flashCookie({ kind: 'success', message: `Welcome! You signed up with ${label}.` }),
      );
    }
    return redirect(next, { headers });
  } catch (err) {
    if (err instanceof DomainError) return fail(err.message);
    throw err;
  }
}
