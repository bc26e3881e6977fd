// Sudo mode (issue 15 §4): every gated page and action, once with a stale re-authentication (sent to
// /reauthenticate, nothing changes) and once with a fresh one (it goes through); then /reauthenticate by
// password, TOTP code and passkey, and the passkey sign-in on /login.
import { generateHOTP } from '@oslojs/otp';
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { addMember, cookieFor, createOrg, type TestUser } from '~/orgs/test-support';
import * as loginPasskey from '~/routes/login.passkey';
import * as apiKeysRoute from '~/routes/o.$slug.api-keys';
import * as membersRoute from '~/routes/o.$slug.members';
import * as orgSettingsRoute from '~/routes/o.$slug.settings';
import * as reauthRoute from '~/routes/reauthenticate';
import * as reauthPasskeyRoute from '~/routes/reauthenticate.passkey';
import * as deleteAccountRoute from '~/routes/settings.delete-account';
import * as emailRoute from '~/routes/settings.email';
import * as passwordRoute from '~/routes/settings.password';
import * as securityRoute from '~/routes/settings.security._index/route';
import * as passkeysRoute from '~/routes/settings.security.passkeys/route';
import * as registerRoute from '~/routes/settings.security.passkeys.register';
import {
  apiKeys,
  emailChangeRequests,
  emailLogs,
  organizationMembers,
  organizations,
  sessions,
  users,
  webauthnCredentials,
} from '~db/schema';
import { useAppTestDatabase } from '../../tests/support/db';
import { getPage, postForm, type RouteFn, runRoute } from '../../tests/support/routes';
import { finishPasskeyRegistration, relyingParty, startPasskeyRegistration } from './passkeys.server';
import { TestPasskey } from './passkeys.test-authenticator';
import { confirmTotpEnrollment, startTotpEnrollment } from './second-factor.server';
import { createPasswordUser } from './test-helpers.server';
import { sha256Hex } from './tokens.server';
import { decryptTotpKey, findTotpCredential, totpStep } from './totp.server';

const t = useAppTestDatabase();

const MINUTE = 60_000;
const idOf = (cookie: string) => sha256Hex(decodeURIComponent(cookie.split('=')[1] ?? ''));

async function reauthenticatedAt(cookie: string) {
  const [s] = await t.db
    .select({ at: sessions.reauthenticatedAt })
    .from(sessions)
    .where(eq(sessions.id, idOf(cookie)));
  return s?.at ?? null;
}

async function setAge(cookie: string, minutes: number | null) {
  await t.db
    .update(sessions)
    .set({ reauthenticatedAt: minutes === null ? null : new Date(Date.now() - minutes * MINUTE) })
    .where(eq(sessions.id, idOf(cookie)));
}

const stale = (cookie: string) => setAge(cookie, 11);
const fresh = (cookie: string) => setAge(cookie, 1);

function expectSentToReauthenticate(outcome: { status: number; location?: string | null }, page: string) {
  expect(outcome.status).toBe(302);
  expect(outcome.location).toBe(`/reauthenticate?${new URLSearchParams({ redirectTo: page })}`);
}

const run = (fn: RouteFn | undefined, request: Request, params: Record<string, string> = {}) =>
  runRoute(fn, request, params);

interface Person {
  id: string;
  email: string;
  password: string;
  cookie: string;
}

async function person(): Promise<Person> {
  const user = await createPasswordUser(t.db);
  return { ...user, cookie: await cookieFor(t.db, user.id) };
}

