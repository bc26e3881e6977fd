// Issue 15, the second factor: TOTP enrollment on /settings/security, the two-step sign-in (password,
// OAuth, API token) with and without TOTP, recovery codes, the partial session that can do nothing else,
// factor changes revoking every other session, and organizations that require a second factor.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateHOTP } from '@oslojs/otp';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '~/api-keys/api-keys.server';
import { resetEnvCache } from '~/env.server';
import {
  auditLogs,
  emailLogs,
  organizations,
  recoveryCodes,
  refreshTokens,
  sessions,
  totpCredentials,
} from '~db/schema';
import { useAppTestDatabase } from '../../tests/support/db';
import { addMember, createOrg } from '../orgs/test-support';
import { action as tokenAction } from '../routes/api.v1.auth.token';
import { loader as usageLoader } from '../routes/api.v1.orgs.$slug.usage';
import { loader as startOAuthLoader } from '../routes/auth.$provider';
import { loader as callbackLoader } from '../routes/auth.$provider.callback';
import { action as loginAction, loader as loginLoader } from '../routes/login';
import { action as stepAction, loader as stepLoader } from '../routes/login_.two-factor';
import { action as logoutAction } from '../routes/logout';
import { loader as membersLoader } from '../routes/o.$slug.members';
import { action as orgSettingsAction, loader as orgSettingsLoader } from '../routes/o.$slug.settings';
import { loader as profileLoader } from '../routes/settings.profile';
import { action as securityAction, loader as securityLoader } from '../routes/settings.security._index/route';
import { loader as sessionsLoader } from '../routes/settings.sessions';
import { normalizeRecoveryCode } from './recovery-codes.server';
import { confirmTotpEnrollment, startTotpEnrollment, userHasSecondFactor } from './second-factor.server';
import {
  createUserSession,
  describeSignIn,
  getAuth,
  SESSION_COOKIE,
  TWO_FACTOR_PENDING_MINUTES,
} from './sessions.server';
import { call, cookieFrom, createPasswordUser, makeRequest, outcome } from './test-helpers.server';
import { sha256Hex } from './tokens.server';
import {
  decryptTotpKey,
  keyFromManualEntry,
  TOTP_DIGITS,
  TWO_FACTOR_ATTEMPT_LIMIT,
  totpStep,
} from './totp.server';

const t = useAppTestDatabase();

const codeFor = (key: Uint8Array, offset = 0) => generateHOTP(key, BigInt(totpStep() + offset), TOTP_DIGITS);
const sessionIdOf = (cookie: string) => sha256Hex(cookie.slice(SESSION_COOKIE.length + 1));

async function cookieOf(userId: string, request = makeRequest('/')) {
  return (await createUserSession(t.db, userId, request)).split(';')[0] as string;
}

/** A user with TOTP on (through the domain), its key and recovery codes, and the session that enrolled. */
async function userWithTotp() {
  const user = await createPasswordUser(t.db);
  const cookie = await cookieOf(user.id);
  const actor = { type: 'USER' as const, userId: user.id };
  await startTotpEnrollment(t.db, actor);
  const [row] = await t.db.select().from(totpCredentials).where(eq(totpCredentials.userId, user.id));
  const key = decryptTotpKey(row!.encryptedSecret);
  const { recoveryCodes: codes } = await confirmTotpEnrollment(
    t.db,
    actor,
    sessionIdOf(cookie),
    codeFor(key),
  );
  await forgetLastStep(user.id);
  return { ...user, key, codes, cookie };
}

/** Tests that are not about replay may use the current code again. */
async function forgetLastStep(userId: string) {
  await t.db.update(totpCredentials).set({ lastUsedStep: null }).where(eq(totpCredentials.userId, userId));
}

async function passwordSignIn(user: { email: string; password: string }, redirectTo?: string) {
  const res = await outcome(
    await call(
      loginAction,
      makeRequest('/login', {
        form: { email: user.email, password: user.password, ...(redirectTo ? { redirectTo } : {}) },
      }),
    ),
  );
  return { ...res, cookie: cookieFrom(res.headers, SESSION_COOKIE) };
}

async function secondStep(cookie: string, code: string, path = '/login/two-factor') {
  const res = await outcome(await call(stepAction, makeRequest(path, { cookie, form: { code } })));
  return { ...res, cookie: cookieFrom(res.headers, SESSION_COOKIE) };
}

