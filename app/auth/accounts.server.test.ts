// Email + password identity (issue 4 §1, §2, §4, §6, §8, §10): argon2id, outbox in the same transaction,
// hashed single-use tokens with their lifetimes, password change/reset revoking sessions, throttling.
import { and, desc, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { decryptLink } from '~/email/outbox.server';
import {
  accounts,
  auditLogs,
  emailLogs,
  rateLimits,
  refreshTokens,
  sessions,
  users,
  verifications,
} from '~db/schema';
import { useAppTestDatabase } from '../../tests/support/db';
import { action as forgotAction } from '../routes/forgot-password';
import { action as loginAction } from '../routes/login';
import { action as resetAction, loader as resetLoader } from '../routes/reset-password';
import { action as passwordAction } from '../routes/settings.password';
import { action as signupAction } from '../routes/signup';
import { action as verifyAction, loader as verifyLoader } from '../routes/verify-email';
import {
  changePassword,
  INVALID_CREDENTIALS,
  requestPasswordReset,
  resetPassword,
  SIGN_IN_LIMIT,
  signIn,
  signUp,
  verifyEmail,
} from './accounts.server';
import { issueApiTokens } from './api-tokens.server';
import { createUserSession, getAuth, SESSION_COOKIE } from './sessions.server';
import {
  call,
  cookieFrom,
  createPasswordUser,
  makeRequest,
  outcome,
  uniqueEmail,
} from './test-helpers.server';
import { sha256Hex } from './tokens.server';

const t = useAppTestDatabase();

async function lastEmailTo(to: string) {
  const [row] = await t.db
    .select()
    .from(emailLogs)
    .where(eq(emailLogs.to, to))
    .orderBy(desc(emailLogs.createdAt))
    .limit(1);
  return row;
}

function tokenFromLink(link: string | null): string {
  const token = new URL(link ?? 'http://x/').searchParams.get('token');
  if (!token) throw new Error(`no token in ${link}`);
  return token;
}

/** Signs a new address up; the user is null only for an address already registered. */
async function signUpNew(input: { name: string; email: string; password: string }) {
  const { user, emailIds } = await signUp(t.db, input);
  if (!user) throw new Error(`expected ${input.email} to be new`);
  return { user, emailIds };
}

async function signedIn(userId: string) {
  return (await createUserSession(t.db, userId, makeRequest('/'))).split(';')[0] as string;
}

describe('sign-up', () => {
  it('hashes the password with argon2id (m=19456, t=2, p=1) on the credential account', async () => {
    const email = uniqueEmail('argon');
    const { user } = await signUpNew({ name: 'Ada', email, password: 'a-long-password' });
    const [account] = await t.db.select().from(accounts).where(eq(accounts.userId, user.id));
    expect(account?.providerId).toBe('credential');
    expect(account?.password).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(account?.password).not.toContain('a-long-password');
    expect(Object.keys(user)).not.toContain('password');
  });

  it('queues the verification email in the same transaction, with the link token encrypted and only its hash stored', async () => {
    const email = uniqueEmail('outbox');
    const { user } = await signUpNew({ name: 'Bo', email, password: 'a-long-password' });
    const mail = await lastEmailTo(email);
    expect(mail).toMatchObject({ template: 'verify-email', status: 'QUEUED', entityId: user.id });
    const sealed = (mail?.templateData as { link?: string } | undefined)?.link;
    expect(sealed).toMatch(/^v1:/);
    const token = tokenFromLink(decryptLink(mail?.templateData));
    expect(JSON.stringify(mail?.templateData)).not.toContain(token);
    const [v] = await t.db.select().from(verifications).where(eq(verifications.identifier, email));
    expect(v?.tokenHash).toBe(sha256Hex(token));
    expect(v?.purpose).toBe('EMAIL_VERIFICATION');
    // 24 h lifetime
    expect(Math.round(((v?.expiresAt.getTime() ?? 0) - Date.now()) / 3_600_000)).toBe(24);
  });

  it('a duplicate sign-up answers exactly like a new one, creates nothing, and emails the owner a notice', async () => {
    const email = uniqueEmail('dup');
    const { user: owner } = await signUpNew({ name: 'One', email, password: 'a-long-password' });
    const fresh = await outcome(
      await call(
        signupAction,
        makeRequest('/signup', {
          form: { name: 'New', email: uniqueEmail('fresh'), password: 'another-password' },
        }),
      ),
    );
    const dup = await outcome(
      await call(
        signupAction,
        makeRequest('/signup', {
          form: { name: 'Two', email: email.toUpperCase(), password: 'another-password' },
        }),
      ),
    );
    expect(dup.status).toBe(302);
    expect(dup.status).toBe(fresh.status);
    expect(dup.headers.get('location')).toBe(fresh.headers.get('location'));
    expect(dup.headers.get('location')).toBe('/verify-email');
    expect(JSON.stringify(dup.data)).not.toContain('already exists');
    // Neither is signed in: the only difference would be who owns the address.
    expect(cookieFrom(dup.headers, SESSION_COOKIE)).toBeNull();
    expect(cookieFrom(fresh.headers, SESSION_COOKIE)).toBeNull();
    // Nothing changed on the existing account; its owner got a notice (no token link) in the outbox.
    expect((await t.db.select().from(users).where(eq(users.email, email))).map((u) => u.name)).toEqual([
      'One',
    ]);
    const notice = await lastEmailTo(email);
    expect(notice).toMatchObject({ template: 'account-exists', entityId: owner.id });
    expect(decryptLink(notice?.templateData)).toBeNull();
  });

  it('the /signup action creates the user but signs nobody in: it says "check your email"', async () => {
    const email = uniqueEmail('form');
    const res = await outcome(
      await call(
        signupAction,
        makeRequest('/signup', { form: { name: 'Cy', email, password: 'a-long-password' } }),
      ),
    );
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/verify-email');
    expect(cookieFrom(res.headers, SESSION_COOKIE)).toBeNull();
    expect(res.headers.getSetCookie().join()).toContain('flash=');
    const [row] = await t.db.select().from(users).where(eq(users.email, email));
    expect(row?.name).toBe('Cy');
    expect((await lastEmailTo(email))?.template).toBe('verify-email');
  });

  it.each([
    [{ name: 'X', email: 'not-an-email', password: 'a-long-password' }, 'email'],
    [{ name: 'X', email: `${'a'.repeat(250)}@example.com`, password: 'a-long-password' }, 'email'],
    [{ name: 'X', email: 'ok@example.com', password: 'short' }, 'password'],
    [{ name: 'X', email: 'ok@example.com', password: 'p'.repeat(129) }, 'password'],
    [{ name: 'n'.repeat(101), email: 'ok@example.com', password: 'a-long-password' }, 'name'],
    [{ email: 'ok@example.com', password: 'a-long-password' }, 'name'],
  ])(
    'bad input %j is a 400 with an error on %s (never a 500), values kept but not the password',
    async (form, field) => {
      const res = await outcome(
        await call(signupAction, makeRequest('/signup', { form: form as Record<string, string> })),
      );
      expect(res.status).toBe(400);
      const reply = res.data as { error?: Record<string, string[]>; initialValue?: Record<string, unknown> };
      expect(reply.error?.[field]?.length).toBeGreaterThan(0);
      expect(reply.initialValue?.password).toBeUndefined();
      const name = (form as Record<string, string>).name;
      if (name && name.length < 50) expect(reply.initialValue?.name).toBe(name);
    },
  );
});

describe('email verification', () => {
  async function freshSignUp() {
    const email = uniqueEmail('verify');
    const { user } = await signUpNew({ name: 'Vi', email, password: 'a-long-password' });
    const token = tokenFromLink(decryptLink((await lastEmailTo(email))?.templateData));
    return { user, email, token };
  }

  it('the link verifies once; a second use is refused with a page offering a new link', async () => {
    const { user, token } = await freshSignUp();
    const res = await outcome(await call(verifyLoader, makeRequest(`/verify-email?token=${token}`)));
    expect(res.status).toBe(302);
    const [row] = await t.db.select().from(users).where(eq(users.id, user.id));
    expect(row?.emailVerifiedAt).not.toBeNull();
    const again = await outcome(await call(verifyLoader, makeRequest(`/verify-email?token=${token}`)));
    expect(again.status).toBe(400);
    expect(again.data).toMatchObject({ state: 'invalid' });
  });

  it('an expired (over 24 h) or forged link is refused', async () => {
    const { user, email, token } = await freshSignUp();
    await t.db
      .update(verifications)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(verifications.identifier, email));
    await expect(verifyEmail(t.db, token)).rejects.toMatchObject({ status: 404 });
    await expect(verifyEmail(t.db, 'forged-token')).rejects.toMatchObject({ status: 404 });
    const [row] = await t.db.select().from(users).where(eq(users.id, user.id));
    expect(row?.emailVerifiedAt).toBeNull();
  });

  it('resend: a signed-in user gets a new link; a visitor gets the same answer whether or not the address exists', async () => {
    const { user, email } = await freshSignUp();
    const cookie = await signedIn(user.id);
    const before = (await t.db.select().from(emailLogs).where(eq(emailLogs.to, email))).length;
    const res = await outcome(await call(verifyAction, makeRequest('/verify-email', { form: {}, cookie })));
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ sent: true });
    expect((await t.db.select().from(emailLogs).where(eq(emailLogs.to, email))).length).toBe(before + 1);

    const known = await outcome(await call(verifyAction, makeRequest('/verify-email', { form: { email } })));
    const unknown = await outcome(
      await call(verifyAction, makeRequest('/verify-email', { form: { email: uniqueEmail('nobody') } })),
    );
    expect(known.status).toBe(unknown.status);
    expect(known.data).toMatchObject({ sent: true });
    expect(unknown.data).toMatchObject({ sent: true });
    const bad = await outcome(
      await call(verifyAction, makeRequest('/verify-email', { form: { email: 'nope' } })),
    );
    expect(bad.status).toBe(400);
  });
});

