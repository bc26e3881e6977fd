// Issue 14 §2 users: search, suspend and restore. A suspended user is locked out of the browser, the JWT API
// and their API keys at once, and cannot sign in; restoring lets them sign in again. Suspending yourself or
// the last ADMIN is refused, SUPPORT may not suspend, and every change is audited with the staff actor.
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createApiKey } from '~/api-keys/api-keys.server';
import { apiRequest } from '~/api-keys/test-support';
import { signIn } from '~/auth/accounts.server';
import { issueApiTokens, refreshApiTokens } from '~/auth/api-tokens.server';
import { getAuth } from '~/auth/sessions.server';
import { call, createPasswordUser, outcome } from '~/auth/test-helpers.server';
import { platformAdmin } from '~/invoicing/test-support';
import { cookieFor, createOrg, createUser, uid } from '~/orgs/test-support';
import { loader as usageLoader } from '~/routes/api.v1.orgs.$slug.usage';
import { auditLogs, users } from '~db/schema';
import { itConcurrent, useAppTestDatabase } from '../../tests/support/db';
import { restoreUser, searchUsers, suspendUser } from './users.server';

const t = useAppTestDatabase();

async function supportStaff() {
  const s = await createUser(t.db);
  await t.db.update(users).set({ role: 'SUPPORT' }).where(eq(users.id, s.id));
  return s;
}

describe('suspend and restore', () => {
  it('locks a suspended user out of browser, JWT and API-key access at once; restore lets them back', async () => {
    const admin = await platformAdmin(t.db);
    const person = await createPasswordUser(t.db);
    const owner = { id: person.id, email: person.email, actor: { type: 'USER' as const, userId: person.id } };
    const { organization } = await createOrg(t.db, owner);
    const cookie = await cookieFor(t.db, person.id);
    const { key } = await createApiKey(t.db, owner.actor, {
      organizationId: organization.id,
      name: 'Exporter',
      scopes: ['usage:read'],
    });
    const tokens = await issueApiTokens(t.db, { email: person.email, password: person.password });
    const usage = (token: string) =>
      call(usageLoader, apiRequest(`/api/v1/orgs/${organization.slug}/usage`, token), {
        slug: organization.slug,
      }).then(outcome);
    const browser = () => getAuth(new Request('http://localhost/orgs', { headers: { cookie } }), t.db);

    expect(await browser()).not.toBeNull();
    expect((await usage(key)).status).toBe(200);
    expect((await usage(tokens.accessToken)).status).toBe(200);

    const result = await suspendUser(t.db, admin.actor, { userId: person.id, reason: 'fraud' });
    expect(result.sessionsRevoked).toBe(1);
    expect(result.refreshTokensRevoked).toBeGreaterThanOrEqual(1);

    expect(await browser()).toBeNull();
    expect((await usage(key)).status).toBe(401);
    expect((await usage(tokens.accessToken)).status).toBe(401);
    await expect(refreshApiTokens(t.db, tokens.refreshToken)).rejects.toThrow();
    await expect(signIn(t.db, { email: person.email, password: person.password })).rejects.toThrow(
      'Invalid email or password',
    );
    const [audit] = await t.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.action, 'user.suspended'), eq(auditLogs.entityId, person.id)));
    expect(audit).toMatchObject({ userId: admin.id, oldValues: { status: 'ACTIVE' } });
    expect(audit?.metadata).toMatchObject({ reason: 'fraud', sessionsRevoked: 1 });

    await restoreUser(t.db, admin.actor, { userId: person.id });
    await expect(signIn(t.db, { email: person.email, password: person.password })).resolves.toBeTruthy();
    expect((await usage(key)).status).toBe(200);
    // The old session and tokens stay revoked.
    expect(await browser()).toBeNull();
    const restored = await t.db.select().from(auditLogs).where(eq(auditLogs.action, 'user.restored'));
    expect(restored.map((r) => r.userId)).toContain(admin.id);
  });

  it('refuses suspending yourself or a suspended user again; SUPPORT and customers may not suspend', async () => {
    const admin = await platformAdmin(t.db);
    await expect(suspendUser(t.db, admin.actor, { userId: admin.id })).rejects.toThrow(/yourself/);
    const support = await supportStaff();
    const customer = await createUser(t.db);
    await expect(suspendUser(t.db, support.actor, { userId: customer.id })).rejects.toMatchObject({
      status: 403,
      message: expect.stringMatching(/Support staff cannot suspend/),
    });
    await expect(restoreUser(t.db, support.actor, { userId: customer.id })).rejects.toMatchObject({
      status: 403,
    });
    await expect(suspendUser(t.db, customer.actor, { userId: support.id })).rejects.toMatchObject({
      status: 403,
    });
    await suspendUser(t.db, admin.actor, { userId: customer.id });
    await expect(suspendUser(t.db, admin.actor, { userId: customer.id })).rejects.toThrow(
      /already suspended/,
    );
    await restoreUser(t.db, admin.actor, { userId: customer.id });
    await expect(restoreUser(t.db, admin.actor, { userId: customer.id })).rejects.toThrow(/not suspended/);
    await expect(suspendUser(t.db, admin.actor, { userId: 'nobody' })).rejects.toMatchObject({ status: 404 });
    const [row] = await t.db.select({ status: users.status }).from(users).where(eq(users.id, admin.id));
    expect(row?.status).toBe('ACTIVE');
  });

  itConcurrent('two ADMINs suspending each other at once: the last active ADMIN is kept', async () => {
    // Only these two are active ADMINs (earlier tests' admins demoted).
    await t.db.update(users).set({ role: 'CUSTOMER' }).where(eq(users.role, 'ADMIN'));
    const a = await platformAdmin(t.db);
    const b = await platformAdmin(t.db);
    const results = await Promise.allSettled([
      suspendUser(t.db, a.actor, { userId: b.id }),
      suspendUser(t.db, b.actor, { userId: a.id }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    // Depending on who locks first: the loser is no longer staff, or would remove the last ADMIN.
    expect(String(refused.reason.message)).toMatch(/last active platform administrator|Only platform staff/);
    const active = await t.db
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.role, 'ADMIN'), eq(users.status, 'ACTIVE')));
    expect(active).toHaveLength(1);
  });
});

describe('searchUsers', () => {
  it('finds by email or name, case-insensitively, with % as a letter, paginated', async () => {
    const tag = uid();
    await t.db.insert(users).values([
      { email: `ann-${tag}@example.com`, name: 'Ann Able' },
      { email: `bob-${tag}@example.com`, name: `Bob ${tag.toUpperCase()}` },
      { email: `cy-${tag}@example.com`, name: '100% Cy' },
    ]);
    expect((await searchUsers(t.db, { q: tag })).users).toHaveLength(3);
    expect((await searchUsers(t.db, { q: `ANN-${tag}` })).users.map((u) => u.name)).toEqual(['Ann Able']);
    expect((await searchUsers(t.db, { q: '100%' })).users.map((u) => u.name)).toContain('100% Cy');
    expect((await searchUsers(t.db, { q: `zz${tag}` })).users).toEqual([]);
    const page1 = await searchUsers(t.db, { page: 1 });
    expect(page1.pages).toBeGreaterThanOrEqual(1);
    await expect(searchUsers(t.db, { page: -1 })).rejects.toThrow();
  });
});