async function sessionRow(cookie: string) {
  const [row] = await t.db
    .select()
    .from(sessions)
    .where(eq(sessions.id, sessionIdOf(cookie)));
  return row;
}

async function emailsTo(email: string, template: string) {
  return t.db
    .select()
    .from(emailLogs)
    .where(and(eq(emailLogs.to, email), eq(emailLogs.template, template)));
}

describe('enrolling an authenticator app on /settings/security', () => {
  it('start → QR code and manual key → a wrong code is refused → the right code turns it on with 10 recovery codes', async () => {
    const user = await createPasswordUser(t.db);
    const cookie = await cookieOf(user.id);
    const other = await cookieOf(user.id, makeRequest('/', { headers: { 'user-agent': 'Other/1.0' } }));
    const off = await outcome(await call(securityLoader, makeRequest('/settings/security', { cookie })));
    expect((off.data as { overview: { totp: string } }).overview.totp).toBe('off');

    const started = await outcome(
      await call(securityAction, makeRequest('/settings/security', { cookie, form: { intent: 'start' } })),
    );
    expect(started.status).toBe(302);
    const page = await outcome(await call(securityLoader, makeRequest('/settings/security', { cookie })));
    const enrollment = (
      page.data as { overview: { totp: string; enrollment: { manualKey: string; qrSvg: string } } }
    ).overview;
    expect(enrollment.totp).toBe('enrolling');
    expect(enrollment.enrollment.qrSvg).toMatch(/^<svg/);
    const key = keyFromManualEntry(enrollment.enrollment.manualKey);
    // The secret is stored encrypted, not as the key people type.
    const [stored] = await t.db.select().from(totpCredentials).where(eq(totpCredentials.userId, user.id));
    expect(stored?.encryptedSecret).not.toContain(enrollment.enrollment.manualKey.replaceAll(' ', ''));
    expect(stored?.confirmedAt).toBeNull();

    for (const bad of ['000000', 'abc', '1'.repeat(64)]) {
      const wrong = await outcome(
        await call(
          securityAction,
          makeRequest('/settings/security', { cookie, form: { intent: 'confirm', code: bad } }),
        ),
      );
      expect(wrong.status).toBe(400);
      expect((wrong.data as { error: string }).error).toMatch(/not right|6-digit/);
    }
    const tooLong = await outcome(
      await call(
        securityAction,
        makeRequest('/settings/security', { cookie, form: { intent: 'confirm', code: '1'.repeat(65) } }),
      ),
    );
    expect(tooLong.status).toBe(400);
    expect(await userHasSecondFactor(t.db, user.id)).toBe(false);

    const ok = await outcome(
      await call(
        securityAction,
        makeRequest('/settings/security', { cookie, form: { intent: 'confirm', code: codeFor(key) } }),
      ),
    );
    expect(ok.status).toBe(200);
    const codes = (ok.data as { recoveryCodes: string[] }).recoveryCodes;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    // Stored hashed: no plain code in the table.
    const rows = await t.db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, user.id));
    expect(rows).toHaveLength(10);
    expect(
      rows.some((r) => codes.includes(r.codeHash) || r.codeHash.includes(normalizeRecoveryCode(codes[0]!)!)),
    ).toBe(false);
    expect(await userHasSecondFactor(t.db, user.id)).toBe(true);
    // ASVS 7.4.3: every other session ends; this one stays and counts as having passed TOTP.
    expect(await sessionRow(other)).toBeUndefined();
    expect((await sessionRow(cookie))?.secondFactor).toBe('totp');
    expect(await emailsTo(user.email, 'second-factor-changed')).toHaveLength(1);
    const audit = await t.db
      .select({ action: auditLogs.action })
      .from(auditLogs)
      .where(eq(auditLogs.userId, user.id));
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(['second_factor.totp_enrollment_started', 'second_factor.added']),
    );
    // The page says it is on, with the codes left; the codes are never shown again.
    const on = await outcome(await call(securityLoader, makeRequest('/settings/security', { cookie })));
    expect(
      (on.data as { overview: { totp: string; recoveryCodesLeft: number; enrollment: unknown } }).overview,
    ).toMatchObject({
      totp: 'on',
      recoveryCodesLeft: 10,
      enrollment: null,
    });
    // A second start is refused while it is on.
    const again = await outcome(
      await call(securityAction, makeRequest('/settings/security', { cookie, form: { intent: 'start' } })),
    );
    expect(again.status).toBe(409);
  });

  it('an unknown intent is a 400, and the page needs a signed-in user', async () => {
    const user = await createPasswordUser(t.db);
    const cookie = await cookieOf(user.id);
    const bad = await outcome(
      await call(securityAction, makeRequest('/settings/security', { cookie, form: { intent: 'hack' } })),
    );
    expect(bad.status).toBe(400);
    const anonymous = await outcome(await call(securityLoader, makeRequest('/settings/security')));
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get('location')).toMatch(/^\/login/);
  });

  it('cancel abandons an enrollment in progress', async () => {
    const user = await createPasswordUser(t.db);
    const cookie = await cookieOf(user.id);
    await call(securityAction, makeRequest('/settings/security', { cookie, form: { intent: 'start' } }));
    const canceled = await outcome(
      await call(securityAction, makeRequest('/settings/security', { cookie, form: { intent: 'cancel' } })),
    );
    expect(canceled.status).toBe(302);
    expect(await t.db.select().from(totpCredentials).where(eq(totpCredentials.userId, user.id))).toHaveLength(
      0,
    );
  });
});

