// Lucia sessions (issue 4 §3): hashed ids, cookie attributes, fixation, sliding expiry, metadata,
// revocation, requireUser/requireAnonymous, and no open redirect.
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLogs, sessions, users } from '~db/schema';
import { useAppTestDatabase } from '../../tests/support/db';
import { action as loginAction, loader as loginLoader } from '../routes/login';
import { action as logoutAction } from '../routes/logout';
import { action as sessionsAction, loader as sessionsLoader } from '../routes/settings.sessions';
import {
  createUserSession,
  getAuth,
  listSessions,
  requireAnonymous,
  requireUser,
  revokeAllOtherSessions,
  revokeSession,
  SESSION_COOKIE,
  safeRedirectPath,
} from './sessions.server';
import {
  call,
  cookieFrom,
  createPasswordUser,
  makeRequest,
  outcome,
  setCookieLine,
} from './test-helpers.server';
import { sha256Hex } from './tokens.server';

const t = useAppTestDatabase();

const DAY = 24 * 60 * 60 * 1000;

async function signInCookie(userId: string, request = makeRequest('/')) {
  const line = await createUserSession(t.db, userId, request);
  return line.split(';')[0] as string;
}

const tokenOf = (cookie: string) => cookie.slice(SESSION_COOKIE.length + 1);

