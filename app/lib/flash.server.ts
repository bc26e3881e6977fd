// One-shot flash messages carried in a signed cookie across a redirect (works without JavaScript).
import { createCookieSessionStorage, redirect } from '@remix-run/node';
import { env, secret } from '~/env.server';
import { cookieHeaderWith, cookieName, secureCookies } from './cookies';

export type FlashKind = 'success' | 'error' | 'info';
export interface Flash {
  kind: FlashKind;
  message: string;
}

type FlashData = { flash: Flash };

/** `__Host-flash` on https (no subdomain can plant one), `__flash` on plain http. */
export function flashCookieName(appUrl = env().APP_URL): string {
  return cookieName('flash', appUrl).replace(/^flash$/, '__flash');
}

let storage: ReturnType<typeof createCookieSessionStorage<Record<string, never>, FlashData>> | undefined;
function flashStorage() {
  storage ??= createCookieSessionStorage<Record<string, never>, FlashData>({
    cookie: {
      name: flashCookieName(),
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
      secure: secureCookies(env().APP_URL, env().NODE_ENV),
      secrets: [secret('SESSION_SECRET')],
      maxAge: 60,
    },
  });
  return storage;
}

export async function flashCookie(flash: Flash): Promise<string> {
  const session = await flashStorage().getSession();
  session.flash('flash', flash);
  return flashStorage().commitSession(session);
}

export async function redirectWithFlash(url: string, flash: Flash, init: ResponseInit = {}) {
  const headers = new Headers(init.headers);
  headers.append('Set-Cookie', await flashCookie(flash));
  return redirect(url, { ...init, headers });
}

/** Reads and consumes the flash; the returned header must be sent so the message shows once. */
export async function readFlash(
  request: Request,
): Promise<{ flash: Flash | null; setCookie: string | null }> {
  // Only our cookie is handed to the parser: other apps' cookies on the domain may not even decode.
  const session = await flashStorage().getSession(cookieHeaderWith(request, flashCookieName()));
  const flash = session.get('flash') ?? null;
  if (!flash) return { flash: null, setCookie: null };
  return { flash, setCookie: await flashStorage().commitSession(session) };
}