describe('signing in with a password', () => {
  it('without TOTP: one step, a complete session signed in by password', async () => {
    const user = await createPasswordUser(t.db);
    const res = await passwordSignIn(user);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/orgs');
    const row = await sessionRow(res.cookie!);
    expect(row).toMatchObject({ signInMethod: 'password', secondFactor: null, twoFactorPending: false });
    expect(row?.reauthenticatedAt).not.toBeNull();
  });

  it('with TOTP: a partial session for minutes, then a code gives a new, complete session', async () => {
    const user = await userWithTotp();
    const first = await passwordSignIn(user, '/settings/profile');
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toBe('/login/two-factor?redirectTo=%2Fsettings%2Fprofile');
    const pending = await sessionRow(first.cookie!);
    expect(pending).toMatchObject({ twoFactorPending: true, secondFactor: null, reauthenticatedAt: null });
    const minutes = ((pending?.expiresAt.getTime() ?? 0) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(TWO_FACTOR_PENDING_MINUTES - 1);
    expect(minutes).toBeLessThanOrEqual(TWO_FACTOR_PENDING_MINUTES);

    const step = await outcome(
      await call(stepLoader, makeRequest('/login/two-factor', { cookie: first.cookie! })),
    );
    expect(step.status).toBe(200);
    expect((step.data as { email: string }).email).toBe(user.email);

    const done = await secondStep(
      first.cookie!,
      codeFor(user.key),
      '/login/two-factor?redirectTo=%2Fsettings%2Fprofile',
    );
    expect(done.status).toBe(302);
    // ASVS 7.2.4: a new token at the second step; the partial session is gone.
    expect(done.cookie).not.toBe(first.cookie);
    expect(await sessionRow(first.cookie!)).toBeUndefined();
    const complete = await sessionRow(done.cookie!);
    expect(complete).toMatchObject({
      signInMethod: 'password',
      secondFactor: 'totp',
      twoFactorPending: false,
    });
    expect(describeSignIn(complete!)).toBe('Password + TOTP');
    const auth = await getAuth(makeRequest('/settings/profile', { cookie: done.cookie! }), t.db);
    expect(auth?.user.id).toBe(user.id);
    expect(auth?.session.secondFactor).toBe('totp');
    expect(auth?.user.hasSecondFactor).toBe(true);
  });

  it('the partial session can do nothing else: every page redirects to the second step', async () => {
    const user = await userWithTotp();
    const { cookie } = await passwordSignIn(user);
    for (const [loader, path] of [
      [profileLoader, '/settings/profile'],
      [sessionsLoader, '/settings/sessions'],
      [securityLoader, '/settings/security'],
      [loginLoader, '/login'],
    ] as const) {
      const res = await outcome(await call(loader, makeRequest(path, { cookie: cookie! })));
      expect(res.status, path).toBe(302);
      // Where it was going rides along, so the step continues there.
      expect(res.headers.get('location'), path).toBe(
        path === '/login'
          ? '/login/two-factor'
          : `/login/two-factor?${new URLSearchParams({ redirectTo: path })}`,
      );
    }
    // Posting to a settings form is refused the same way, and nothing changes.
    const post = await outcome(
      await call(
        securityAction,
        makeRequest('/settings/security', {
          cookie: cookie!,
          form: { intent: 'disable', code: codeFor(user.key) },
        }),
      ),
    );
    expect(post.status).toBe(302);
    expect(post.headers.get('location')).toBe('/login/two-factor');
    expect(await userHasSecondFactor(t.db, user.id)).toBe(true);
    // On the step and on sign-out it is nobody (getAuth is null), not a signed-in user.
    expect(await getAuth(makeRequest('/login/two-factor', { cookie: cookie! }), t.db)).toBeNull();
    // Sign out ends it.
    const out = await outcome(
      await call(logoutAction, makeRequest('/logout', { cookie: cookie!, method: 'POST' })),
    );
    expect(out.status).toBe(302);
    expect(await sessionRow(cookie!)).toBeUndefined();
  });

  it('wrong, expired and replayed codes are refused and the session stays partial', async () => {
    const user = await userWithTotp();
    const { cookie } = await passwordSignIn(user);
    for (const bad of ['000000', codeFor(user.key, -2), codeFor(user.key, 2), 'abcde-fghjk', '12345']) {
      await forgetLastStep(user.id);
      const res = await secondStep(cookie!, bad);
      expect(res.status, bad).toBe(401);
      expect(JSON.stringify(res.data)).toContain('not right');
      expect((await sessionRow(cookie!))?.twoFactorPending).toBe(true);
    }
    const empty = await secondStep(cookie!, '');
    expect(empty.status).toBe(400);
    await t.db.execute(sql`DELETE FROM rate_limits WHERE key = ${`2fa:${user.id}`}`);
    // A code used once (here: by another sign-in) cannot sign in again.
    const code = codeFor(user.key);
    const other = await passwordSignIn(user);
    expect((await secondStep(other.cookie!, code)).status).toBe(302);
    const replay = await secondStep(cookie!, code);
    expect(replay.status).toBe(401);
    const failures = await t.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.userId, user.id), eq(auditLogs.action, 'user.two_factor_failed')));
    expect(failures.length).toBeGreaterThanOrEqual(5);
  });

  it('an expired partial session is nobody: the step sends back to sign in', async () => {
    const user = await userWithTotp();
    const { cookie } = await passwordSignIn(user);
    await t.db
      .update(sessions)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(sessions.id, sessionIdOf(cookie!)));
    const step = await outcome(await call(stepLoader, makeRequest('/login/two-factor', { cookie: cookie! })));
    expect(step.status).toBe(302);
    expect(step.headers.get('location')).toBe('/login');
    const post = await secondStep(cookie!, codeFor(user.key));
    expect(post.status).toBe(302);
    expect(post.headers.get('location')).toBe('/login');
    expect(post.cookie).toBeNull();
  });

  it('the step without a session, or with a complete one, is not a way in', async () => {
    const anonymous = await secondStep('', '123456');
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get('location')).toBe('/login');
    const user = await createPasswordUser(t.db);
    const cookie = await cookieOf(user.id);
    const complete = await outcome(await call(stepLoader, makeRequest('/login/two-factor', { cookie })));
    expect(complete.headers.get('location')).toBe('/orgs');
  });

  it('second-step attempts are throttled per user in PostgreSQL', async () => {
    const user = await userWithTotp();
    const { cookie } = await passwordSignIn(user);
    for (let i = 0; i < TWO_FACTOR_ATTEMPT_LIMIT; i++)
      expect((await secondStep(cookie!, '000000')).status).toBe(401);
    const limited = await secondStep(cookie!, codeFor(user.key));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});

