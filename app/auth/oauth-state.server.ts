// The OAuth round trip's short-lived cookie: state, the PKCE verifier (Google) and where to go after.
// Signed (SESSION_SECRET), HttpOnly, SameSite=Lax (the provider's redirect back is a top-level GET), 10 minutes.
import { createCookie } from '@remix-run/node';
import { env, secret } from '~/env.server';
import type { OAuthProviderId } from './profile.server';

export interface OAuthState {
  provider: OAuthProviderId;
  state: string;
  codeVerifier: string | null;
  redirectTo: string;
}

function oauthCookie() {
  return createCookie('oauth', {
    httpOnly: true,
    sameSite: 'lax',
    path: '/auth',
    secure: env().NODE_ENV === 'production',
    secrets: [secret('SESSION_SECRET')],
    maxAge: 600,
  });
}

export function serializeOAuthState(value: OAuthState): Promise<string> {
  return oauthCookie().serialize(value);
}

export async function readOAuthState(request: Request): Promise<OAuthState | null> {
  const value = (await oauthCookie().parse(request.headers.get('Cookie'))) as OAuthState | null;
  return value && typeof value.state === 'string' ? value : null;
}

export function clearOAuthState(): Promise<string> {
  return oauthCookie().serialize('', { maxAge: 0 });
}