describe('sudo gates: account pages', () => {
  it('a complete sign-in counts as a fresh proof', async () => {
    const me = await person();
    expect(await reauthenticatedAt(me.cookie)).toBeInstanceOf(Date);
    expect((await run(passwordRoute.loader, getPage('/settings/password', me.cookie))).status).toBe(200);
  });

  it('password: the page and the change', async () => {
    const me = await person();
    await stale(me.cookie);
    expectSentToReauthenticate(
      await run(passwordRoute.loader, getPage('/settings/password', me.cookie)),
      '/settings/password',
    );
    const form = { currentPassword: me.password, newPassword: 'a-brand-new-password' };
    expectSentToReauthenticate(
      await run(passwordRoute.action, postForm('/settings/password', me.cookie, form)),
      '/settings/password',
    );
    // Still the old password.
    const [stillOld] = await t.db
      .select({ updatedAt: users.updatedAt })
      .from(users)
      .where(eq(users.id, me.id));
    await fresh(me.cookie);
    expect((await run(passwordRoute.loader, getPage('/settings/password', me.cookie))).status).toBe(200);
    const done = await run(passwordRoute.action, postForm('/settings/password', me.cookie, form));
    expect(done).toMatchObject({ status: 302, location: '/settings/password' });
    expect(stillOld).toBeDefined();
  });

  it('deleting the account', async () => {
    const me = await person();
    await stale(me.cookie);
    expectSentToReauthenticate(
      await run(deleteAccountRoute.loader, getPage('/settings/delete-account', me.cookie)),
      '/settings/delete-account',
    );
    expectSentToReauthenticate(
      await run(
        deleteAccountRoute.action,
        postForm('/settings/delete-account', me.cookie, { confirm: me.email }),
      ),
      '/settings/delete-account',
    );
    const [alive] = await t.db.select({ deletedAt: users.deletedAt }).from(users).where(eq(users.id, me.id));
    expect(alive?.deletedAt).toBeNull();
    await fresh(me.cookie);
    expect(
      await run(
        deleteAccountRoute.action,
        postForm('/settings/delete-account', me.cookie, { confirm: me.email }),
      ),
    ).toMatchObject({ status: 302, location: '/' });
    const [gone] = await t.db.select({ deletedAt: users.deletedAt }).from(users).where(eq(users.id, me.id));
    expect(gone?.deletedAt).toBeInstanceOf(Date);
  });

  it('changing the email', async () => {
    const me = await person();
    await stale(me.cookie);
    expectSentToReauthenticate(
      await run(emailRoute.loader, getPage('/settings/email', me.cookie)),
      '/settings/email',
    );
    const form = { newEmail: `moved-${me.id}@example.com` };
    expectSentToReauthenticate(
      await run(emailRoute.action, postForm('/settings/email', me.cookie, form)),
      '/settings/email',
    );
    const none = await t.db.select().from(emailChangeRequests).where(eq(emailChangeRequests.userId, me.id));
    expect(none).toHaveLength(0);
    await fresh(me.cookie);
    expect(await run(emailRoute.action, postForm('/settings/email', me.cookie, form))).toMatchObject({
      status: 302,
      location: '/settings/email',
    });
    const one = await t.db.select().from(emailChangeRequests).where(eq(emailChangeRequests.userId, me.id));
    expect(one).toHaveLength(1);
    const page = await run(emailRoute.loader, getPage('/settings/email', me.cookie));
    expect(page.data).toMatchObject({ email: me.email, pending: { newEmail: form.newEmail } });
  });

  it('passkeys: the page, adding one, removing one', async () => {
    const me = await person();
    const passkey = new TestPasskey(relyingParty().origin, relyingParty().id);
    const actor = { type: 'USER' as const, userId: me.id };
    const reg = await startPasskeyRegistration(t.db, actor);
    const row = await finishPasskeyRegistration(t.db, actor, idOf(me.cookie), {
      name: 'Laptop',
      response: passkey.register(reg),
    });
    const page = '/settings/security/passkeys';
    await stale(me.cookie);
    expectSentToReauthenticate(await run(passkeysRoute.loader, getPage(page, me.cookie)), page);
    const remove = { intent: 'remove', passkeyId: row.id, confirm: 'yes' };
    expectSentToReauthenticate(await run(passkeysRoute.action, postForm(page, me.cookie, remove)), page);
    const register = await run(
      registerRoute.action,
      postForm(`${page}/register`, me.cookie, { intent: 'options' }),
    );
    expect(register.status).toBe(403);
    expect(
      await t.db.select().from(webauthnCredentials).where(eq(webauthnCredentials.userId, me.id)),
    ).toHaveLength(1);

    await fresh(me.cookie);
    const list = await run(passkeysRoute.loader, getPage(page, me.cookie));
    expect(list.data).toMatchObject({ passkeys: [{ id: row.id, name: 'Laptop', lastUsedAt: null }] });
    // Without confirm=yes the first POST only asks.
    const asked = await run(
      passkeysRoute.action,
      postForm(page, me.cookie, { intent: 'remove', passkeyId: row.id }),
    );
    expect(asked.data).toMatchObject({ form: 'confirm' });
    expect(await run(passkeysRoute.action, postForm(page, me.cookie, remove))).toMatchObject({
      status: 302,
      location: page,
    });
    expect(
      await t.db.select().from(webauthnCredentials).where(eq(webauthnCredentials.userId, me.id)),
    ).toHaveLength(0);
  });
  it('the authenticator app: the page, setting it up, turning it off', async () => {
    const me = await person();
    const page = '/settings/security';
    await stale(me.cookie);
    expectSentToReauthenticate(await run(securityRoute.loader, getPage(page, me.cookie)), page);
    expectSentToReauthenticate(
      await run(securityRoute.action, postForm(page, me.cookie, { intent: 'start' })),
      page,
    );
    expect(await findTotpCredential(t.db, me.id)).toBeNull();
    expectSentToReauthenticate(
      await run(securityRoute.action, postForm(page, me.cookie, { intent: 'disable', code: '123456' })),
      page,
    );
    await fresh(me.cookie);
    expect((await run(securityRoute.loader, getPage(page, me.cookie))).status).toBe(200);
    expect(await run(securityRoute.action, postForm(page, me.cookie, { intent: 'start' }))).toMatchObject({
      status: 302,
    });
    expect(await findTotpCredential(t.db, me.id)).not.toBeNull();
  });
});