describe('recovery codes', () => {
  it('each signs in once; a used one is refused; the rest still work', async () => {
    const user = await userWithTotp();
    const [first, second] = user.codes as [string, string];
    const a = await passwordSignIn(user);
    const used = await secondStep(a.cookie!, first.toUpperCase().replace('-', ' '));
    expect(used.status).toBe(302);
    expect((await sessionRow(used.cookie!))?.secondFactor).toBe('recovery_code');
    expect(describeSignIn((await sessionRow(used.cookie!))!)).toBe('Password + recovery code');
    const b = await passwordSignIn(user);
    expect((await secondStep(b.cookie!, first)).status).toBe(401);
    expect((await secondStep(b.cookie!, second)).status).toBe(302);
    const sec = await outcome(
      await call(securityLoader, makeRequest('/settings/security', { cookie: used.cookie! })),
    );
    expect((sec.data as { overview: { recoveryCodesLeft: number } }).overview.recoveryCodesLeft).toBe(8);
  });

  it('regenerating needs a current code and makes the old set useless', async () => {
    const user = await userWithTotp();
    const wrong = await outcome(
      await call(
        securityAction,
        makeRequest('/settings/security', {
          cookie: user.cookie,
          form: { intent: 'regenerate', code: '000000' },
        }),
      ),
    );
    expect(wrong.status).toBe(400);
    const ok = await outcome(
      await call(
        securityAction,
        makeRequest('/settings/security', {
          cookie: user.cookie,
          form: { intent: 'regenerate', code: codeFor(user.key) },
        }),
      ),
    );
    expect(ok.status).toBe(200);
    const fresh = (ok.data as { recoveryCodes: string[] }).recoveryCodes;
    expect(fresh).toHaveLength(10);
    const a = await passwordSignIn(user);
    expect((await secondStep(a.cookie!, user.codes[0]!)).status).toBe(401);
    expect((await secondStep(a.cookie!, fresh[0]!)).status).toBe(302);
  });
});