describe('password reset', () => {
  it('/forgot-password answers the same whether or not the email exists; only a real account gets an email', async () => {
    const user = await createPasswordUser(t.db);
    const ghost = uniqueEmail('ghost');
    const a = await outcome(
      await call(forgotAction, makeRequest('/forgot-password', { form: { email: user.email } })),
    );
    const b = await outcome(
      await call(forgotAction, makeRequest('/forgot-password', { form: { email: ghost } })),
    );
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    // Same answer (the typed address is only echoed back into its own field).
    expect({ ...(a.data as object), initialValue: null }).toEqual({
      ...(b.data as object),
      initialValue: null,
    });
    expect(await lastEmailTo(user.email)).toMatchObject({ template: 'reset-password' });
    expect(await lastEmailTo(ghost)).toBeUndefined();
    const bad = await outcome(
      await call(forgotAction, makeRequest('/forgot-password', { form: { email: 'x'.repeat(300) } })),
    );
    expect(bad.status).toBe(400);
  });

  it('a reset link lasts 1 hour, works once, revokes every session and refresh token, and is audited', async () => {
    const user = await createPasswordUser(t.db);
    const s1 = await signedIn(user.id);
    const s2 = await signedIn(user.id);
    await issueApiTokens(t.db, { email: user.email, password: user.password }, { ipAddress: '10.9.9.9' });
    await requestPasswordReset(t.db, user.email);
    const token = tokenFromLink(decryptLink((await lastEmailTo(user.email))?.templateData));
    const [v] = await t.db
      .select()
      .from(verifications)
      .where(and(eq(verifications.identifier, user.email), eq(verifications.purpose, 'PASSWORD_RESET')));
    expect(v?.tokenHash).toBe(sha256Hex(token));
    expect(Math.round(((v?.expiresAt.getTime() ?? 0) - Date.now()) / 60_000)).toBe(60);

    const page = await outcome(await call(resetLoader, makeRequest(`/reset-password?token=${token}`)));
    expect(page.status).toBe(200);
    const res = await outcome(
      await call(
        resetAction,
        makeRequest('/reset-password', { form: { token, password: 'brand-new-password' } }),
      ),
    );
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/login');
    for (const c of [s1, s2]) expect(await getAuth(makeRequest('/', { cookie: c }), t.db)).toBeNull();
    const live = await t.db
      .select()
      .from(refreshTokens)
      .where(and(eq(refreshTokens.userId, user.id)));
    expect(live.every((r) => r.revokedAt)).toBe(true);
    await expect(
      signIn(t.db, { email: user.email, password: 'brand-new-password' }, { ipAddress: '10.1.1.1' }),
    ).resolves.toMatchObject({ id: user.id });

    // used: the page says so and offers a new link; the action refuses
    const used = await outcome(await call(resetLoader, makeRequest(`/reset-password?token=${token}`)));
    expect(used.status).toBe(400);
    expect(used.data).toEqual({ token: null });
    const again = await outcome(
      await call(
        resetAction,
        makeRequest('/reset-password', { form: { token, password: 'another-new-password' } }),
      ),
    );
    expect(again.status).toBe(404);
    const audit = await t.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.userId, user.id), eq(auditLogs.action, 'user.password_reset')));
    expect(audit).toHaveLength(1);
  });

  it('an expired or forged reset link is refused', async () => {
    const user = await createPasswordUser(t.db);
    await requestPasswordReset(t.db, user.email);
    const token = tokenFromLink(decryptLink((await lastEmailTo(user.email))?.templateData));
    await t.db
      .update(verifications)
      .set({ expiresAt: new Date(Date.now() - 1) })
      .where(eq(verifications.tokenHash, sha256Hex(token)));
    await expect(resetPassword(t.db, token, 'new-password-123')).rejects.toMatchObject({ status: 404 });
    await expect(resetPassword(t.db, 'forged', 'new-password-123')).rejects.toMatchObject({ status: 404 });
    const page = await outcome(await call(resetLoader, makeRequest('/reset-password?token=forged')));
    expect(page.status).toBe(400);
  });
});

