// Profile settings and account deletion exactly as SPEC §6 "Users are never hard-deleted".
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import {
  accounts,
  apiKeys,
  auditLogs,
  organizationMembers,
  refreshTokens,
  rooms,
  sessions,
  teamMembers,
  users,
  verifications,
} from '~db/schema';
import {
  addMember,
  createApiKey,
  createApp,
  createOrganization,
  createRoom,
  createTeam,
} from '../../tests/db/factories';
import { useAppTestDatabase } from '../../tests/support/db';
import { action as deleteAction, loader as deleteLoader } from '../routes/settings.delete-account';
import { action as profileAction } from '../routes/settings.profile';
import { requestPasswordReset } from './accounts.server';
import { issueApiTokens } from './api-tokens.server';
import { deleteAccount, deletedEmail } from './profile.server';
import { createUserSession, getAuth } from './sessions.server';
import { call, createPasswordUser, makeRequest, outcome } from './test-helpers.server';

const t = useAppTestDatabase();

const signedIn = async (userId: string) =>
  (await createUserSession(t.db, userId, makeRequest('/'))).split(';')[0] as string;

describe('profile', () => {
  it('saves name, image URL, time zone and language, audited with old and new values', async () => {
    const user = await createPasswordUser(t.db);
    const cookie = await signedIn(user.id);
    const res = await outcome(
      await call(
        profileAction,
        makeRequest('/settings/profile', {
          cookie,
          form: {
            name: 'Grace Hopper',
            image: 'https://img.example/g.png',
            timezone: 'Europe/Berlin',
            language: 'de',
          },
        }),
      ),
    );
    expect(res.status).toBe(302);
    const [row] = await t.db.select().from(users).where(eq(users.id, user.id));
    expect(row).toMatchObject({
      name: 'Grace Hopper',
      image: 'https://img.example/g.png',
      timezone: 'Europe/Berlin',
      language: 'de',
    });
    const [audit] = await t.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.userId, user.id), eq(auditLogs.action, 'user.profile_updated')));
    expect(audit?.oldValues).toMatchObject({ name: 'Test User', timezone: 'UTC' });
    expect(audit?.newValues).toMatchObject({ name: 'Grace Hopper', timezone: 'Europe/Berlin' });
  });

  it.each([
    [{ name: '', timezone: 'UTC', language: 'en' }, 'name'],
    [{ name: 'x'.repeat(101), timezone: 'UTC', language: 'en' }, 'name'],
    [{ name: 'A', timezone: 'Mars/Olympus', language: 'en' }, 'timezone'],
    [{ name: 'A', timezone: 'UTC', language: 'klingon' }, 'language'],
    [{ name: 'A', image: 'javascript:alert(1)', timezone: 'UTC', language: 'en' }, 'image'],
    [{ name: 'A', image: 'http://insecure.example/a.png', timezone: 'UTC', language: 'en' }, 'image'],
  ])('bad input %j is a 400 with an error on %s, values kept', async (form, field) => {
    const user = await createPasswordUser(t.db);
    const cookie = await signedIn(user.id);
    const res = await outcome(await call(profileAction, makeRequest('/settings/profile', { cookie, form })));
    expect(res.status).toBe(400);
    const reply = res.data as { error: Record<string, string[]>; initialValue: Record<string, string> };
    expect(reply.error[field]?.length).toBeGreaterThan(0);
    expect(reply.initialValue.timezone).toBe(form.timezone);
  });
});