describe('turning TOTP off', () => {
  it('needs a current code or a recovery code; a wrong one changes nothing', async () => {
    const user = await userWithTotp();
    const wrong = await outcome(
      await call(
        securityAction,
        makeRequest('/settings/security', {
          cookie: user.cookie,
          form: { intent: 'disable', code: '000000' },
        }),
      ),
    );
    expect(wrong.status).toBe(400);
    expect(await userHasSecondFactor(t.db, user.id)).toBe(true);
    const other = await cookieOf(user.id);
    const ok = await outcome(
      await call(
        securityAction,
        makeRequest('/settings/security', {
          cookie: user.cookie,
          form: { intent: 'disable', code: user.codes[3]! },
        }),
      ),
    );
    expect(ok.status).toBe(302);
    expect(await userHasSecondFactor(t.db, user.id)).toBe(false);
    expect(await t.db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, user.id))).toHaveLength(0);
    expect(await sessionRow(other)).toBeUndefined();
    expect(await sessionRow(user.cookie)).toBeDefined();
    const emails = await emailsTo(user.email, 'second-factor-changed');
    expect(emails.map((e) => e.subject)).toContain('A sign-in method was removed from your account');
    // Signing in is one step again.
    const again = await passwordSignIn(user);
    expect(again.headers.get('location')).toBe('/orgs');
  });
});

describe('the new-device email', () => {
  it('is sent the first time a device completes a sign-in with TOTP, not the second time', async () => {
    const user = await userWithTotp();
    const signInFrom = async (ua: string) => {
      const res = await outcome(
        await call(
          loginAction,
          makeRequest('/login', {
            form: { email: user.email, password: user.password },
            headers: { 'user-agent': ua },
          }),
        ),
      );
      await forgetLastStep(user.id);
      const cookie = cookieFrom(res.headers, SESSION_COOKIE)!;
      await call(
        stepAction,
        makeRequest('/login/two-factor', {
          cookie,
          form: { code: codeFor(user.key) },
          headers: { 'user-agent': ua },
        }),
      );
    };
    await signInFrom('Mozilla/5.0 (iPhone) Safari/604.1');
    await signInFrom('Mozilla/5.0 (iPhone) Safari/604.1');
    const emails = await emailsTo(user.email, 'new-sign-in');
    expect(emails).toHaveLength(1);
    expect(JSON.stringify(emails[0]?.templateData)).toContain('iPhone');
    await signInFrom('Mozilla/5.0 (Windows NT 10.0) Edg/120.0');
    expect(await emailsTo(user.email, 'new-sign-in')).toHaveLength(2);
  });

  it('is not sent to users without a second factor', async () => {
    const user = await createPasswordUser(t.db);
    await passwordSignIn(user);
    expect(await emailsTo(user.email, 'new-sign-in')).toHaveLength(0);
  });
});

