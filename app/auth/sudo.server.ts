// Sudo mode (issue 15 §4, ASVS 5.0 §7.5.1): changing the email, the password or a factor, deleting the
// account, transferring ownership, deleting an organization and creating an API key need a proof of who
// you are from the last SUDO_WINDOW_MINUTES. A complete sign-in is one (createUserSession sets
// sessions.reauthenticated_at); /reauthenticate makes another by password, TOTP code or passkey. The
// route's action is the gate that counts; its loader sends the person through /reauthenticate before
// the form, so nobody fills in a form only to be asked first.

import { redirect } from '@remix-run/node';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { and, eq } from 'drizzle-orm';
import { type Actor, recordAudit } from '~/audit/audit.server';
import { TooManyRequests, ValidationFailed } from '~/lib/errors';
import { hitAll, reset } from '~/lib/rate-limit.server';
import type { Database } from '~db/client.server';
import { accounts, sessions, totpCredentials, webauthnCredentials } from '~db/schema';
import { verifyPasskeyReauthentication } from './passkeys.server';
import { verifyPassword } from './password.server';
import { safeRedirectPath } from './redirect';
import type { AuthContext } from './sessions.server';
import { verifyUserTotp } from './totp.server';

export const SUDO_WINDOW_MINUTES = 10;
const SUDO_WINDOW_MS = SUDO_WINDOW_MINUTES * 60_000;
export const REAUTHENTICATE_PATH = '/reauthenticate';
export const REAUTH_PASSWORD_LIMIT = 5;
export const REAUTH_PASSWORD_WINDOW_MINUTES = 15;

export const WRONG_PASSWORD = 'That password is not right.';
export const WRONG_TOTP = 'That code is not right, has expired or was already used. Try the current code.';

type UserActor = Actor & { userId: string };

/** True while the session's last proof of identity is less than SUDO_WINDOW_MINUTES old. */
export function isRecentlyAuthenticated(
  session: Pick<AuthContext['session'], 'reauthenticatedAt'>,
  now = Date.now(),
): boolean {
  const at = session.reauthenticatedAt;
  return Boolean(at) && now - new Date(at as Date).getTime() < SUDO_WINDOW_MS;
}

/** /reauthenticate?redirectTo=… for coming back to `path` (made safe). */
export function reauthenticatePath(path: string): string {
  return `${REAUTHENTICATE_PATH}?${new URLSearchParams({ redirectTo: safeRedirectPath(path, '/settings') })}`;
}

/** The page a request is for (a single-fetch `.data` URL is its page; `?index` is routing, not a place). */
export function pageOf(request: Request): string {
  const url = new URL(request.url);
  url.searchParams.delete('index');
  url.searchParams.delete('_data');
  const path = url.pathname.replace(/\.data$/, '') || '/';
  const search = url.searchParams.toString();
  return search ? `${path}?${search}` : path;
}

/**
 * The gate: returns when the session re-authenticated within SUDO_WINDOW_MINUTES, else throws a redirect
 * to /reauthenticate that comes back to `returnTo` (by default the page the request is for).
 */
export function requireRecentAuthentication(
  auth: Pick<AuthContext, 'session'>,
  request: Request,
  options: { returnTo?: string } = {},
): void {
  if (isRecentlyAuthenticated(auth.session)) return;
  throw redirect(reauthenticatePath(options.returnTo ?? pageOf(request)));
}

// ---- re-authenticating ----------------------------------------------------------------------------------

export interface ReauthenticationMethods {
  password: boolean;
  totp: boolean;
  passkey: boolean;
}

/** Which proofs the user can give (a user with none signs in again instead). */
export async function reauthenticationMethods(
  db: Database,
  userId: string,
): Promise<ReauthenticationMethods> {
  const [credential] = await db
    .select({ password: accounts.password })
    .from(accounts)
    .where(and(eq(accounts.userId, userId), eq(accounts.providerId, 'credential')));
  return {
    password: Boolean(credential?.password),
    totp: await hasConfirmedTotpApp(db, userId),
    passkey: await hasPasskey(db, userId),
  };
}

async function hasConfirmedTotpApp(db: Database, userId: string): Promise<boolean> {
  const [row] = await db
    .select({ confirmedAt: totpCredentials.confirmedAt })
    .from(totpCredentials)
    .where(eq(totpCredentials.userId, userId));
  return Boolean(row?.confirmedAt);
}