describe('sudo gates: organization pages', () => {
  let owner: TestUser;
  let cookie: string;
  let slug: string;
  let organizationId: string;
  beforeAll(async () => {
    const org = await createOrg(t.db);
    owner = org.owner;
    slug = org.organization.slug;
    organizationId = org.organization.id;
    cookie = await cookieFor(t.db, owner.id);
  });

  it('creating an API key: the form is replaced by a confirmation link, and the action refuses', async () => {
    const page = `/o/${slug}/api-keys`;
    await stale(cookie);
    const shown = await run(apiKeysRoute.loader, getPage(page, cookie), { slug });
    expect(shown.data).toMatchObject({
      sudo: { recent: false, confirmPath: `/reauthenticate?${new URLSearchParams({ redirectTo: page })}` },
    });
    const form = { intent: 'create', name: 'CI', scopes: 'usage:read', rateLimit: '', expiresInDays: '' };
    expectSentToReauthenticate(await run(apiKeysRoute.action, postForm(page, cookie, form), { slug }), page);
    expect(await t.db.select().from(apiKeys).where(eq(apiKeys.organizationId, organizationId))).toHaveLength(
      0,
    );
    await fresh(cookie);
    expect((await run(apiKeysRoute.loader, getPage(page, cookie), { slug })).data).toMatchObject({
      sudo: { recent: true },
    });
    const created = await run(apiKeysRoute.action, postForm(page, cookie, form), { slug });
    expect(created.status).toBe(200);
    expect(await t.db.select().from(apiKeys).where(eq(apiKeys.organizationId, organizationId))).toHaveLength(
      1,
    );
  });

  it('transferring ownership', async () => {
    const page = `/o/${slug}/members`;
    const admin = await addMember(t.db, organizationId, 'ADMIN');
    await stale(cookie);
    expect((await run(membersRoute.loader, getPage(page, cookie), { slug })).data).toMatchObject({
      sudo: { recent: false },
    });
    const form = { intent: 'transfer', memberId: admin.memberId };
    expectSentToReauthenticate(await run(membersRoute.action, postForm(page, cookie, form), { slug }), page);
    const roleOf = async (id: string) =>
      (
        await t.db
          .select({ role: organizationMembers.role })
          .from(organizationMembers)
          .where(eq(organizationMembers.id, id))
      )[0]?.role;
    expect(await roleOf(admin.memberId)).toBe('ADMIN');
    await fresh(cookie);
    expect(await run(membersRoute.action, postForm(page, cookie, form), { slug })).toMatchObject({
      status: 302,
      location: page,
    });
    expect(await roleOf(admin.memberId)).toBe('OWNER');
  });

  it('deleting the organization', async () => {
    const org = await createOrg(t.db);
    const ownerCookie = await cookieFor(t.db, org.owner.id);
    const s = org.organization.slug;
    const page = `/o/${s}/settings`;
    await stale(ownerCookie);
    expect((await run(orgSettingsRoute.loader, getPage(page, ownerCookie), { slug: s })).data).toMatchObject({
      sudo: { recent: false },
    });
    const form = { intent: 'delete', confirm: s };
    expectSentToReauthenticate(
      await run(orgSettingsRoute.action, postForm(page, ownerCookie, form), { slug: s }),
      page,
    );
    expect(
      await t.db.select().from(organizations).where(eq(organizations.id, org.organization.id)),
    ).toHaveLength(1);
    // Editing the other settings is not sudo-gated.
    const update = await run(
      orgSettingsRoute.action,
      postForm(page, ownerCookie, { intent: 'update', name: 'Renamed organization', slug: s }),
      { slug: s },
    );
    expect(update.status).toBe(302);
    await fresh(ownerCookie);
    expect(await run(orgSettingsRoute.action, postForm(page, ownerCookie, form), { slug: s })).toMatchObject({
      status: 302,
      location: '/orgs',
    });
    expect(
      await t.db.select().from(organizations).where(eq(organizations.id, org.organization.id)),
    ).toHaveLength(0);
  });
});

