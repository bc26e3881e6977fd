// Issue 8 §4: an invited person who signs up keeps the invitation. redirectTo survives sign-up, the
// verification link and sign-in; /orgs (the post-sign-in landing) lists every pending invitation to the
// user's verified email with Accept and Decline, forms that work without JavaScript.
import { and, desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptLink } from '~/email/outbox.server';
import { resetEnvCache } from '~/env.server';
import { inviteMember } from '~/orgs/invitations.server';
import { createOrg } from '~/orgs/test-support';
import { emailLogs, invitations, organizationMembers, users } from '~db/schema';
import { useAppTestDatabase } from '../../tests/support/db';
import { loader as invitationLoader } from '../routes/invitations.$token';
import { action as loginAction } from '../routes/login';
import { action as orgsAction, loader as orgsLoader } from '../routes/orgs._index';
import { action as signupAction } from '../routes/signup';
import { loader as verifyLoader } from '../routes/verify-email';
import { createUserSession } from './sessions.server';
import { call, createPasswordUser, makeRequest, outcome, uniqueEmail } from './test-helpers.server';

const t = useAppTestDatabase();

// Leave emails queued (with their links) instead of delivering them in the background.
const previousDelivery = process.env.EMAIL_DELIVERY;
beforeAll(() => {
  process.env.EMAIL_DELIVERY = 'cron';
  resetEnvCache();
});
afterAll(() => {
  if (previousDelivery === undefined) delete process.env.EMAIL_DELIVERY;
  else process.env.EMAIL_DELIVERY = previousDelivery;
  resetEnvCache();
});

async function invite(email: string) {
  const { organization, owner } = await createOrg(t.db);
  const { invitation, token } = await inviteMember(t.db, owner.actor, {
    organizationId: organization.id,
    email,
    role: 'MEMBER',
  });
  return { organization, invitation, token };
}

const sessionFor = async (userId: string) =>
  (await createUserSession(t.db, userId, makeRequest('/'))).split(';')[0] as string;

describe('sign-up keeps redirectTo through email verification and sign-in', () => {
  it('from the invitation page: sign up → verification link → sign in → back on the invitation', async () => {
    const email = uniqueEmail('invitee');
    const { token } = await invite(email);
    const invitationPath = `/invitations/${token}`;
    // The invitation page sends a visitor to sign up with itself as redirectTo.
    const page = await outcome(await call(invitationLoader, makeRequest(invitationPath), { token }));
    expect(page.data).toMatchObject({ redirectTo: invitationPath, signedInAs: null });

    const signedUp = await outcome(
      await call(
        signupAction,
        makeRequest('/signup', {
          form: { name: 'Ivy', email, password: 'a-long-password', redirectTo: invitationPath },
        }),
      ),
    );
    expect(signedUp.status).toBe(302);
    expect(signedUp.headers.get('location')).toBe(
      `/verify-email?${new URLSearchParams({ redirectTo: invitationPath })}`,
    );

    // The verification link carries redirectTo.
    const [mail] = await t.db
      .select()
      .from(emailLogs)
      .where(and(eq(emailLogs.to, email), eq(emailLogs.template, 'verify-email')))
      .orderBy(desc(emailLogs.createdAt));
    const link = new URL(decryptLink(mail?.templateData) ?? '');
    expect(link.searchParams.get('redirectTo')).toBe(invitationPath);

    const verified = await outcome(await call(verifyLoader, makeRequest(`${link.pathname}${link.search}`)));
    expect(verified.status).toBe(302);
    const toLogin = verified.headers.get('location') ?? '';
    expect(toLogin).toBe(`/login?${new URLSearchParams({ redirectTo: invitationPath })}`);

    const signedIn = await outcome(
      await call(
        loginAction,
        makeRequest('/login', {
          form: {
            email,
            password: 'a-long-password',
            redirectTo: new URLSearchParams(toLogin.split('?')[1]).get('redirectTo') ?? '',
          },
        }),
      ),
    );
    expect(signedIn.headers.get('location')).toBe(invitationPath);
  });

  it('a hostile redirectTo is dropped from the sign-up answer and the verification link', async () => {
    const email = uniqueEmail('hostile');
    const res = await outcome(
      await call(
        signupAction,
        makeRequest('/signup', {
          form: { name: 'Hal', email, password: 'a-long-password', redirectTo: '/.//evil.example' },
        }),
      ),
    );
    expect(res.headers.get('location')).toBe('/verify-email');
    const [mail] = await t.db.select().from(emailLogs).where(eq(emailLogs.to, email));
    expect(new URL(decryptLink(mail?.templateData) ?? '').searchParams.get('redirectTo')).toBeNull();
    const verify = await outcome(
      await call(verifyLoader, makeRequest('/verify-email?token=nope&redirectTo=/.//evil.example')),
    );
    expect(verify.data).toMatchObject({ state: 'invalid', redirectTo: '' });
  });
});