describe('session storage', () => {
  it('stores only the SHA-256 of the cookie token, with IP, user agent and last_used_at', async () => {
    const user = await createPasswordUser(t.db);
    const request = makeRequest('/', {
      ip: '198.51.100.23',
      headers: { 'user-agent': 'Mozilla/5.0 (Macintosh; Mac OS X) Safari/605.1' },
    });
    const line = await createUserSession(t.db, user.id, request);
    const token = tokenOf(line.split(';')[0] as string);
    expect(token.length).toBeGreaterThanOrEqual(40);
    const rows = await t.db.select().from(sessions).where(eq(sessions.userId, user.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]?.id).toBe(sha256Hex(token));
    expect(rows.some((r) => r.id === token)).toBe(false);
    expect(rows[0]?.ipAddress).toBe('198.51.100.23');
    expect(rows[0]?.userAgent).toContain('Safari');
    expect(Math.abs((rows[0]?.lastUsedAt.getTime() ?? 0) - Date.now())).toBeLessThan(10_000);
    // 30-day expiry
    expect(Math.round(((rows[0]?.expiresAt.getTime() ?? 0) - Date.now()) / DAY)).toBe(30);
  });

  it('sets an HttpOnly, SameSite=Lax, Path=/ cookie (Secure only in production)', async () => {
    const user = await createPasswordUser(t.db);
    const line = await createUserSession(t.db, user.id, makeRequest('/'));
    expect(line).toMatch(/^session=/);
    expect(line).toMatch(/HttpOnly/i);
    expect(line).toMatch(/SameSite=Lax/i);
    expect(line).toMatch(/Path=\//);
    expect(line).not.toMatch(/Secure/i);
  });

  it('validates the cookie, and rejects a cookie holding the stored hash instead of the token', async () => {
    const user = await createPasswordUser(t.db);
    const cookie = await signInCookie(user.id);
    const auth = await getAuth(makeRequest('/', { cookie }), t.db);
    expect(auth?.user.id).toBe(user.id);
    const forged = `${SESSION_COOKIE}=${sha256Hex(tokenOf(cookie))}`;
    expect(await getAuth(makeRequest('/', { cookie: forged }), t.db)).toBeNull();
  });

  it('validates once per request: every loader of a navigation shares the answer, a new request asks again', async () => {
    const user = await createPasswordUser(t.db);
    const cookie = await signInCookie(user.id);
    const request = makeRequest('/', { cookie });
    const first = await getAuth(request, t.db);
    expect(first?.user.id).toBe(user.id);
    expect(await getAuth(request, t.db)).toBe(first);
    const next = await getAuth(makeRequest('/', { cookie }), t.db);
    expect(next).not.toBe(first);
    expect(next?.session.id).toBe(first?.session.id);
  });

  it('renews a session past half-life (sliding 30 days) and re-sends the cookie', async () => {
    const user = await createPasswordUser(t.db);
    const cookie = await signInCookie(user.id);
    const id = sha256Hex(tokenOf(cookie));
    await t.db
      .update(sessions)
      .set({ expiresAt: new Date(Date.now() + 10 * DAY) })
      .where(eq(sessions.id, id));
    const auth = await getAuth(makeRequest('/', { cookie }), t.db);
    expect(auth).not.toBeNull();
    expect(setCookieLine(auth?.headers ?? new Headers(), SESSION_COOKIE)).toContain(tokenOf(cookie));
    const [row] = await t.db.select().from(sessions).where(eq(sessions.id, id));
    expect(Math.round(((row?.expiresAt.getTime() ?? 0) - Date.now()) / DAY)).toBe(30);
  });

  it('does not renew a session before half-life', async () => {
    const user = await createPasswordUser(t.db);
    const cookie = await signInCookie(user.id);
    const auth = await getAuth(makeRequest('/', { cookie }), t.db);
    expect(auth?.headers.getSetCookie()).toEqual([]);
  });

  it('refuses an expired session and deletes it', async () => {
    const user = await createPasswordUser(t.db);
    const cookie = await signInCookie(user.id);
    const id = sha256Hex(tokenOf(cookie));
    await t.db
      .update(sessions)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(sessions.id, id));
    expect(await getAuth(makeRequest('/', { cookie }), t.db)).toBeNull();
    expect(await t.db.select().from(sessions).where(eq(sessions.id, id))).toHaveLength(0);
  });

  it('refreshes last_used_at when a session is used after a while', async () => {
    const user = await createPasswordUser(t.db);
    const cookie = await signInCookie(user.id);
    const id = sha256Hex(tokenOf(cookie));
    const old = new Date(Date.now() - 5 * 60_000);
    await t.db.update(sessions).set({ lastUsedAt: old }).where(eq(sessions.id, id));
    await getAuth(makeRequest('/', { cookie }), t.db);
    const [row] = await t.db.select().from(sessions).where(eq(sessions.id, id));
    expect(row?.lastUsedAt.getTime()).toBeGreaterThan(old.getTime() + 60_000);
  });

  it('ends the sessions of a deleted or suspended user', async () => {
    const user = await createPasswordUser(t.db);
    const cookie = await signInCookie(user.id);
    await t.db.update(users).set({ status: 'SUSPENDED' }).where(eq(users.id, user.id));
    expect(await getAuth(makeRequest('/', { cookie }), t.db)).toBeNull();
  });
});