describe('POST /settings/security/passkeys/register', () => {
  it('adds a named passkey, keeps this session, ends the others, and says so in a flash', async () => {
    const me = await person();
    const otherDevice = await cookieFor(t.db, me.id);
    const path = '/settings/security/passkeys/register';
    const call = async (form: Record<string, string>) => {
      const res = (await registerRoute.action({
        request: postForm(path, me.cookie, form),
        params: {},
        context: {},
      } as never)) as Response;
      return {
        status: res.status,
        cookie: res.headers.get('Set-Cookie'),
        body: (await res.json()) as Record<string, unknown>,
      };
    };
    const key = new TestPasskey(relyingParty().origin, relyingParty().id);
    const { body } = await call({ intent: 'options' });
    const junk = await call({ intent: 'verify', name: 'Laptop', response: '{"nope":true}' });
    expect(junk.status).toBe(400);
    const added = await call({
      intent: 'verify',
      name: '  Laptop  ',
      response: JSON.stringify(key.register(body.options as never)),
    });
    expect(added).toMatchObject({ status: 200, body: { redirectTo: '/settings/security/passkeys' } });
    expect(added.cookie).toMatch(/flash/);
    const rows = await t.db.select().from(webauthnCredentials).where(eq(webauthnCredentials.userId, me.id));
    expect(rows.map((r) => r.name)).toEqual(['Laptop']);
    expect(
      await t.db
        .select()
        .from(sessions)
        .where(eq(sessions.id, idOf(me.cookie))),
    ).toHaveLength(1);
    expect(
      await t.db
        .select()
        .from(sessions)
        .where(eq(sessions.id, idOf(otherDevice))),
    ).toHaveLength(0);
  });
});