describe('password change', () => {
  it('requires the current password, revokes every other session (not this one) and is audited', async () => {
    const user = await createPasswordUser(t.db);
    const mine = await signedIn(user.id);
    const other = await signedIn(user.id);
    const wrong = await outcome(
      await call(
        passwordAction,
        makeRequest('/settings/password', {
          cookie: mine,
          form: { currentPassword: 'nope-nope', newPassword: 'new-password-1' },
        }),
      ),
    );
    expect(wrong.status).toBe(400);
    expect((wrong.data as { error: Record<string, string[]> }).error.currentPassword).toBeDefined();
    expect(await getAuth(makeRequest('/', { cookie: other }), t.db)).not.toBeNull();

    const ok = await outcome(
      await call(
        passwordAction,
        makeRequest('/settings/password', {
          cookie: mine,
          form: { currentPassword: user.password, newPassword: 'new-password-1' },
        }),
      ),
    );
    expect(ok.status).toBe(302);
    expect(await getAuth(makeRequest('/', { cookie: other }), t.db)).toBeNull();
    expect(await getAuth(makeRequest('/', { cookie: mine }), t.db)).not.toBeNull();
    const audit = await t.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.userId, user.id), eq(auditLogs.action, 'user.password_changed')));
    expect(audit).toHaveLength(1);
    expect(audit[0]?.metadata).toMatchObject({ sessionsRevoked: 1 });
  });

  it('refuses a new password outside 8–128 characters with a 400', async () => {
    const user = await createPasswordUser(t.db);
    const cookie = await signedIn(user.id);
    for (const newPassword of ['short', 'x'.repeat(129)]) {
      const res = await outcome(
        await call(
          passwordAction,
          makeRequest('/settings/password', {
            cookie,
            form: { currentPassword: user.password, newPassword },
          }),
        ),
      );
      expect(res.status).toBe(400);
    }
    await expect(
      changePassword(t.db, { type: 'USER', userId: user.id }, 'x', {
        currentPassword: user.password,
        newPassword: 'short',
      }),
    ).rejects.toThrow();
  });

  it('the settings pages send a visitor to sign in', async () => {
    const res = await outcome(
      await call(
        passwordAction,
        makeRequest('/settings/password', { form: { newPassword: 'whatever-123' } }),
      ),
    );
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(/^\/login\?redirectTo=/);
  });
});

