// Browser sessions on Lucia 3 (docs/decisions/0003): the cookie holds a random token, `sessions.id`
// is its SHA-256, so a leaked sessions table yields no usable cookie. 30-day sliding expiry, renewed
// by Lucia once past half-life; a fresh id at every sign-in (no fixation).
import { DrizzlePostgreSQLAdapter } from '@lucia-auth/adapter-drizzle';
import { redirect } from '@remix-run/node';
import { and, desc, eq, gt, lt, ne, sql } from 'drizzle-orm';
import { Lucia, TimeSpan } from 'lucia';
import { applyImpersonation } from '~/admin/impersonation.server';
import { type Actor, clientIp, recordAudit } from '~/audit/audit.server';
import { getDb } from '~/db.server';
import { env } from '~/env.server';
import { cookieName, readCookie, secureCookies } from '~/lib/cookies';
import { NotFound } from '~/lib/errors';
import { requestMemo } from '~/lib/request-context.server';
import type { MemberRole } from '~/orgs/permissions';
import type { Database } from '~db/client.server';
import {
  billingAccounts,
  organizationMembers,
  organizations,
  sessions,
  subscriptions,
  users,
} from '~db/schema';
import { safeRedirectPath } from './redirect';
import { secondFactorExists } from './second-factor-sql.server';
import { generateToken, sha256Hex } from './tokens.server';
import { describeUserAgent } from './user-agent';

export const SESSION_COOKIE = 'session';
export const SESSION_DAYS = 30;
/** last_used_at is refreshed at most this often, so reads stay reads. */
const LAST_USED_RESOLUTION_MS = 60_000;

function createLucia(db: Database) {
  const adapter = new DrizzlePostgreSQLAdapter(db, sessions, users);
  return new Lucia(adapter, {
    sessionExpiresIn: new TimeSpan(SESSION_DAYS, 'd'),
    sessionCookie: {
      // `__Host-session` on https: only this origin, Secure, path / (a sibling subdomain cannot set it).
      name: cookieName(SESSION_COOKIE, env().APP_URL),
      expires: true,
      attributes: { secure: secureCookies(env().APP_URL, env().NODE_ENV), sameSite: 'lax', path: '/' },
    },
    getUserAttributes: (a) => ({
      email: a.email,
      name: a.name,
      image: a.image,
      role: a.role,
      status: a.status,
      emailVerifiedAt: a.emailVerifiedAt,
      deletedAt: a.deletedAt,
      timezone: a.timezone,
      language: a.language,
    }),
    getSessionAttributes: (a) => ({
      activeOrganizationId: a.activeOrganizationId,
      ipAddress: a.ipAddress,
      userAgent: a.userAgent,
      lastUsedAt: a.lastUsedAt,
      signInMethod: a.signInMethod,
      secondFactor: a.secondFactor,
      twoFactorPending: a.twoFactorPending,
      reauthenticatedAt: a.reauthenticatedAt,
    }),
  });
}

type UserRow = typeof users.$inferSelect;
type SessionRow = typeof sessions.$inferSelect;

declare module 'lucia' {
  interface Register {
    Lucia: ReturnType<typeof createLucia>;
    DatabaseUserAttributes: Omit<UserRow, 'id'>;
    DatabaseSessionAttributes: Pick<
      SessionRow,
      | 'activeOrganizationId'
      | 'ipAddress'
      | 'userAgent'
      | 'lastUsedAt'
      | 'signInMethod'
      | 'secondFactor'
      | 'twoFactorPending'
      | 'reauthenticatedAt'
    >;
  }
}

const instances = new WeakMap<Database, ReturnType<typeof createLucia>>();
export function luciaFor(db: Database) {
  let lucia = instances.get(db);
  if (!lucia) {
    lucia = createLucia(db);
    instances.set(db, lucia);
  }
  return lucia;
}

export type SessionUser = import('lucia').User & {
  /** A confirmed TOTP app or a passkey (docs/decisions/0019). */
  hasSecondFactor: boolean;
};
export type UserSession = import('lucia').Session;

/** The signed-in user's membership of the organization whose page (`/o/:slug/…`) the request is for. */
export interface PathMembership {
  slug: string;
  /** null: no such organization, or the user is not a member of it. */
  member: {
    organization: { id: string; name: string; slug: string };
    role: MemberRole;
    memberId: string;
    /** The organization's subscription status (the layout's past-due banner). */
    subscriptionStatus: string | null;
    /** The billing account's status: SUSPENDED closes every page but billing (issue 11 §8). */
    billingStatus: string | null;
    /** The organization requires a second factor of its members (issue 15). */
    requireTwoFactor: boolean;
  } | null;
}

