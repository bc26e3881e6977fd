// One-shot flash messages carried in a signed cookie across a redirect (works without JavaScript).
import { createCookieSessionStorage, redirect } from '@remix-run/node';
import { env, secret } from '~/env.server';

export type FlashKind = 'success' | 'error' | 'info';
export interface Flash {
  kind: FlashKind;
  message: string;
}

type FlashData = { flash: Flash };
let storage: ReturnType<typeof createCookieSessionStorage<Record<string, never>, FlashData>> | undefined;
function flashStorage() {
  storage ??= createCookieSessionStorage<Record<string, never>, FlashData>({
    cookie: {
      name: '__flash',
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
      secure: env().NODE_ENV === 'production',
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
  const session = await flashStorage().getSession(request.headers.get('Cookie'));
  const flash = session.get('flash') ?? null;
  if (!flash) return { flash: null, setCookie: null };
  return { flash, setCookie: await flashStorage().commitSession(session) };
}