describe('sign-in throttling', () => {
  const login = (form: Record<string, string>, ip: string) =>
    call(loginAction, makeRequest('/login', { form, ip }));

  it(`allows ${SIGN_IN_LIMIT} failures per email+IP, then answers 429 with Retry-After, even for the right password`, async () => {
    const user = await createPasswordUser(t.db);
    const ip = '198.51.100.77';
    for (let i = 0; i < SIGN_IN_LIMIT; i++) {
      const res = await outcome(await login({ email: user.email, password: `wrong-${i}` }, ip));
      expect(res.status).toBe(401);
      expect(JSON.stringify(res.data)).toContain(INVALID_CREDENTIALS);
    }
    const blocked = await outcome(await login({ email: user.email, password: user.password }, ip));
    expect(blocked.status).toBe(429);
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(JSON.stringify(blocked.data)).toContain(INVALID_CREDENTIALS);
    expect(cookieFrom(blocked.headers, SESSION_COOKIE)).toBeNull();

    // The count lives in PostgreSQL (rate_limits), keyed by email + IP.
    const rows = await t.db
      .select()
      .from(rateLimits)
      .where(eq(rateLimits.key, `login:${user.email}:${ip}`));
    expect(rows.reduce((n, r) => n + r.count, 0)).toBeGreaterThanOrEqual(SIGN_IN_LIMIT);

    // Another IP is not blocked; once the window has passed the same IP may try again.
    const elsewhere = await outcome(
      await login({ email: user.email, password: user.password }, '198.51.100.78'),
    );
    expect(elsewhere.status).toBe(302);
    await t.db.execute(
      sql`UPDATE rate_limits SET window_start = window_start - interval '16 minutes' WHERE key = ${`login:${user.email}:${ip}`}`,
    );
    const later = await outcome(await login({ email: user.email, password: user.password }, ip));
    expect(later.status).toBe(302);
  });

  it('a success clears the count', async () => {
    const user = await createPasswordUser(t.db);
    const ip = '198.51.100.79';
    for (let i = 0; i < SIGN_IN_LIMIT - 1; i++)
      await login({ email: user.email, password: 'wrong-password' }, ip);
    expect((await outcome(await login({ email: user.email, password: user.password }, ip))).status).toBe(302);
    for (let i = 0; i < SIGN_IN_LIMIT; i++) {
      expect((await outcome(await login({ email: user.email, password: 'wrong-password' }, ip))).status).toBe(
        401,
      );
    }
  });

  it('an unknown email and a wrong password get the same generic message; unknown emails are throttled too', async () => {
    const user = await createPasswordUser(t.db);
    const a = await outcome(await login({ email: user.email, password: 'wrong-password' }, '198.51.100.80'));
    const b = await outcome(
      await login({ email: uniqueEmail('nobody'), password: 'wrong-password' }, '198.51.100.80'),
    );
    expect(a.status).toBe(401);
    expect(b.status).toBe(401);
    expect((a.data as { error: unknown }).error).toEqual((b.data as { error: unknown }).error);
    const ghost = uniqueEmail('ghost');
    for (let i = 0; i < SIGN_IN_LIMIT; i++) await login({ email: ghost, password: 'x' }, '198.51.100.81');
    expect((await outcome(await login({ email: ghost, password: 'x' }, '198.51.100.81'))).status).toBe(429);
  });

  it('failed and successful sign-ins are audited', async () => {
    const user = await createPasswordUser(t.db);
    await login({ email: user.email, password: 'wrong-password' }, '198.51.100.82');
    await login({ email: user.email, password: user.password }, '198.51.100.82');
    const actions = (await t.db.select().from(auditLogs).where(eq(auditLogs.userId, user.id))).map(
      (r) => r.action,
    );
    expect(actions).toEqual(expect.arrayContaining(['user.sign_in_failed', 'user.signed_in']));
    const [row] = await t.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.userId, user.id), eq(auditLogs.action, 'user.signed_in')));
    expect(row?.ipAddress).toBe('198.51.100.82');
  });

  it.each([
    [{ email: 'not-an-email', password: 'x' }],
    [{ email: 'a@example.com', password: 'p'.repeat(129) }],
    [{ email: 'a@example.com' }],
  ])('malformed sign-in input %j is a 400 field error', async (form) => {
    const res = await outcome(await login(form as Record<string, string>, '198.51.100.90'));
    expect(res.status).toBe(400);
    expect(Object.keys((res.data as { error: object }).error).length).toBeGreaterThan(0);
  });

  it('no session rows are created for failed attempts', async () => {
    const user = await createPasswordUser(t.db);
    await login({ email: user.email, password: 'wrong-password' }, '198.51.100.91');
    expect(await t.db.select().from(sessions).where(eq(sessions.userId, user.id))).toHaveLength(0);
  });
});
