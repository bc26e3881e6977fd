// The passkey as the second step of a password sign-in (docs/decisions/0019): a user whose only second
// factor is a passkey gets a partial session after the password, and only one of their own passkeys
// (POST /login/two-factor/passkey) turns it into a complete session with a new id.
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLogs, sessions, webauthnCredentials } from '~db/schema';
import { useAppTestDatabase } from '../../tests/support/db';
import { action as loginAction } from '../routes/login';
import { action as stepAction, loader as stepLoader } from '../routes/login_.two-factor';
import { action as passkeyStepAction } from '../routes/login_.two-factor.passkey';
import { loader as profileLoader } from '../routes/settings.profile';
import { action as securityAction } from '../routes/settings.security._index/route';
import { loader as sessionsLoader } from '../routes/settings.sessions';
import {
  finishPasskeyRegistration,
  relyingParty,
  removePasskey,
  startPasskeyRegistration,
} from './passkeys.server';
import { TestPasskey } from './passkeys.test-authenticator';
import { remainingRecoveryCodes } from './recovery-codes.server';
import { needsSecondStep } from './second-factor.server';
import { createUserSession, describeSignIn, getAuth, SESSION_COOKIE } from './sessions.server';
import { call, cookieFrom, createPasswordUser, makeRequest, outcome } from './test-helpers.server';
import { sha256Hex } from './tokens.server';
import { TWO_FACTOR_ATTEMPT_LIMIT } from './totp.server';

const t = useAppTestDatabase();

const sessionIdOf = (cookie: string) => sha256Hex(cookie.slice(SESSION_COOKIE.length + 1));

/** A password user whose only second factor is a passkey. */
async function passkeyOnlyUser() {
  const user = await createPasswordUser(t.db);
  const passkey = new TestPasskey(relyingParty().origin, relyingParty().id);
  const actor = { type: 'USER' as const, userId: user.id };
  await finishPasskeyRegistration(t.db, actor, null, {
    name: 'Laptop',
    response: passkey.register(await startPasskeyRegistration(t.db, actor)),
  });
  return { ...user, passkey };
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
  return { ...res, cookie: cookieFrom(res.headers, SESSION_COOKIE) as string };
}

async function passkeyStep(cookie: string | null, form: Record<string, string>) {
  const res = await outcome(
    await call(passkeyStepAction, makeRequest('/login/two-factor/passkey', { cookie, form })),
  );
  return {
    ...res,
    body: res.data as { options?: never; redirectTo?: string; error?: { message: string } },
    cookie: cookieFrom(res.headers, SESSION_COOKIE),
  };
}

async function sessionRow(cookie: string) {
  const [row] = await t.db
    .select()
    .from(sessions)
    .where(eq(sessions.id, sessionIdOf(cookie)));
  return row;
}

async function audits(userId: string, action: string) {
  return t.db
    .select({ metadata: auditLogs.metadata })
    .from(auditLogs)
    .where(and(eq(auditLogs.userId, userId), eq(auditLogs.action, action)));
}