describe('/orgs lists pending invitations to the verified email', () => {
  it('a verified user without organizations sees the invitation instead of being sent to /orgs/new', async () => {
    const user = await createPasswordUser(t.db);
    const { organization } = await invite(user.email);
    const res = await outcome(
      await call(orgsLoader, makeRequest('/orgs', { cookie: await sessionFor(user.id) })),
    );
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({
      organizations: [],
      invitations: [{ organizationName: organization.name, role: 'MEMBER' }],
    });
  });

  it('an unverified email sees no invitation (it proves nothing) and goes on to /orgs/new', async () => {
    const user = await createPasswordUser(t.db, { verified: false });
    await invite(user.email);
    const res = await outcome(
      await call(orgsLoader, makeRequest('/orgs', { cookie: await sessionFor(user.id) })),
    );
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/orgs/new');
  });

  it('expired and other people’s invitations are not listed', async () => {
    const user = await createPasswordUser(t.db);
    const { invitation } = await invite(user.email);
    await t.db
      .update(invitations)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(invitations.id, invitation.id));
    await invite(uniqueEmail('someone-else'));
    const res = await outcome(
      await call(orgsLoader, makeRequest('/orgs', { cookie: await sessionFor(user.id) })),
    );
    expect(res.headers.get('location')).toBe('/orgs/new');
  });

  it('Accept (a plain form post) makes the user a member and opens the organization', async () => {
    const user = await createPasswordUser(t.db);
    const { organization, invitation } = await invite(user.email);
    const cookie = await sessionFor(user.id);
    const res = await outcome(
      await call(
        orgsAction,
        makeRequest('/orgs', { cookie, form: { intent: 'accept', invitationId: invitation.id } }),
      ),
    );
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`/o/${organization.slug}`);
    const members = await t.db
      .select()
      .from(organizationMembers)
      .where(
        and(eq(organizationMembers.organizationId, organization.id), eq(organizationMembers.userId, user.id)),
      );
    expect(members.map((m) => m.role)).toEqual(['MEMBER']);
    const [row] = await t.db.select().from(invitations).where(eq(invitations.id, invitation.id));
    expect(row?.status).toBe('ACCEPTED');
  });

  it('Decline marks the invitation declined and stays on /orgs', async () => {
    const user = await createPasswordUser(t.db);
    const { invitation } = await invite(user.email);
    const res = await outcome(
      await call(
        orgsAction,
        makeRequest('/orgs', {
          cookie: await sessionFor(user.id),
          form: { intent: 'decline', invitationId: invitation.id },
        }),
      ),
    );
    expect(res.headers.get('location')).toBe('/orgs');
    const [row] = await t.db.select().from(invitations).where(eq(invitations.id, invitation.id));
    expect(row?.status).toBe('DECLINED');
  });

  it('someone else’s invitation id, or an unverified user’s own, is a 404 and changes nothing', async () => {
    const stranger = await createPasswordUser(t.db);
    const unverified = await createPasswordUser(t.db, { verified: false });
    const theirs = await invite(uniqueEmail('target'));
    const own = await invite(unverified.email);
    for (const [user, invitation] of [
      [stranger, theirs.invitation],
      [unverified, own.invitation],
    ] as const) {
      for (const intent of ['accept', 'decline']) {
        const res = await outcome(
          await call(
            orgsAction,
            makeRequest('/orgs', {
              cookie: await sessionFor(user.id),
              form: { intent, invitationId: invitation.id },
            }),
          ),
        );
        expect(res.status).toBe(404);
      }
      const [row] = await t.db.select().from(invitations).where(eq(invitations.id, invitation.id));
      expect(row?.status).toBe('PENDING');
    }
    expect(await t.db.select().from(users).where(eq(users.id, stranger.id))).toHaveLength(1);
  });
});