describe('POST /api/v1/auth/token', () => {
  const token = async (body: Record<string, unknown>) =>
    outcome(await call(tokenAction, makeRequest('/api/v1/auth/token', { json: body })));

  it('without TOTP: email + password → tokens', async () => {
    const user = await createPasswordUser(t.db);
    const res = await token({ email: user.email, password: user.password });
    expect(res.status).toBe(200);
    expect(res.data).toHaveProperty('accessToken');
  });

  it('with TOTP: 401 mfa_required without otp, 401 invalid_otp with a wrong or replayed one, tokens with a current one', async () => {
    const user = await userWithTotp();
    const missing = await token({ email: user.email, password: user.password });
    expect(missing.status).toBe(401);
    expect((missing.data as { error: { code: string } }).error.code).toBe('mfa_required');
    const wrong = await token({ email: user.email, password: user.password, otp: '000000' });
    expect(wrong.status).toBe(401);
    expect((wrong.data as { error: { code: string } }).error.code).toBe('invalid_otp');
    const code = codeFor(user.key);
    const ok = await token({ email: user.email, password: user.password, otp: code });
    expect(ok.status).toBe(200);
    expect(ok.data).toHaveProperty('refreshToken');
    const replay = await token({ email: user.email, password: user.password, otp: code });
    expect((replay.data as { error: { code: string } }).error.code).toBe('invalid_otp');
    // A wrong password with a right code is still just a wrong password.
    const badPassword = await token({
      email: user.email,
      password: 'wrong-password',
      otp: codeFor(user.key, 1),
    });
    expect((badPassword.data as { error: { code: string } }).error.code).toBe('unauthorized');
    const tooLong = await token({ email: user.email, password: user.password, otp: '1'.repeat(40) });
    expect(tooLong.status).toBe(400);
  });

  it('turning TOTP on revokes every refresh token family issued before', async () => {
    const user = await createPasswordUser(t.db);
    const before = await token({ email: user.email, password: user.password });
    expect(before.status).toBe(200);
    const cookie = await cookieOf(user.id);
    await startTotpEnrollment(t.db, { type: 'USER', userId: user.id });
    const [row] = await t.db.select().from(totpCredentials).where(eq(totpCredentials.userId, user.id));
    await confirmTotpEnrollment(
      t.db,
      { type: 'USER', userId: user.id },
      sessionIdOf(cookie),
      codeFor(decryptTotpKey(row!.encryptedSecret)),
    );
    const families = await t.db.select().from(refreshTokens).where(eq(refreshTokens.userId, user.id));
    expect(families.every((f) => f.revokedAt !== null)).toBe(true);
  });
});

// A fake GitHub: token endpoint and profile APIs, enough for the callback's round trip.
const fakeGithub = (() => {
  const codes = new Map<string, { id: string; email: string }>();
  const tokens = new Map<string, { id: string; email: string }>();
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = new URLSearchParams(Buffer.concat(chunks).toString());
    const url = new URL(req.url ?? '/', 'http://fake');
    const send = (status: number, json: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    };
    if (url.pathname === '/token') {
      const who = codes.get(body.get('code') ?? '');
      if (!who) return send(400, { error: 'invalid_grant' });
      const accessToken = `at-${Math.random().toString(36).slice(2)}`;
      tokens.set(accessToken, who);
      return send(200, { access_token: accessToken, token_type: 'bearer' });
    }
    const who = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
    if (!who) return send(401, {});
    if (url.pathname === '/api/user') return send(200, { id: Number(who.id), login: 'octo', name: 'Octo' });
    if (url.pathname === '/api/user/emails')
      return send(200, [{ email: who.email, primary: true, verified: true }]);
    send(404, {});
  });
  return { server, codes };
})();

