// Issue 8 §5: names are checked on the server with a message (not cut by maxlength), a used
// verification link offers what its page promises, and the logo leads back to the last organization.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { addMember, createOrg } from '~/orgs/test-support';
import { sessions, users } from '~db/schema';
import { useAppTestDatabase } from '../../tests/support/db';
import { loader as orgsLoader } from '../routes/orgs._index';
import { action as signupAction } from '../routes/signup';
import { loader as verifyLoader } from '../routes/verify-email';
import { signUp } from './accounts.server';
import { createUserSession } from './sessions.server';
import { call, createPasswordUser, makeRequest, outcome, uniqueEmail } from './test-helpers.server';
import { type VerifyEmailPage, verifyEmailCopy } from './verify-email-copy';

const t = useAppTestDatabase();

const signUpForm = (name: string) =>
  call(
    signupAction,
    makeRequest('/signup', { form: { name, email: uniqueEmail('name'), password: 'a-long-password' } }),
  ).then(outcome);

describe('sign-up name length is checked on the server, with a message', () => {
  it.each([
    ['X', 'Use at least 2 characters'],
    ['  Y  ', 'Use at least 2 characters'],
    ['n'.repeat(101), 'Use at most 100 characters'],
    ['n'.repeat(5000), 'Use at most 100 characters'],
  ])('%j is a 400 saying %j, nothing created', async (name, message) => {
    const res = await signUpForm(name);
    expect(res.status).toBe(400);
    expect((res.data as { error?: Record<string, string[]> }).error?.name).toEqual([message]);
  });

  it('2 and 100 characters are fine', async () => {
    for (const name of ['Al', 'n'.repeat(100)]) {
      const email = uniqueEmail('ok');
      const { user } = await signUp(t.db, { name, email, password: 'a-long-password' });
      expect(user?.name).toBe(name);
    }
  });
});

describe('a used or expired verification link', () => {
  const pages: VerifyEmailPage[] = [];
  for (const state of ['pending', 'invalid'] as const)
    for (const signedIn of [
      null,
      { email: 'a@example.com', verified: false },
      { email: 'a@example.com', verified: true },
    ])
      pages.push({ state, signedIn });

  it.each(pages)('%j: says "below" exactly when the new-link form is there', (page) => {
    const copy = verifyEmailCopy(page);
    expect(copy.message.includes('below')).toBe(copy.offerNewLink);
    expect(copy.offerNewLink).toBe(!page.signedIn?.verified);
  });

  it('opened again by its signed-in, now verified owner: says it is already confirmed, no dangling promise', async () => {
    const email = uniqueEmail('twice');
    const { user } = await signUp(t.db, { name: 'Tw', email, password: 'a-long-password' });
    const cookie = (await createUserSession(t.db, user?.id ?? '', makeRequest('/'))).split(';')[0] as string;
    await t.db.update(users).set({ emailVerifiedAt: new Date() }).where(eq(users.email, email));
    const res = await outcome(
      await call(verifyLoader, makeRequest('/verify-email?token=used-token', { cookie })),
    );
    expect(res.status).toBe(400);
    const page = res.data as VerifyEmailPage;
    expect(page).toMatchObject({ state: 'invalid', signedIn: { verified: true } });
    expect(verifyEmailCopy(page).message).toContain('already confirmed');
    expect(verifyEmailCopy(page).message).not.toContain('below');
  });

  it('opened signed out: the page offers the form for a new link', async () => {
    const res = await outcome(await call(verifyLoader, makeRequest('/verify-email?token=used-token')));
    const page = res.data as VerifyEmailPage;
    expect(verifyEmailCopy(page)).toMatchObject({ offerNewLink: true });
  });
});

describe('the logo link of a signed-in user (/orgs?open=active)', () => {
  async function member(role: 'MEMBER' | 'BILLING') {
    const user = await createPasswordUser(t.db);
    const { organization } = await createOrg(t.db);
    await addMember(t.db, organization.id, role, {
      id: user.id,
      email: user.email,
      actor: { type: 'USER', userId: user.id },
    });
    const cookie = (await createUserSession(t.db, user.id, makeRequest('/'), organization.id)).split(
      ';',
    )[0] as string;
    return { user, organization, cookie };
  }

  it('opens the organization last opened in this session', async () => {
    const { organization, cookie } = await member('MEMBER');
    const res = await outcome(await call(orgsLoader, makeRequest('/orgs?open=active', { cookie })));
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`/o/${organization.slug}`);
  });

  it('a BILLING member lands on its billing page', async () => {
    const { organization, cookie } = await member('BILLING');
    const res = await outcome(await call(orgsLoader, makeRequest('/orgs?open=active', { cookie })));
    expect(res.headers.get('location')).toBe(`/o/${organization.slug}/billing`);
  });

  it('no organization chosen yet in this session: the list', async () => {
    const { user, cookie } = await member('MEMBER');
    await createOrg(t.db, { id: user.id, email: user.email, actor: { type: 'USER', userId: user.id } });
    await t.db.update(sessions).set({ activeOrganizationId: null }).where(eq(sessions.userId, user.id));
    const res = await outcome(await call(orgsLoader, makeRequest('/orgs?open=active', { cookie })));
    expect(res.status).toBe(200);
  });
});