export interface AuthContext {
  db: Database;
  user: SessionUser;
  session: UserSession;
  /** Set-Cookie to send when the session was renewed (sliding expiry); empty otherwise. */
  headers: Headers;
  /** Loaded with the session, in the same statement, when the request's path is an organization's. */
  pathMembership: PathMembership | null;
}

function readToken(request: Request, db: Database): string | null {
  // Not Lucia's parser: it throws on any undecodable cookie of the domain (`_ga=100%`), see app/lib/cookies.ts.
  return readCookie(request, luciaFor(db).sessionCookieName);
}

export type SignInMethod = 'password' | 'github' | 'google' | 'passkey';
export type SecondFactorKind = 'totp' | 'recovery_code' | 'passkey';

export interface SessionOptions {
  /** How the first factor was proven; 'password' by default. */
  signInMethod?: SignInMethod;
  /** The second factor proven at this sign-in, if any. */
  secondFactor?: SecondFactorKind | null;
  /** A partial session: it may only finish the second step or sign out, and lives TWO_FACTOR_PENDING_MINUTES. */
  twoFactorPending?: boolean;
}

/** How long a partial session (password right, second step not yet) lives (docs/decisions/0019). */
export const TWO_FACTOR_PENDING_MINUTES = 10;
/** The only pages a partial session may open. */
export const TWO_FACTOR_PATH = '/login/two-factor';
const PENDING_ALLOWED_PATHS = new Set([
  TWO_FACTOR_PATH,
  `${TWO_FACTOR_PATH}.data`,
  '/logout',
  '/logout.data',
]);

/** Starts a new session (fresh id) for the user; returns the Set-Cookie header value. */
export async function createUserSession(
  db: Database,
  userId: string,
  request: Request,
  activeOrganizationId: string | null = null,
  options: SessionOptions = {},
): Promise<string> {
  const token = generateToken();
  const lucia = luciaFor(db);
  const now = new Date();
  const pending = options.twoFactorPending ?? false;
  await lucia.createSession(
    userId,
    {
      activeOrganizationId,
      ipAddress: clientIp(request),
      userAgent: request.headers.get('user-agent')?.slice(0, 512) ?? null,
      lastUsedAt: now,
      signInMethod: options.signInMethod ?? 'password',
      secondFactor: pending ? null : (options.secondFactor ?? null),
      twoFactorPending: pending,
      // A complete sign-in is a fresh proof of who you are (sudo mode); a partial one is not yet.
      reauthenticatedAt: pending ? null : now,
    },
    { sessionId: sha256Hex(token) },
  );
  if (pending) {
    // Lucia gives every session its full lifetime; a partial one gets minutes (and is never renewed).
    const expiresAt = new Date(now.getTime() + TWO_FACTOR_PENDING_MINUTES * 60_000);
    await db
      .update(sessions)
      .set({ expiresAt })
      .where(eq(sessions.id, sha256Hex(token)));
  }
  return lucia.createSessionCookie(token).serialize();
}

/** `/o/acme/members` and `/o/acme.data` (single fetch) are acme's pages. */
export function organizationSlugOfPath(pathname: string): string | null {
  const match = /^\/o\/([^/]+?)(?:\.data)?(?:\/|$)/.exec(pathname);
  if (!match?.[1]) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return null;
  }
}