describe('a passkey-only user signing in with a password', () => {
  it('gets a partial session, and the step page offers the passkey and no code form', async () => {
    const user = await passkeyOnlyUser();
    expect(await needsSecondStep(t.db, user.id)).toBe(true);
    const first = await passwordSignIn(user, '/settings/profile');
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toBe('/login/two-factor?redirectTo=%2Fsettings%2Fprofile');
    expect(await sessionRow(first.cookie)).toMatchObject({
      twoFactorPending: true,
      secondFactor: null,
      reauthenticatedAt: null,
    });
    const page = await outcome(
      await call(stepLoader, makeRequest('/login/two-factor', { cookie: first.cookie })),
    );
    expect(page.status).toBe(200);
    expect(page.data).toMatchObject({ factors: { totp: false, recoveryCodesLeft: 0, passkeys: 1 } });
  });

  it('the passkey step completes it with a new session id, audited as two_factor_verified by passkey', async () => {
    const user = await passkeyOnlyUser();
    const first = await passwordSignIn(user);
    const options = await passkeyStep(first.cookie, { intent: 'options' });
    expect(options.status).toBe(200);
    expect(
      (options.body.options as unknown as { allowCredentials: { id: string }[] }).allowCredentials.map(
        (c) => c.id,
      ),
    ).toEqual([user.passkey.id]);
    const done = await passkeyStep(first.cookie, {
      intent: 'verify',
      redirectTo: '/settings/profile',
      response: JSON.stringify(user.passkey.authenticate(options.body.options as never)),
    });
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ redirectTo: '/settings/profile' });
    expect(done.cookie).toBeTruthy();
    expect(done.cookie).not.toBe(first.cookie);
    expect(await sessionRow(first.cookie)).toBeUndefined();
    const complete = await sessionRow(done.cookie!);
    expect(complete).toMatchObject({
      signInMethod: 'password',
      secondFactor: 'passkey',
      twoFactorPending: false,
    });
    expect(complete?.reauthenticatedAt).not.toBeNull();
    expect(describeSignIn(complete!)).toBe('Password + passkey');
    const auth = await getAuth(makeRequest('/settings/profile', { cookie: done.cookie! }), t.db);
    expect(auth?.user.id).toBe(user.id);
    const verified = await audits(user.id, 'user.two_factor_verified');
    expect(verified.map((a) => a.metadata)).toEqual([
      expect.objectContaining({ method: 'password', secondFactor: 'passkey' }),
    ]);
    // The partial session is spent: its cookie cannot finish a step again.
    expect((await passkeyStep(first.cookie, { intent: 'options' })).status).toBe(401);
  });

  it('refuses another user’s passkey, audited, and the session stays partial', async () => {
    const user = await passkeyOnlyUser();
    const other = await passkeyOnlyUser();
    const first = await passwordSignIn(user);
    const options = await passkeyStep(first.cookie, { intent: 'options' });
    const refused = await passkeyStep(first.cookie, {
      intent: 'verify',
      response: JSON.stringify(other.passkey.authenticate(options.body.options as never)),
    });
    expect(refused.status).toBe(401);
    expect(refused.body.error?.message).toContain('another account');
    expect(refused.cookie).toBeNull();
    expect(await sessionRow(first.cookie)).toMatchObject({ twoFactorPending: true, secondFactor: null });
    expect(await audits(user.id, 'user.two_factor_failed')).toEqual([
      { metadata: expect.objectContaining({ secondFactor: 'passkey' }) },
    ]);
    expect(await audits(user.id, 'user.two_factor_verified')).toHaveLength(0);
  });

  it('is throttled like codes: after the limit even the right passkey waits', async () => {
    const user = await passkeyOnlyUser();
    const stranger = new TestPasskey(relyingParty().origin, relyingParty().id);
    const first = await passwordSignIn(user);
    for (let i = 0; i < TWO_FACTOR_ATTEMPT_LIMIT; i++) {
      const options = await passkeyStep(first.cookie, { intent: 'options' });
      const wrong = await passkeyStep(first.cookie, {
        intent: 'verify',
        response: JSON.stringify(stranger.authenticate(options.body.options as never)),
      });
      expect(wrong.status).toBe(401);
    }
    const options = await passkeyStep(first.cookie, { intent: 'options' });
    const blocked = await passkeyStep(first.cookie, {
      intent: 'verify',
      response: JSON.stringify(user.passkey.authenticate(options.body.options as never)),
    });
    expect(blocked.status).toBe(429);
    expect((await sessionRow(first.cookie))?.twoFactorPending).toBe(true);
  });

  it('the partial session still cannot reach other pages, and the step endpoint needs a partial session', async () => {
    const user = await passkeyOnlyUser();
    const { cookie } = await passwordSignIn(user);
    for (const [loader, path] of [
      [profileLoader, '/settings/profile'],
      [sessionsLoader, '/settings/sessions'],
    ] as const) {
      const res = await outcome(await call(loader, makeRequest(path, { cookie })));
      expect(res.status, path).toBe(302);
      expect(res.headers.get('location'), path).toBe(
        `/login/two-factor?${new URLSearchParams({ redirectTo: path })}`,
      );
    }
    // Signed out, or signed in completely: the endpoint has no step to finish.
    expect((await passkeyStep(null, { intent: 'options' })).status).toBe(401);
    const complete = (await createUserSession(t.db, user.id, makeRequest('/'))).split(';')[0] as string;
    expect((await passkeyStep(complete, { intent: 'options' })).status).toBe(401);
  });
});