describe('sign-in through the /login action', () => {
  it('issues a fresh session id at every sign-in, ignoring the one the browser already had (no fixation)', async () => {
    const user = await createPasswordUser(t.db);
    const planted = `${SESSION_COOKIE}=attacker-chosen-token-value-1234567890`;
    const first = await outcome(
      await call(
        loginAction,
        makeRequest('/login', { form: { email: user.email, password: user.password }, cookie: planted }),
      ),
    );
    expect(first.status).toBe(302);
    const c1 = cookieFrom(first.headers, SESSION_COOKIE);
    expect(c1).not.toBeNull();
    expect(c1).not.toBe(planted);
    const second = await outcome(
      await call(
        loginAction,
        makeRequest('/login', { form: { email: user.email, password: user.password }, cookie: c1 }),
      ),
    );
    const c2 = cookieFrom(second.headers, SESSION_COOKIE);
    expect(c2).not.toBe(c1);
    const ids = (await t.db.select().from(sessions).where(eq(sessions.userId, user.id))).map((r) => r.id);
    expect(ids).toContain(sha256Hex(tokenOf(c1 as string)));
    expect(ids).toContain(sha256Hex(tokenOf(c2 as string)));
    expect(ids).not.toContain(sha256Hex('attacker-chosen-token-value-1234567890'));
    const audits = await t.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.userId, user.id), eq(auditLogs.action, 'user.signed_in')));
    expect(audits.length).toBe(2);
  });

  it('redirects to a same-origin redirectTo after sign-in', async () => {
    const user = await createPasswordUser(t.db);
    const res = await outcome(
      await call(
        loginAction,
        makeRequest('/login', {
          form: { email: user.email, password: user.password, redirectTo: '/settings/sessions?x=1' },
        }),
      ),
    );
    expect(res.headers.get('location')).toBe('/settings/sessions?x=1');
  });

  it.each([
    'https://evil.example/phish',
    '//evil.example/phish',
    '/\\evil.example',
    '\\\\evil.example',
    'javascript:alert(1)',
    ' https://evil.example',
    '/%2F%2Fevil.example',
  ])('ignores the open-redirect attempt %j', async (redirectTo) => {
    const user = await createPasswordUser(t.db);
    const res = await outcome(
      await call(
        loginAction,
        makeRequest('/login', { form: { email: user.email, password: user.password, redirectTo } }),
      ),
    );
    expect(res.status).toBe(302);
    const location = res.headers.get('location') ?? '';
    expect(new URL(location, 'http://localhost:3000').origin).toBe('http://localhost:3000');
    expect(location.startsWith('//')).toBe(false);
  });

  it('safeRedirectPath keeps paths and drops everything that leaves the origin', () => {
    expect(safeRedirectPath('/o/acme?tab=1#x')).toBe('/o/acme?tab=1#x');
    expect(safeRedirectPath('//evil.example')).toBe('/');
    expect(safeRedirectPath('/\\evil.example')).toBe('/');
    expect(safeRedirectPath('https://evil.example')).toBe('/');
    expect(safeRedirectPath('/\t/evil.example')).toBe('/');
    expect(safeRedirectPath(null, '/orgs')).toBe('/orgs');
  });
});

describe('requireUser / requireAnonymous', () => {
  it('requireUser sends a visitor to /login with the page to come back to', async () => {
    const thrown = await requireUser(makeRequest('/settings/sessions?tab=1')).catch((r: unknown) => r);
    expect(thrown).toBeInstanceOf(Response);
    const location = (thrown as Response).headers.get('location') ?? '';
    expect(location.startsWith('/login?')).toBe(true);
    expect(new URLSearchParams(location.split('?')[1]).get('redirectTo')).toBe('/settings/sessions?tab=1');
  });

  it('requireAnonymous sends a signed-in user away from /signup and /login', async () => {
    const user = await createPasswordUser(t.db);
    const cookie = await signInCookie(user.id);
    const thrown = await requireAnonymous(makeRequest('/signup', { cookie }), '/orgs').catch(
      (r: unknown) => r,
    );
    expect((thrown as Response).headers.get('location')).toBe('/orgs');
    const login = await outcome(
      await call(loginLoader, makeRequest('/login?redirectTo=//evil.example', { cookie })),
    );
    expect(login.status).toBe(302);
    expect(login.headers.get('location')).toBe('/orgs');
    await expect(requireAnonymous(makeRequest('/signup'))).resolves.toBeUndefined();
  });
});