describe('signing in with GitHub', () => {
  let previous: Record<string, string | undefined> = {};
  beforeAll(async () => {
    await new Promise<void>((resolve) => fakeGithub.server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(fakeGithub.server.address() as AddressInfo).port}`;
    const vars = {
      GITHUB_CLIENT_ID: 'gh-client',
      GITHUB_CLIENT_SECRET: 'gh-secret',
      GITHUB_AUTHORIZE_URL: `${base}/authorize`,
      GITHUB_TOKEN_URL: `${base}/token`,
      GITHUB_API_URL: `${base}/api`,
    };
    previous = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
    Object.assign(process.env, vars);
    resetEnvCache();
  });
  afterAll(async () => {
    for (const [k, v] of Object.entries(previous)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    resetEnvCache();
    await new Promise<void>((resolve) => fakeGithub.server.close(() => resolve()));
  });

  let nextId = 5000;
  async function githubSignIn(email: string) {
    const start = await outcome(
      await call(startOAuthLoader, makeRequest('/auth/github'), { provider: 'github' }),
    );
    const state = new URL(start.headers.get('location') ?? '').searchParams.get('state') ?? '';
    const code = `code-${++nextId}`;
    fakeGithub.codes.set(code, { id: String(nextId), email });
    const res = await outcome(
      await call(
        callbackLoader,
        makeRequest(`/auth/github/callback?code=${code}&state=${encodeURIComponent(state)}`, {
          cookie: cookieFrom(start.headers, 'oauth') ?? '',
        }),
        { provider: 'github' },
      ),
    );
    return { ...res, cookie: cookieFrom(res.headers, SESSION_COOKIE) };
  }

  it('without TOTP: a complete session signed in by GitHub', async () => {
    const user = await createPasswordUser(t.db);
    const res = await githubSignIn(user.email);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/orgs');
    expect(await sessionRow(res.cookie!)).toMatchObject({ signInMethod: 'github', twoFactorPending: false });
  });

  it('with TOTP: GitHub is the first factor, the code the second', async () => {
    const user = await userWithTotp();
    const res = await githubSignIn(user.email);
    expect(res.headers.get('location')).toBe('/login/two-factor');
    expect(await sessionRow(res.cookie!)).toMatchObject({ signInMethod: 'github', twoFactorPending: true });
    const blocked = await outcome(
      await call(profileLoader, makeRequest('/settings/profile', { cookie: res.cookie! })),
    );
    expect(blocked.headers.get('location')).toBe('/login/two-factor?redirectTo=%2Fsettings%2Fprofile');
    const done = await secondStep(res.cookie!, codeFor(user.key));
    expect(done.status).toBe(302);
    const row = await sessionRow(done.cookie!);
    expect(describeSignIn(row!)).toBe('GitHub + TOTP');
    const list = await outcome(
      await call(sessionsLoader, makeRequest('/settings/sessions', { cookie: done.cookie! })),
    );
    const current = (list.data as { sessions: { current: boolean; signedInWith: string }[] }).sessions.find(
      (s) => s.current,
    );
    expect(current?.signedInWith).toBe('GitHub + TOTP');
  });
});

describe('organizations that require a second factor', () => {
  it('only OWNER and ADMIN may turn it on, and only with a second factor of their own', async () => {
    const { organization, owner } = await createOrg(t.db);
    const ownerCookie = await cookieOf(owner.id);
    const path = `/o/${organization.slug}/settings`;
    const params = { slug: organization.slug };
    const refused = await outcome(
      await call(
        orgSettingsAction,
        makeRequest(path, { cookie: ownerCookie, form: { intent: 'two-factor', requireTwoFactor: 'on' } }),
        params,
      ),
    );
    expect(refused.status).toBe(409);
    const bad = await outcome(
      await call(
        orgSettingsAction,
        makeRequest(path, { cookie: ownerCookie, form: { intent: 'two-factor', requireTwoFactor: 'maybe' } }),
        params,
      ),
    );
    expect(bad.status).toBe(400);
    for (const role of ['MEMBER', 'BILLING'] as const) {
      const m = await addMember(t.db, organization.id, role);
      const res = await outcome(
        await call(
          orgSettingsAction,
          makeRequest(path, {
            cookie: await cookieOf(m.id),
            form: { intent: 'two-factor', requireTwoFactor: 'off' },
          }),
          params,
        ),
      );
      expect(res.status, role).toBe(403);
    }
    // The OWNER sets up TOTP, then turns the rule on; the page counts who lacks a second factor.
    const actor = { type: 'USER' as const, userId: owner.id };
    await startTotpEnrollment(t.db, actor);
    const [row] = await t.db.select().from(totpCredentials).where(eq(totpCredentials.userId, owner.id));
    await confirmTotpEnrollment(
      t.db,
      actor,
      sessionIdOf(ownerCookie),
      codeFor(decryptTotpKey(row!.encryptedSecret)),
    );
    const on = await outcome(
      await call(
        orgSettingsAction,
        makeRequest(path, { cookie: ownerCookie, form: { intent: 'two-factor', requireTwoFactor: 'on' } }),
        params,
      ),
    );
    expect(on.status).toBe(302);
    const [org] = await t.db.select().from(organizations).where(eq(organizations.id, organization.id));
    expect(org?.requireTwoFactor).toBe(true);
    const page = await outcome(
      await call(orgSettingsLoader, makeRequest(path, { cookie: ownerCookie }), params),
    );
    expect((page.data as { twoFactor: unknown }).twoFactor).toEqual({
      required: true,
      members: 3,
      membersWithout: 2,
    });
    const [audit] = await t.db
      .select()
      .from(auditLogs)
      .where(
        and(
          eq(auditLogs.organizationId, organization.id),
          eq(auditLogs.action, 'organization.two_factor_required'),
        ),
      );
    expect(audit?.newValues).toEqual({ requireTwoFactor: true });
    // An ADMIN with a second factor may turn it off.
    const admin = await userWithTotp();
    await addMember(t.db, organization.id, 'ADMIN', {
      id: admin.id,
      email: admin.email,
      actor: { type: 'USER', userId: admin.id },
    });
    const off = await outcome(
      await call(
        orgSettingsAction,
        makeRequest(path, { cookie: admin.cookie, form: { intent: 'two-factor', requireTwoFactor: 'off' } }),
        params,
      ),
    );
    expect(off.status).toBe(302);
  });

  it('the members page shows who has a second factor', async () => {
    const { organization, owner } = await createOrg(t.db);
    const withTotp = await userWithTotp();
    await addMember(t.db, organization.id, 'MEMBER', {
      id: withTotp.id,
      email: withTotp.email,
      actor: { type: 'USER', userId: withTotp.id },
    });
    const page = await outcome(
      await call(
        membersLoader,
        makeRequest(`/o/${organization.slug}/members`, { cookie: await cookieOf(owner.id) }),
        {
          slug: organization.slug,
        },
      ),
    );
    const members = (page.data as { members: { email: string; hasSecondFactor: boolean }[] }).members;
    expect(members.find((m) => m.email === withTotp.email)?.hasSecondFactor).toBe(true);
    expect(members.find((m) => m.email === owner.email)?.hasSecondFactor).toBe(false);
  });

  it('API keys keep working; a JWT of a member without TOTP is refused with two_factor_required', async () => {
    const { organization, owner } = await createOrg(t.db);
    const key = await createApiKey(t.db, owner.actor, {
      organizationId: organization.id,
      name: 'ci',
      scopes: ['usage:read'],
    });
    const plain = await createPasswordUser(t.db);
    await addMember(t.db, organization.id, 'ADMIN', {
      id: plain.id,
      email: plain.email,
      actor: { type: 'USER', userId: plain.id },
    });
    const secured = await userWithTotp();
    await addMember(t.db, organization.id, 'ADMIN', {
      id: secured.id,
      email: secured.email,
      actor: { type: 'USER', userId: secured.id },
    });
    await t.db
      .update(organizations)
      .set({ requireTwoFactor: true })
      .where(eq(organizations.id, organization.id));
    const tokenOf = async (body: Record<string, unknown>) =>
      (await outcome(await call(tokenAction, makeRequest('/api/v1/auth/token', { json: body })))).data as {
        accessToken: string;
      };
    const usage = async (bearer: string) =>
      outcome(
        await call(
          usageLoader,
          makeRequest(`/api/v1/orgs/${organization.slug}/usage`, {
            headers: { authorization: `Bearer ${bearer}` },
          }),
          { slug: organization.slug },
        ),
      );
    expect((await usage(key.key)).status).toBe(200);
    const plainToken = await tokenOf({ email: plain.email, password: plain.password });
    const refused = await usage(plainToken.accessToken);
    expect(refused.status).toBe(403);
    expect((refused.data as { error: { code: string } }).error.code).toBe('two_factor_required');
    const securedToken = await tokenOf({
      email: secured.email,
      password: secured.password,
      otp: codeFor(secured.key),
    });
    expect((await usage(securedToken.accessToken)).status).toBe(200);
  });
});