async function hasPasskey(db: Database, userId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: webauthnCredentials.id })
    .from(webauthnCredentials)
    .where(eq(webauthnCredentials.userId, userId))
    .limit(1);
  return Boolean(row);
}

/** Records the fresh proof on the session, audited with how it was given. */
async function markReauthenticated(
  db: Database,
  actor: UserActor,
  sessionId: string,
  method: 'password' | 'totp' | 'passkey',
) {
  await db.transaction(async (tx) => {
    await tx
      .update(sessions)
      .set({ reauthenticatedAt: new Date() })
      .where(and(eq(sessions.id, sessionId), eq(sessions.userId, actor.userId)));
    await recordAudit(tx, actor, {
      action: 'session.reauthenticated',
      entityType: 'session',
      entityId: sessionId.slice(0, 16),
      metadata: { method },
    });
  });
}

/** Re-authentication by password: at most REAUTH_PASSWORD_LIMIT tries per user per window. */
export async function reauthenticateWithPassword(
  db: Database,
  actor: UserActor,
  sessionId: string,
  password: string,
): Promise<void> {
  if (!password) throw new ValidationFailed(WRONG_PASSWORD, { password: ['Enter your password'] });
  const key = `reauth-password:${actor.userId}`;
  const exceeded = await hitAll(db, [
    { key, limit: REAUTH_PASSWORD_LIMIT, windowMinutes: REAUTH_PASSWORD_WINDOW_MINUTES },
  ]);
  if (exceeded)
    throw new TooManyRequests(
      `Too many wrong passwords. Try again in ${Math.ceil(exceeded.retryAfterSeconds / 60)} minute(s).`,
      exceeded.retryAfterSeconds,
      exceeded.rule.limit,
    );
  const [account] = await db
    .select({ password: accounts.password })
    .from(accounts)
    .where(and(eq(accounts.userId, actor.userId), eq(accounts.providerId, 'credential')));
  if (!account?.password || !(await verifyPassword(account.password, password))) {
    await recordAudit(db, actor, {
      action: 'session.reauthentication_failed',
      entityType: 'session',
      entityId: sessionId.slice(0, 16),
      metadata: { method: 'password' },
    });
    throw new ValidationFailed(WRONG_PASSWORD, { password: [WRONG_PASSWORD] });
  }
  await reset(db, key);
  await markReauthenticated(db, actor, sessionId, 'password');
}

/** Re-authentication by a current code of the user's authenticator app (throttled by verifyUserTotp). */
export async function reauthenticateWithTotp(
  db: Database,
  actor: UserActor,
  sessionId: string,
  code: string,
): Promise<void> {
  if (!(await hasConfirmedTotpApp(db, actor.userId)))
    throw new ValidationFailed('You have no authenticator app to confirm with.');
  if (!(await verifyUserTotp(db, actor.userId, code))) {
    await recordAudit(db, actor, {
      action: 'session.reauthentication_failed',
      entityType: 'session',
      entityId: sessionId.slice(0, 16),
      metadata: { method: 'totp' },
    });
    throw new ValidationFailed(WRONG_TOTP, { code: [WRONG_TOTP] });
  }
  await markReauthenticated(db, actor, sessionId, 'totp');
}

/** Re-authentication by one of the user's own passkeys (a challenge from startPasskeyReauthentication). */
export async function reauthenticateWithPasskey(
  db: Database,
  actor: UserActor,
  sessionId: string,
  response: AuthenticationResponseJSON,
): Promise<void> {
  try {
    await verifyPasskeyReauthentication(db, actor.userId, response);
  } catch (err) {
    await recordAudit(db, actor, {
      action: 'session.reauthentication_failed',
      entityType: 'session',
      entityId: sessionId.slice(0, 16),
      metadata: { method: 'passkey' },
    });
    throw err;
  }
  await markReauthenticated(db, actor, sessionId, 'passkey');
}

/** For pages that show a sudo-gated form among others: whether it may be shown, else where to confirm. */
export function sudoState(auth: Pick<AuthContext, 'session'>, request: Request) {
  return { recent: isRecentlyAuthenticated(auth.session), confirmPath: reauthenticatePath(pageOf(request)) };
}