// Session, user and the membership of the path's organization in ONE statement: the request path's
// only fixed cost (issue 9). Prepared once per database, so Drizzle builds the SQL once.
function buildAuthQuery(db: Database) {
  return db
    .select({
      session: {
        id: sessions.id,
        userId: sessions.userId,
        expiresAt: sessions.expiresAt,
        lastUsedAt: sessions.lastUsedAt,
        activeOrganizationId: sessions.activeOrganizationId,
        ipAddress: sessions.ipAddress,
        userAgent: sessions.userAgent,
        signInMethod: sessions.signInMethod,
        secondFactor: sessions.secondFactor,
        twoFactorPending: sessions.twoFactorPending,
        reauthenticatedAt: sessions.reauthenticatedAt,
      },
      hasSecondFactor: secondFactorExists(sessions.userId),
      user: {
        email: users.email,
        name: users.name,
        image: users.image,
        role: users.role,
        status: users.status,
        emailVerifiedAt: users.emailVerifiedAt,
        deletedAt: users.deletedAt,
        timezone: users.timezone,
        language: users.language,
      },
      organizationId: organizations.id,
      organizationName: organizations.name,
      organizationSlug: organizations.slug,
      memberId: organizationMembers.id,
      memberRole: organizationMembers.role,
      requireTwoFactor: organizations.requireTwoFactor,
      subscriptionStatus: subscriptions.status,
      billingStatus: billingAccounts.status,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .leftJoin(
      organizationMembers,
      and(
        eq(organizationMembers.userId, sessions.userId),
        eq(
          organizationMembers.organizationId,
          sql`(SELECT o.id FROM organizations o WHERE o.slug = ${sql.placeholder('slug')})`,
        ),
      ),
    )
    .leftJoin(organizations, eq(organizations.id, organizationMembers.organizationId))
    .leftJoin(subscriptions, eq(subscriptions.organizationId, organizationMembers.organizationId))
    .leftJoin(billingAccounts, eq(billingAccounts.organizationId, organizationMembers.organizationId))
    .where(eq(sessions.id, sql.placeholder('sessionId')))
    .prepare('auth_session_membership');
}

const authQueries = new WeakMap<Database, ReturnType<typeof buildAuthQuery>>();
function authQuery(db: Database) {
  let query = authQueries.get(db);
  if (!query) {
    query = buildAuthQuery(db);
    authQueries.set(db, query);
  }
  return query;
}

/**
 * Validates the request's session cookie; null when absent, expired, revoked, or the user cannot sign in.
 * A partial session (password right, second step owed) is nobody: on the pages it may open (the second
 * step, sign out) getAuth answers null, and every other request is redirected to the second step.
 */
export async function getAuth(request: Request, db?: Database): Promise<AuthContext | null> {
  const auth = await getSessionAuth(request, db);
  if (!auth?.session.twoFactorPending) return auth;
  const url = new URL(request.url);
  if (PENDING_ALLOWED_PATHS.has(url.pathname)) return null;
  // A page opened directly is where the person was going: the step continues there afterwards.
  const page = request.method === 'GET' && !url.pathname.endsWith('.data') && url.pathname !== '/login';
  const next = page ? safeRedirectPath(`${url.pathname}${url.search}`, '') : '';
  throw redirect(next ? `${TWO_FACTOR_PATH}?${new URLSearchParams({ redirectTo: next })}` : TWO_FACTOR_PATH);
}

/** The request's session, complete or partial (the second-step page and sign-out need the partial one). */
export async function getSessionAuth(request: Request, db?: Database): Promise<AuthContext | null> {
  const database = db ?? (await getDb());
  // An ADMIN viewing as a user gets the user's context, read-only (app/admin/impersonation.server.ts).
  return requestMemo(request, `auth:${dbKey(database)}`, () =>
    validateRequestSession(request, database).then((auth) => applyImpersonation(request, database, auth)),
  );
}

/** The partial session of the request, or null when there is none (the second-step page). */
export async function getPendingSignIn(request: Request, db?: Database): Promise<AuthContext | null> {
  const auth = await getSessionAuth(request, db);
  return auth?.session.twoFactorPending ? auth : null;
}

// Distinct databases (tests bind several) get distinct memo keys.
const dbKeys = new WeakMap<Database, number>();
let lastDbKey = 0;
function dbKey(db: Database): number {
  let key = dbKeys.get(db);
  if (key === undefined) {
    key = ++lastDbKey;
    dbKeys.set(db, key);
  }
  return key;
}

const SESSION_MS = SESSION_DAYS * 86_400_000;

async function validateRequestSession(request: Request, database: Database): Promise<AuthContext | null> {
  const token = readToken(request, database);
  if (!token) return null;
  const sessionId = sha256Hex(token);
  const slug = organizationSlugOfPath(new URL(request.url).pathname);
  const [row] = await authQuery(database).execute({ sessionId, slug: slug ?? '' });
  if (!row) return null;
  const now = Date.now();
  if (row.session.expiresAt.getTime() <= now || row.user.deletedAt || row.user.status !== 'ACTIVE') {
    await database.delete(sessions).where(eq(sessions.id, sessionId));
    return null;
  }
  const headers = new Headers();
  // Sliding expiry as Lucia does it: past half-life, extend and re-send the cookie (same token).
  // A partial session keeps its minutes: never extended.
  const renew = !row.session.twoFactorPending && row.session.expiresAt.getTime() - now < SESSION_MS / 2;
  const touch = now - row.session.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS;
  const expiresAt = renew ? new Date(now + SESSION_MS) : row.session.expiresAt;
  if (renew || touch) {
    // One write at most per minute per session, so reads stay reads.
    await database
      .update(sessions)
      .set({ lastUsedAt: new Date(now), ...(renew ? { expiresAt } : {}) })
      .where(eq(sessions.id, sessionId));
    if (renew) headers.append('Set-Cookie', luciaFor(database).createSessionCookie(token).serialize());
  }
  const session: UserSession = {
    id: row.session.id,
    userId: row.session.userId,
    expiresAt,
    fresh: renew,
    activeOrganizationId: row.session.activeOrganizationId,
    ipAddress: row.session.ipAddress,
    userAgent: row.session.userAgent,
    lastUsedAt: touch ? new Date(now) : row.session.lastUsedAt,
    signInMethod: row.session.signInMethod,
    secondFactor: row.session.secondFactor,
    twoFactorPending: row.session.twoFactorPending,
    reauthenticatedAt: row.session.reauthenticatedAt,
  };
  const user: SessionUser = { id: row.session.userId, ...row.user, hasSecondFactor: row.hasSecondFactor };
  const pathMembership: PathMembership | null = slug
    ? {
        slug,
        member:
          row.memberId && row.memberRole && row.organizationId
            ? {
                organization: {
                  id: row.organizationId,
                  name: row.organizationName ?? '',
                  slug: row.organizationSlug ?? slug,
                },
                role: row.memberRole as MemberRole,
                memberId: row.memberId,
                subscriptionStatus: row.subscriptionStatus ?? null,
                billingStatus: row.billingStatus ?? null,
                requireTwoFactor: row.requireTwoFactor ?? false,
              }
            : null,
      }
    : null;
  return { db: database, user, session, headers, pathMembership };
}

// Moved to its own module; re-exported so existing imports keep working.
export { safeRedirectPath } from './redirect';

/** Where a request comes from, for audit rows and session metadata. */
export function requestContext(request: Request): { ipAddress: string | null; userAgent: string | null } {
  return {
    ipAddress: clientIp(request),
    userAgent: request.headers.get('user-agent')?.slice(0, 512) ?? null,
  };
}

/** The actor of a signed-in request. */
export function actorOf(auth: AuthContext, request: Request): Actor & { userId: string } {
  return { type: 'USER', userId: auth.user.id, ...requestContext(request) };
}

export async function requireUser(request: Request): Promise<AuthContext> {
  const auth = await getAuth(request);
  if (auth) return auth;
  const url = new URL(request.url);
  const params = new URLSearchParams({ redirectTo: safeRedirectPath(`${url.pathname}${url.search}`) });
  throw redirect(`/login?${params}`);
}

export async function requireAnonymous(request: Request, to = '/'): Promise<void> {
  if (await getAuth(request)) throw redirect(to);
}

/** Revokes the request's session and returns a Set-Cookie that clears the cookie. */
export async function destroySession(
  request: Request,
  db: Database,
): Promise<{ sessionId: string | null; cookie: string }> {
  const lucia = luciaFor(db);
  const token = readToken(request, db);
  const sessionId = token ? sha256Hex(token) : null;
  if (sessionId) await lucia.invalidateSession(sessionId);
  return { sessionId, cookie: lucia.createBlankSessionCookie().serialize() };
}

/** Revokes every session of the user except `keepSessionId` (password change, "sign out other devices"). */
export async function revokeOtherSessions(
  db: Database,
  userId: string,
  keepSessionId: string | null,
): Promise<number> {
  const where = keepSessionId
    ? and(eq(sessions.userId, userId), ne(sessions.id, keepSessionId))
    : eq(sessions.userId, userId);
  const deleted = await db.delete(sessions).where(where).returning({ id: sessions.id });
  return deleted.length;
}

export async function deleteExpiredSessions(db: Database): Promise<number> {
  const deleted = await db
    .delete(sessions)
    .where(lt(sessions.expiresAt, new Date()))
    .returning({ id: sessions.id });
  return deleted.length;
}

export interface SessionListItem {
  id: string;
  device: string;
  ipAddress: string | null;
  lastUsedAt: Date;
  createdAt: Date;
  current: boolean;
  /** How it signed in: 'password', 'github', 'google' or 'passkey'. */
  signInMethod: string;
  /** The second factor proven at sign-in: 'totp', 'recovery_code', 'passkey' or null. */
  secondFactor: string | null;
  /** Password right, second step not finished (it expires within minutes). */
  twoFactorPending: boolean;
}

const SIGN_IN_METHOD_LABEL: Record<string, string> = {
  password: 'Password',
  github: 'GitHub',
  google: 'Google',
  passkey: 'Passkey',
};
const SECOND_FACTOR_LABEL: Record<string, string> = {
  totp: 'TOTP',
  recovery_code: 'recovery code',
  passkey: 'passkey',
};

/** "Password + TOTP", "GitHub + passkey", "Passkey", "Password (second step not finished)". */
export function describeSignIn(s: {
  signInMethod: string;
  secondFactor: string | null;
  twoFactorPending: boolean;
}): string {
  const first = SIGN_IN_METHOD_LABEL[s.signInMethod] ?? s.signInMethod;
  if (s.twoFactorPending) return `${first} (second step not finished)`;
  // A passkey sign-in is both factors at once: "Passkey", not "Passkey + passkey".
  const second = s.secondFactor && s.signInMethod !== 'passkey' ? SECOND_FACTOR_LABEL[s.secondFactor] : null;
  return second ? `${first} + ${second}` : first;
}

/** Every active session of the user, most recently used first, the current one marked. */
export async function listSessions(
  db: Database,
  userId: string,
  currentSessionId: string,
): Promise<SessionListItem[]> {
  const rows = await db
    .select()
    .from(sessions)
    .where(and(eq(sessions.userId, userId), gt(sessions.expiresAt, new Date())))
    .orderBy(desc(sessions.lastUsedAt), sessions.id);
  return rows.map((r) => ({
    id: r.id,
    device: describeUserAgent(r.userAgent),
    ipAddress: r.ipAddress,
    lastUsedAt: r.lastUsedAt,
    createdAt: r.createdAt,
    current: r.id === currentSessionId,
    signInMethod: r.signInMethod,
    secondFactor: r.secondFactor,
    twoFactorPending: r.twoFactorPending,
  }));
}

/** Revokes one of the actor's own sessions; another user's session id is "not found". */
export async function revokeSession(db: Database, actor: Actor & { userId: string }, sessionId: string) {
  return db.transaction(async (tx) => {
    const [deleted] = await tx
      .delete(sessions)
      .where(and(eq(sessions.id, sessionId), eq(sessions.userId, actor.userId)))
      .returning({ id: sessions.id, userAgent: sessions.userAgent, ipAddress: sessions.ipAddress });
    if (!deleted) throw new NotFound('That session does not exist or was already signed out.');
    await recordAudit(tx, actor, {
      action: 'session.revoked',
      entityType: 'session',
      entityId: deleted.id.slice(0, 16),
      metadata: { device: describeUserAgent(deleted.userAgent), ipAddress: deleted.ipAddress },
    });
    return deleted;
  });
}

/** "Sign out everywhere else": every session of the actor but the current one. */
export async function revokeAllOtherSessions(
  db: Database,
  actor: Actor & { userId: string },
  currentSessionId: string,
) {
  return db.transaction(async (tx) => {
    const revoked = await revokeOtherSessions(tx, actor.userId, currentSessionId);
    await recordAudit(tx, actor, {
      action: 'session.revoked_others',
      entityType: 'session',
      entityId: currentSessionId.slice(0, 16),
      metadata: { sessionsRevoked: revoked },
    });
    return revoked;
  });
}

/** Signs the request's session out (audited) and returns the Set-Cookie that clears the cookie. */
export async function signOut(db: Database, request: Request): Promise<string> {
  // A partial session signs out too (the second step's "cancel").
  const auth = await getSessionAuth(request, db);
  const { cookie } = await destroySession(request, db);
  if (auth) {
    await recordAudit(
      db,
      {
        type: 'USER',
        userId: auth.user.id,
        ipAddress: clientIp(request),
        userAgent: request.headers.get('user-agent'),
      },
      {
        action: 'user.signed_out',
        entityType: 'session',
        entityId: auth.session.id.slice(0, 16),
      },
    );
  }
  return cookie;
}