describe('listing and revoking sessions', () => {
  it('lists active sessions with device, IP and last use, the current one marked', async () => {
    const user = await createPasswordUser(t.db);
    const a = await signInCookie(
      user.id,
      makeRequest('/', {
        ip: '192.0.2.1',
        headers: { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0) Chrome/126.0 Safari/537.36' },
      }),
    );
    await signInCookie(
      user.id,
      makeRequest('/', {
        ip: '192.0.2.2',
        headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko Firefox/128.0' },
      }),
    );
    const current = sha256Hex(tokenOf(a));
    const list = await listSessions(t.db, user.id, current);
    expect(list).toHaveLength(2);
    expect(list.find((s) => s.current)?.device).toBe('Chrome on Windows');
    expect(list.find((s) => !s.current)).toMatchObject({
      device: 'Firefox on Linux',
      ipAddress: '192.0.2.2',
    });

    const page = await outcome(await call(sessionsLoader, makeRequest('/settings/sessions', { cookie: a })));
    expect(page.status).toBe(200);
    expect((page.data as { sessions: unknown[] }).sessions).toHaveLength(2);
  });

  it('revokes one session through the page, which then no longer authenticates; audited', async () => {
    const user = await createPasswordUser(t.db);
    const mine = await signInCookie(user.id);
    const other = await signInCookie(user.id);
    const res = await outcome(
      await call(
        sessionsAction,
        makeRequest('/settings/sessions', {
          cookie: mine,
          form: { intent: 'revoke', sessionId: sha256Hex(tokenOf(other)) },
        }),
      ),
    );
    expect(res.status).toBe(302);
    expect(await getAuth(makeRequest('/', { cookie: other }), t.db)).toBeNull();
    expect(await getAuth(makeRequest('/', { cookie: mine }), t.db)).not.toBeNull();
    const audit = await t.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.userId, user.id), eq(auditLogs.action, 'session.revoked')));
    expect(audit).toHaveLength(1);
  });

  it("cannot revoke another user's session (not found), and bad input is a 400", async () => {
    const alice = await createPasswordUser(t.db);
    const bob = await createPasswordUser(t.db);
    const bobCookie = await signInCookie(bob.id);
    await expect(
      revokeSession(t.db, { type: 'USER', userId: alice.id }, sha256Hex(tokenOf(bobCookie))),
    ).rejects.toMatchObject({ status: 404 });
    expect(await getAuth(makeRequest('/', { cookie: bobCookie }), t.db)).not.toBeNull();

    const aliceCookie = await signInCookie(alice.id);
    const bad = await outcome(
      await call(
        sessionsAction,
        makeRequest('/settings/sessions', {
          cookie: aliceCookie,
          form: { intent: 'revoke', sessionId: 'x'.repeat(5000) },
        }),
      ),
    );
    expect(bad.status).toBe(400);
    const unknown = await outcome(
      await call(
        sessionsAction,
        makeRequest('/settings/sessions', { cookie: aliceCookie, form: { intent: 'drop-table' } }),
      ),
    );
    expect(unknown.status).toBe(400);
  });

  it('revokes every other session but keeps the current one; audited', async () => {
    const user = await createPasswordUser(t.db);
    const mine = await signInCookie(user.id);
    const others = [await signInCookie(user.id), await signInCookie(user.id)];
    const n = await revokeAllOtherSessions(t.db, { type: 'USER', userId: user.id }, sha256Hex(tokenOf(mine)));
    expect(n).toBe(2);
    for (const c of others) expect(await getAuth(makeRequest('/', { cookie: c }), t.db)).toBeNull();
    expect(await getAuth(makeRequest('/', { cookie: mine }), t.db)).not.toBeNull();
    const [audit] = await t.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.userId, user.id), eq(auditLogs.action, 'session.revoked_others')));
    expect(audit?.metadata).toMatchObject({ sessionsRevoked: 2 });
  });
});

describe('sign-out', () => {
  it('POST /logout deletes the session, clears the cookie and writes an audit row', async () => {
    const user = await createPasswordUser(t.db);
    const cookie = await signInCookie(user.id);
    const res = await outcome(await call(logoutAction, makeRequest('/logout', { method: 'POST', cookie })));
    expect(res.status).toBe(302);
    expect(setCookieLine(res.headers, SESSION_COOKIE)).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/i);
    expect(
      await t.db
        .select()
        .from(sessions)
        .where(eq(sessions.id, sha256Hex(tokenOf(cookie)))),
    ).toHaveLength(0);
    const audit = await t.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.userId, user.id), eq(auditLogs.action, 'user.signed_out')));
    expect(audit).toHaveLength(1);
  });
});