describe('recovery codes for a passkey-only account', () => {
  const securityPost = (cookie: string, form: Record<string, string>) =>
    call(securityAction, makeRequest('/settings/security', { cookie, form })).then(outcome);

  it('makes ten codes once re-authenticated, signs out other sessions, and a code finishes the second step', async () => {
    const user = await passkeyOnlyUser();
    const other = await createUserSession(t.db, user.id, makeRequest('/login'));
    const mine = await createUserSession(t.db, user.id, makeRequest('/login'));
    const cookie = mine.split(';')[0] as string;
    const made = await securityPost(cookie, { intent: 'passkey-recovery' });
    expect(made.status).toBe(200);
    const codes = (made.data as { recoveryCodes: string[] }).recoveryCodes;
    expect(codes).toHaveLength(10);
    expect(await sessionRow(other.split(';')[0] as string)).toBeUndefined();
    expect(await sessionRow(cookie)).toBeDefined();
    expect(await audits(user.id, 'second_factor.added')).toEqual([
      { metadata: expect.objectContaining({ kind: 'passkey' }) },
      { metadata: expect.objectContaining({ kind: 'recovery_codes' }) },
    ]);

    // The second step now also takes a recovery code (no device at hand).
    const first = await passwordSignIn(user);
    const page = await outcome(
      await call(stepLoader, makeRequest('/login/two-factor', { cookie: first.cookie })),
    );
    expect(page.data).toMatchObject({ factors: { totp: false, recoveryCodesLeft: 10, passkeys: 1 } });
    const step = await outcome(
      await call(
        stepAction,
        makeRequest('/login/two-factor', { cookie: first.cookie, form: { code: codes[0]! } }),
      ),
    );
    expect(step.status).toBe(302);
    const complete = cookieFrom(step.headers, SESSION_COOKIE) as string;
    expect(await sessionRow(complete)).toMatchObject({
      twoFactorPending: false,
      secondFactor: 'recovery_code',
    });
    expect(await sessionRow(first.cookie)).toBeUndefined();
  });

  it('removing the last passkey takes its recovery codes with it', async () => {
    const user = await passkeyOnlyUser();
    const cookie = (await createUserSession(t.db, user.id, makeRequest('/login'))).split(';')[0] as string;
    await securityPost(cookie, { intent: 'passkey-recovery' });
    expect(await remainingRecoveryCodes(t.db, user.id)).toBe(10);
    const [passkey] = await t.db
      .select()
      .from(webauthnCredentials)
      .where(eq(webauthnCredentials.userId, user.id));
    await removePasskey(t.db, { type: 'USER', userId: user.id }, null, passkey!.id);
    expect(await remainingRecoveryCodes(t.db, user.id)).toBe(0);
  });

  it('is refused without a passkey, and with an authenticator app (its own form needs a code)', async () => {
    const user = await createPasswordUser(t.db);
    const cookie = (await createUserSession(t.db, user.id, makeRequest('/login'))).split(';')[0] as string;
    const refused = await securityPost(cookie, { intent: 'passkey-recovery' });
    expect(refused.status).toBe(409);
    expect((refused.data as { error: string }).error).toMatch(/Add a passkey or an authenticator app first/);
    expect(await remainingRecoveryCodes(t.db, user.id)).toBe(0);
  });
});