describe('account deletion', () => {
  it('is refused with an explanation while the user is the only OWNER of an organization; nothing changes', async () => {
    const user = await createPasswordUser(t.db);
    const org = await createOrganization(t.db);
    await addMember(t.db, org, user.id, 'OWNER');
    const cookie = await signedIn(user.id);
    const page = await outcome(await call(deleteLoader, makeRequest('/settings/delete-account', { cookie })));
    expect((page.data as { soleOwnerOf: { id: string }[] }).soleOwnerOf.map((o) => o.id)).toEqual([org]);
    const res = await outcome(
      await call(
        deleteAction,
        makeRequest('/settings/delete-account', { cookie, form: { confirm: user.email } }),
      ),
    );
    expect(res.status).toBe(409);
    expect(JSON.stringify(res.data)).toMatch(/only owner of .*Transfer ownership/);
    const [row] = await t.db.select().from(users).where(eq(users.id, user.id));
    expect(row?.deletedAt).toBeNull();
    expect(await getAuth(makeRequest('/', { cookie }), t.db)).not.toBeNull();
  });

  it('requires typing the email address (400 otherwise)', async () => {
    const user = await createPasswordUser(t.db);
    const cookie = await signedIn(user.id);
    const res = await outcome(
      await call(
        deleteAction,
        makeRequest('/settings/delete-account', { cookie, form: { confirm: 'someone@else.example' } }),
      ),
    );
    expect(res.status).toBe(400);
    expect((res.data as { error: Record<string, string[]> }).error.confirm).toBeDefined();
  });

  it('in one transaction: anonymises the user, deletes sign-in data and memberships, deactivates API keys, soft-deletes organized rooms', async () => {
    const user = await createPasswordUser(t.db);
    const coOwner = await createPasswordUser(t.db);
    const org = await createOrganization(t.db);
    await addMember(t.db, org, user.id, 'OWNER');
    await addMember(t.db, org, coOwner.id, 'OWNER');
    const team = await createTeam(t.db, org);
    await t.db.insert(teamMembers).values({ teamId: team, userId: user.id });
    const key = await createApiKey(t.db, org, user.id);
    const othersKey = await createApiKey(t.db, org, coOwner.id);
    const app = await createApp(t.db, org);
    const room = await createRoom(t.db, org, user.id, app);
    const othersRoom = await createRoom(t.db, org, coOwner.id, app);
    await issueApiTokens(t.db, { email: user.email, password: user.password }, { ipAddress: '10.2.2.2' });
    await requestPasswordReset(t.db, user.email);
    await t.db
      .update(users)
      .set({ phone: '+1 555 0100', firstName: 'Del', lastName: 'Eted', taxId: 'X1' })
      .where(eq(users.id, user.id));
    const cookie = await signedIn(user.id);
    const other = await signedIn(user.id);

    const res = await outcome(
      await call(
        deleteAction,
        makeRequest('/settings/delete-account', { cookie, form: { confirm: user.email.toUpperCase() } }),
      ),
    );
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/');

    const [row] = await t.db.select().from(users).where(eq(users.id, user.id));
    expect(row).toMatchObject({
      status: 'INACTIVE',
      email: deletedEmail(user.id),
      name: null,
      image: null,
      firstName: null,
      lastName: null,
      phone: null,
      taxId: null,
    });
    expect(row?.deletedAt).not.toBeNull();
    expect(row?.email).toBe(`deleted-${user.id}@deleted.invalid`);
    expect(await t.db.select().from(accounts).where(eq(accounts.userId, user.id))).toHaveLength(0);
    expect(await t.db.select().from(sessions).where(eq(sessions.userId, user.id))).toHaveLength(0);
    expect(await t.db.select().from(refreshTokens).where(eq(refreshTokens.userId, user.id))).toHaveLength(0);
    expect(
      await t.db.select().from(verifications).where(eq(verifications.identifier, user.email)),
    ).toHaveLength(0);
    expect(
      await t.db.select().from(organizationMembers).where(eq(organizationMembers.userId, user.id)),
    ).toHaveLength(0);
    expect(await t.db.select().from(teamMembers).where(eq(teamMembers.userId, user.id))).toHaveLength(0);
    expect((await t.db.select().from(apiKeys).where(eq(apiKeys.id, key)))[0]?.isActive).toBe(false);
    expect((await t.db.select().from(apiKeys).where(eq(apiKeys.id, othersKey)))[0]?.isActive).toBe(true);
    expect((await t.db.select().from(rooms).where(eq(rooms.id, room)))[0]?.deletedAt).not.toBeNull();
    expect((await t.db.select().from(rooms).where(eq(rooms.id, othersRoom)))[0]?.deletedAt).toBeNull();
    for (const c of [cookie, other]) expect(await getAuth(makeRequest('/', { cookie: c }), t.db)).toBeNull();
    const [audit] = await t.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.userId, user.id), eq(auditLogs.action, 'user.deleted')));
    expect(audit?.metadata).toMatchObject({ apiKeysDeactivated: 1, roomsDeleted: 1 });
    // The co-owner's organization lives on.
    expect(
      await t.db.select().from(organizationMembers).where(eq(organizationMembers.organizationId, org)),
    ).toHaveLength(1);
    // The address is free again for a new sign-up.
    await expect(createPasswordUser(t.db, { email: user.email })).resolves.toBeDefined();
  });

  it('rolls everything back when a step fails (one transaction)', async () => {
    const user = await createPasswordUser(t.db);
    const org = await createOrganization(t.db);
    await addMember(t.db, org, user.id, 'MEMBER');
    const key = await createApiKey(t.db, org, user.id);
    // A foreign email already using the anonymised address makes the final UPDATE fail (unique email).
    await createPasswordUser(t.db, { email: deletedEmail(user.id) });
    await expect(
      deleteAccount(t.db, { type: 'USER', userId: user.id }, { confirm: user.email }),
    ).rejects.toThrow();
    expect(await t.db.select().from(accounts).where(eq(accounts.userId, user.id))).toHaveLength(1);
    expect(
      await t.db.select().from(organizationMembers).where(eq(organizationMembers.userId, user.id)),
    ).toHaveLength(1);
    expect((await t.db.select().from(apiKeys).where(eq(apiKeys.id, key)))[0]?.isActive).toBe(true);
  });
});