describe('/reauthenticate', () => {
  const back = '/settings/password';
  const here = `/reauthenticate?${new URLSearchParams({ redirectTo: back })}`;

  it('shows the ways to confirm, and goes straight back when the proof is fresh', async () => {
    const me = await person();
    await stale(me.cookie);
    const page = await run(reauthRoute.loader, getPage(here, me.cookie));
    expect(page.data).toMatchObject({
      redirectTo: back,
      methods: { password: true, totp: false, passkey: false },
    });
    await fresh(me.cookie);
    expect(await run(reauthRoute.loader, getPage(here, me.cookie))).toMatchObject({
      status: 302,
      location: back,
    });
    // A foreign redirectTo is never followed.
    await stale(me.cookie);
    const evil = await run(
      reauthRoute.loader,
      getPage('/reauthenticate?redirectTo=//evil.example', me.cookie),
    );
    expect(evil.data).toMatchObject({ redirectTo: '/settings' });
  });

  it('by password: a wrong one changes nothing; the right one sets the proof and goes back', async () => {
    const me = await person();
    await stale(me.cookie);
    const before = await reauthenticatedAt(me.cookie);
    const wrong = await run(
      reauthRoute.action,
      postForm(here, me.cookie, { intent: 'password', password: 'nope-nope' }),
    );
    expect(wrong).toMatchObject({ status: 400, data: { form: 'password' } });
    expect(await reauthenticatedAt(me.cookie)).toEqual(before);
    const right = await run(
      reauthRoute.action,
      postForm(here, me.cookie, { intent: 'password', password: me.password }),
    );
    expect(right).toMatchObject({ status: 302, location: back });
    expect(Date.now() - (await reauthenticatedAt(me.cookie))!.getTime()).toBeLessThan(MINUTE);
    expect((await run(passwordRoute.loader, getPage(back, me.cookie))).status).toBe(200);
  });

  it('by password: throttled per user', async () => {
    const me = await person();
    await stale(me.cookie);
    let last = 0;
    for (let i = 0; i < 6; i++)
      last = (
        await run(
          reauthRoute.action,
          postForm(here, me.cookie, { intent: 'password', password: `wrong-${i}` }),
        )
      ).status;
    expect(last).toBe(429);
    const right = await run(
      reauthRoute.action,
      postForm(here, me.cookie, { intent: 'password', password: me.password }),
    );
    expect(right.status).toBe(429);
    expect(await reauthenticatedAt(me.cookie)).not.toBeNull();
    expect(Date.now() - (await reauthenticatedAt(me.cookie))!.getTime()).toBeGreaterThan(10 * MINUTE);
  });

  it('by a code from the authenticator app; a replayed code is refused', async () => {
    const me = await person();
    const actor = { type: 'USER' as const, userId: me.id };
    await startTotpEnrollment(t.db, actor);
    const key = decryptTotpKey((await findTotpCredential(t.db, me.id))!.encryptedSecret);
    const codeAt = (step: number) => generateHOTP(key, BigInt(step), 6);
    await confirmTotpEnrollment(t.db, actor, idOf(me.cookie), codeAt(totpStep() - 1));
    await stale(me.cookie);
    expect((await run(reauthRoute.loader, getPage(here, me.cookie))).data).toMatchObject({
      methods: { totp: true },
    });
    const replay = await run(
      reauthRoute.action,
      postForm(here, me.cookie, { intent: 'totp', code: codeAt(totpStep() - 1) }),
    );
    expect(replay).toMatchObject({ status: 400, data: { form: 'totp' } });
    const ok = await run(
      reauthRoute.action,
      postForm(here, me.cookie, { intent: 'totp', code: codeAt(totpStep()) }),
    );
    expect(ok).toMatchObject({ status: 302, location: back });
  });

  it('by passkey: the user’s own only; the proof is set', async () => {
    const me = await person();
    const other = await person();
    const mine = new TestPasskey(relyingParty().origin, relyingParty().id);
    const theirs = new TestPasskey(relyingParty().origin, relyingParty().id);
    for (const [who, key] of [
      [me, mine],
      [other, theirs],
    ] as const) {
      const actor = { type: 'USER' as const, userId: who.id };
      const reg = await startPasskeyRegistration(t.db, actor);
      await finishPasskeyRegistration(t.db, actor, idOf(who.cookie), {
        name: 'Key',
        response: key.register(reg),
      });
    }
    await stale(me.cookie);
    const path = `/reauthenticate/passkey?${new URLSearchParams({ redirectTo: back })}`;
    const call = async (form: Record<string, string>) => {
      const res = (await reauthPasskeyRoute.action({
        request: postForm(path, me.cookie, form),
        params: {},
        context: {},
      } as never)) as Response;
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const first = await call({ intent: 'options' });
    const refused = await call({
      intent: 'verify',
      response: JSON.stringify(theirs.authenticate(first.body.options as never)),
    });
    expect(refused.status).toBe(401);
    expect(Date.now() - (await reauthenticatedAt(me.cookie))!.getTime()).toBeGreaterThan(10 * MINUTE);
    const second = await call({ intent: 'options' });
    const ok = await call({
      intent: 'verify',
      response: JSON.stringify(mine.authenticate(second.body.options as never)),
    });
    expect(ok).toEqual({ status: 200, body: { redirectTo: back } });
    expect(Date.now() - (await reauthenticatedAt(me.cookie))!.getTime()).toBeLessThan(MINUTE);
  });

  it('“sign in again” ends the session and keeps where to come back', async () => {
    const me = await person();
    await stale(me.cookie);
    const out = await run(reauthRoute.action, postForm(here, me.cookie, { intent: 'sign-in-again' }));
    expect(out).toMatchObject({
      status: 302,
      location: `/login?${new URLSearchParams({ redirectTo: back })}`,
    });
    expect(
      await t.db
        .select()
        .from(sessions)
        .where(eq(sessions.id, idOf(me.cookie))),
    ).toHaveLength(0);
  });
});

describe('POST /login/passkey', () => {
  const call = async (form: Record<string, string>, ua = 'Mozilla/5.0 PasskeyTest/1') => {
    const request = new Request('http://localhost/login/passkey', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'user-agent': ua,
        'x-forwarded-for': '198.51.100.4',
      },
      body: new URLSearchParams(form),
    });
    const res = (await loginPasskey.action({ request, params: {}, context: {} } as never)) as Response;
    return {
      status: res.status,
      cookie: res.headers.get('Set-Cookie'),
      body: (await res.json()) as Record<string, unknown>,
    };
  };

  it('signs in with both factors, fresh for sudo mode, and tells the user about a new device', async () => {
    const me = await person();
    const key = new TestPasskey(relyingParty().origin, relyingParty().id);
    const actor = { type: 'USER' as const, userId: me.id };
    const reg = await startPasskeyRegistration(t.db, actor);
    await finishPasskeyRegistration(t.db, actor, idOf(me.cookie), {
      name: 'Phone',
      response: key.register(reg),
    });
    const { body } = await call({ intent: 'options' });
    const signedIn = await call({
      intent: 'verify',
      response: JSON.stringify(key.authenticate(body.options as never)),
      redirectTo: '/orgs/new',
    });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body).toEqual({ redirectTo: '/orgs/new' });
    const cookie = signedIn.cookie!.split(';')[0]!;
    const [session] = await t.db
      .select()
      .from(sessions)
      .where(eq(sessions.id, idOf(cookie)));
    expect(session).toMatchObject({
      userId: me.id,
      signInMethod: 'passkey',
      secondFactor: 'passkey',
      twoFactorPending: false,
    });
    expect(session?.reauthenticatedAt).toBeInstanceOf(Date);
    const notices = await t.db
      .select()
      .from(emailLogs)
      .where(and(eq(emailLogs.entityId, me.id), eq(emailLogs.template, 'new-sign-in')));
    expect(notices).toHaveLength(1);
  });

  it('answers junk with a 4xx JSON error and no cookie', async () => {
    for (const form of [
      { intent: 'verify' } as Record<string, string>,
      { intent: 'verify', response: '{"id":1}' },
      { intent: 'verify', response: 'x'.repeat(40_000) },
      { intent: 'nope' },
    ]) {
      const res = await call(form);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.cookie).toBeNull();
      expect(res.body).toMatchObject({ error: { message: expect.any(String) } });
    }
  });
});
