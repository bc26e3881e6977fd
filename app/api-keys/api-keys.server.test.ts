// API keys and API authentication (SPEC §2, §3, §4, §7): only the hash and the prefix are stored, the key
// is checked by scope and organization and acts as its creator (who must still be an active member), JWT
// users are checked against the matrix, the hourly rate limit holds in PostgreSQL (429 + Retry-After), and
// every authenticated request records one api.call. Driven through the real route module with Requests.
import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { call, outcome } from '~/auth/test-helpers.server';
import { sha256Hex } from '~/auth/tokens.server';
import { Forbidden, NotFound } from '~/lib/errors';
import { changeRole, removeMember } from '~/orgs/members.server';
import { addMember, countRows, createOrg, createUser } from '~/orgs/test-support';
import { action as usageAction, loader as usageLoader } from '~/routes/api.v1.orgs.$slug.usage';
import { apiKeys, auditLogs, rateLimits, usageEvents } from '~db/schema';
import { useAppTestDatabase } from '../../tests/support/db';
import { API_KEY_PATTERN, createApiKey, listApiKeys, revokeApiKey } from './api-keys.server';
import type { ApiScope } from './scopes';
import { accessTokenFor, apiRequest } from './test-support';

const t = useAppTestDatabase();

async function orgWithKey(scopes: ApiScope[] = ['usage:read', 'usage:write'], rateLimit?: number) {
  const { organization, owner } = await createOrg(t.db);
  const created = await createApiKey(t.db, owner.actor, {
    organizationId: organization.id,
    name: 'Exporter',
    scopes,
    rateLimit,
  });
  return { organization, owner, created };
}

const get = (slug: string, token: string | null, query = '') =>
  call(usageLoader, apiRequest(`/api/v1/orgs/${slug}/usage${query}`, token), { slug }).then(outcome);

const post = (slug: string, token: string | null, json: unknown) =>
  call(usageAction, apiRequest(`/api/v1/orgs/${slug}/usage`, token, { json }), { slug }).then(outcome);

const apiCalls = (organizationId: string) =>
  countRows(
    t.db,
    sql`SELECT count(*) AS n FROM usage_events WHERE organization_id = ${organizationId} AND event_type = 'api.call'`,
  );

function expectJsonError(res: { status: number; data: unknown }, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.data).toMatchObject({ error: { code, message: expect.any(String) } });
}

describe('creating, listing and revoking keys', () => {
  it('shows the key once and stores only its SHA-256 and its prefix', async () => {
    const { organization, created } = await orgWithKey(['usage:read']);
    expect(created.key).toMatch(API_KEY_PATTERN);
    expect(created.key.startsWith(`${created.prefix}_`)).toBe(true);
    const [row] = await t.db.select().from(apiKeys).where(eq(apiKeys.id, created.id));
    expect(row?.keyHash).toBe(sha256Hex(created.key));
    expect(row?.keyPrefix).toBe(created.prefix);
    expect(row?.scopes).toEqual(['usage:read']);
    const secretPart = created.key.slice(created.prefix.length + 1);
    expect(JSON.stringify(row)).not.toContain(secretPart);
    const [audit] = await t.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.entityId, created.id), eq(auditLogs.action, 'api_key.created')));
    expect(audit?.organizationId).toBe(organization.id);
    expect(JSON.stringify(audit)).not.toContain(secretPart);
  });

  it('lists the organization’s keys without hashes, with status', async () => {
    const { organization, owner, created } = await orgWithKey();
    const keys = await listApiKeys(t.db, owner.actor, organization.id);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ id: created.id, prefix: created.prefix, status: 'active' });
    expect(keys[0]).not.toHaveProperty('keyHash');
  });

  it('refuses an unknown scope, no scope, and an expiry in the past', async () => {
    const { organization, owner } = await createOrg(t.db);
    const base = { organizationId: organization.id, name: 'K' };
    await expect(
      createApiKey(t.db, owner.actor, { ...base, scopes: ['admin:all' as ApiScope] }),
    ).rejects.toThrow();
    await expect(createApiKey(t.db, owner.actor, { ...base, scopes: [] })).rejects.toThrow();
    await expect(
      createApiKey(t.db, owner.actor, {
        ...base,
        scopes: ['usage:read'],
        expiresAt: new Date(Date.now() - 1000),
      }),
    ).rejects.toMatchObject({ status: 400 });
  });

  it('revokes (is_active = false, audited once); another organization’s key id is not found', async () => {
    const { organization, owner, created } = await orgWithKey();
    const other = await orgWithKey();
    await expect(
      revokeApiKey(t.db, owner.actor, { organizationId: organization.id, apiKeyId: other.created.id }),
    ).rejects.toBeInstanceOf(NotFound);
    const revoked = await revokeApiKey(t.db, owner.actor, {
      organizationId: organization.id,
      apiKeyId: created.id,
    });
    expect(revoked.changed).toBe(true);
    const again = await revokeApiKey(t.db, owner.actor, {
      organizationId: organization.id,
      apiKeyId: created.id,
    });
    expect(again.changed).toBe(false);
    const audits = await t.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.entityId, created.id), eq(auditLogs.action, 'api_key.revoked')));
    expect(audits).toHaveLength(1);
    const [row] = await t.db.select().from(apiKeys).where(eq(apiKeys.id, other.created.id));
    expect(row?.isActive).toBe(true);
  });

  it('a MEMBER or BILLING member may not revoke an existing key', async () => {
    const { organization, created } = await orgWithKey();
    for (const role of ['MEMBER', 'BILLING'] as const) {
      const member = await addMember(t.db, organization.id, role);
      await expect(
        revokeApiKey(t.db, member.actor, { organizationId: organization.id, apiKeyId: created.id }),
      ).rejects.toBeInstanceOf(Forbidden);
    }
  });
});

describe('authenticating API requests with a key', () => {
  it('accepts an active key of the organization with the scope; records api.call and last_used_at', async () => {
    const { organization, created } = await orgWithKey(['usage:read']);
    const res = await get(organization.slug, created.key);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ratelimit-limit')).toBe('1000');
    expect(res.data).toMatchObject({ organization: organization.slug });
    await get(organization.slug, created.key);
    const calls = await t.db
      .select()
      .from(usageEvents)
      .where(and(eq(usageEvents.organizationId, organization.id), eq(usageEvents.eventType, 'api.call')));
    expect(calls).toHaveLength(2);
    expect(calls.every((c) => c.apiKeyId === created.id && c.quantity === 1)).toBe(true);
    const [row] = await t.db.select().from(apiKeys).where(eq(apiKeys.id, created.id));
    expect(row?.lastUsedAt).toBeInstanceOf(Date);
  });

  it('401 without a token, with a malformed or unknown key', async () => {
    const { organization, created } = await orgWithKey();
    expectJsonError(await get(organization.slug, null), 401, 'unauthorized');
    expectJsonError(await get(organization.slug, 'sk_nope'), 401, 'unauthorized');
    expectJsonError(await get(organization.slug, `${created.key}x`), 401, 'unauthorized');
    expectJsonError(await get(organization.slug, 'not-a-jwt'), 401, 'unauthorized');
    expect(await apiCalls(organization.id)).toBe(0);
  });

  it('403 when the key lacks the scope (read-only key posting, write-only key reading)', async () => {
    const read = await orgWithKey(['usage:read']);
    expectJsonError(await post(read.organization.slug, read.created.key, { events: [] }), 403, 'forbidden');
    const write = await orgWithKey(['usage:write']);
    const res = await get(write.organization.slug, write.created.key);
    expectJsonError(res, 403, 'forbidden');
    expect((res.data as { error: { message: string } }).error.message).toContain('usage:read');
  });

  it('401 for a revoked or an expired key', async () => {
    const { organization, owner, created } = await orgWithKey();
    await revokeApiKey(t.db, owner.actor, { organizationId: organization.id, apiKeyId: created.id });
    const revoked = await get(organization.slug, created.key);
    expectJsonError(revoked, 401, 'unauthorized');
    expect((revoked.data as { error: { message: string } }).error.message).toContain('revoked');

    const expiring = await orgWithKey();
    await t.db
      .update(apiKeys)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(apiKeys.id, expiring.created.id));
    const expired = await get(expiring.organization.slug, expiring.created.key);
    expectJsonError(expired, 401, 'unauthorized');
    expect((expired.data as { error: { message: string } }).error.message).toContain('expired');
  });

  it('404 for another organization’s key or an unknown slug (nothing about the other tenant)', async () => {
    const a = await orgWithKey();
    const b = await orgWithKey();
    expectJsonError(await get(b.organization.slug, a.created.key), 404, 'not_found');
    expectJsonError(await post(b.organization.slug, a.created.key, { events: [] }), 404, 'not_found');
    expectJsonError(await get('no-such-org', a.created.key), 404, 'not_found');
    expect(await apiCalls(b.organization.id)).toBe(0);
  });

  it('refuses a key once its creator is removed from the organization (keys deactivated)', async () => {
    const { organization, owner } = await createOrg(t.db);
    const admin = await addMember(t.db, organization.id, 'ADMIN');
    const created = await createApiKey(t.db, admin.actor, {
      organizationId: organization.id,
      name: 'Admin key',
      scopes: ['usage:read'],
    });
    expect((await get(organization.slug, created.key)).status).toBe(200);
    await removeMember(t.db, owner.actor, { organizationId: organization.id, memberId: admin.memberId });
    const [row] = await t.db.select().from(apiKeys).where(eq(apiKeys.id, created.id));
    expect(row?.isActive).toBe(false);
    expectJsonError(await get(organization.slug, created.key), 401, 'unauthorized');
  });

  it('a creator demoted to a role that may not manage keys loses their keys, audited as on removal', async () => {
    const { organization, owner } = await createOrg(t.db);
    const admin = await addMember(t.db, organization.id, 'ADMIN');
    const created = await createApiKey(t.db, admin.actor, {
      organizationId: organization.id,
      name: 'Admin key',
      scopes: ['usage:read', 'usage:write'],
    });
    expect((await get(organization.slug, created.key)).status).toBe(200);
    await changeRole(t.db, owner.actor, {
      organizationId: organization.id,
      memberId: admin.memberId,
      role: 'MEMBER',
    });
    const [row] = await t.db.select().from(apiKeys).where(eq(apiKeys.id, created.id));
    expect(row?.isActive).toBe(false);
    expectJsonError(await get(organization.slug, created.key), 401, 'unauthorized');
    const audits = await t.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.organizationId, organization.id), eq(auditLogs.action, 'api_key.deactivated')));
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ entityId: created.id, userId: owner.id });
    expect(audits[0]?.metadata).toMatchObject({ reason: 'role_changed', creatorUserId: admin.id });

    // Removal deactivates and audits the same way.
    const other = await addMember(t.db, organization.id, 'ADMIN');
    const second = await createApiKey(t.db, other.actor, {
      organizationId: organization.id,
      name: 'Other',
      scopes: ['usage:read'],
    });
    await removeMember(t.db, owner.actor, { organizationId: organization.id, memberId: other.memberId });
    const [removal] = await t.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.entityId, second.id), eq(auditLogs.action, 'api_key.deactivated')));
    expect(removal?.metadata).toMatchObject({ reason: 'member_removed' });
  });

  it('an active key is checked against its creator’s current role on every request', async () => {
    const { organization } = await createOrg(t.db);
    const admin = await addMember(t.db, organization.id, 'ADMIN');
    const created = await createApiKey(t.db, admin.actor, {
      organizationId: organization.id,
      name: 'K',
      scopes: ['usage:read', 'usage:write'],
    });
    // A role changed behind the domain's back (e.g. by hand in SQL): the key still may not act beyond it.
    await t.db.execute(sql`UPDATE organization_members SET role = 'BILLING' WHERE id = ${admin.memberId}`);
    const refused = await post(organization.slug, created.key, { events: [{ eventType: 'e', quantity: 1 }] });
    expectJsonError(refused, 403, 'forbidden');
    expect((refused.data as { error: { message: string } }).error.message).toContain('now Billing');
    expectJsonError(await get(organization.slug, created.key), 403, 'forbidden');
  });

  it('refuses a still-active key whose creator is no longer a member or is suspended', async () => {
    const { organization } = await createOrg(t.db);
    const admin = await addMember(t.db, organization.id, 'ADMIN');
    const created = await createApiKey(t.db, admin.actor, {
      organizationId: organization.id,
      name: 'K',
      scopes: ['usage:read'],
    });
    await t.db.execute(sql`UPDATE users SET status = 'SUSPENDED' WHERE id = ${admin.id}`);
    expectJsonError(await get(organization.slug, created.key), 401, 'unauthorized');
  });

  it('writes done with a key are audited as API_KEY acting as its creator', async () => {
    const { organization, owner, created } = await orgWithKey(['usage:write']);
    const res = await post(organization.slug, created.key, {
      events: [{ eventType: 'pos.sale', quantity: 2 }],
    });
    expect(res.status).toBe(200);
    const [audit] = await t.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.organizationId, organization.id), eq(auditLogs.action, 'usage.ingested')));
    expect(audit).toMatchObject({ actorType: 'API_KEY', actorApiKeyId: created.id, userId: owner.id });
  });
});

describe('rate limit (per key, per hour, in PostgreSQL)', () => {
  it('answers 429 with Retry-After once the hourly limit is used; refused requests do not count', async () => {
    const { organization, created } = await orgWithKey(['usage:read'], 3);
    for (let i = 0; i < 3; i++) expect((await get(organization.slug, created.key)).status).toBe(200);
    const refused = await get(organization.slug, created.key);
    expectJsonError(refused, 429, 'rate_limited');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expectJsonError(await get(organization.slug, created.key), 429, 'rate_limited');
    const [bucket] = await t.db
      .select({ n: sql<number>`sum(${rateLimits.count})::int` })
      .from(rateLimits)
      .where(eq(rateLimits.key, `api_key:${created.id}`));
    expect(bucket?.n).toBe(3);
    expect(await apiCalls(organization.id)).toBe(3);
  });

  it('counts each key separately', async () => {
    const { organization, owner, created } = await orgWithKey(['usage:read'], 1);
    const second = await createApiKey(t.db, owner.actor, {
      organizationId: organization.id,
      name: 'Second',
      scopes: ['usage:read'],
      rateLimit: 1,
    });
    expect((await get(organization.slug, created.key)).status).toBe(200);
    expect((await get(organization.slug, created.key)).status).toBe(429);
    expect((await get(organization.slug, second.key)).status).toBe(200);
  });
});

describe('authenticating API requests with a JWT access token', () => {
  it('a member reads usage; the matrix decides writes; api.call is recorded without a key', async () => {
    const { organization } = await createOrg(t.db);
    const member = await addMember(t.db, organization.id, 'MEMBER');
    const admin = await addMember(t.db, organization.id, 'ADMIN');
    const billing = await addMember(t.db, organization.id, 'BILLING');
    const memberToken = await accessTokenFor(member.id);
    expect((await get(organization.slug, memberToken)).status).toBe(200);
    expect((await get(organization.slug, await accessTokenFor(billing.id))).status).toBe(200);
    const denied = await post(organization.slug, memberToken, { events: [{ eventType: 'x', quantity: 1 }] });
    expectJsonError(denied, 403, 'forbidden');
    expect((denied.data as { error: { message: string } }).error.message).toContain('Your role (Member)');
    const ok = await post(organization.slug, await accessTokenFor(admin.id), {
      events: [{ eventType: 'x', quantity: 1 }],
    });
    expect(ok.status).toBe(200);
    const calls = await t.db
      .select()
      .from(usageEvents)
      .where(and(eq(usageEvents.organizationId, organization.id), eq(usageEvents.eventType, 'api.call')));
    expect(calls).toHaveLength(3);
    expect(calls.every((c) => c.apiKeyId === null)).toBe(true);
  });

  it('a non-member gets 404; a suspended user or a bad token 401', async () => {
    const { organization } = await createOrg(t.db);
    const stranger = await createUser(t.db);
    expectJsonError(await get(organization.slug, await accessTokenFor(stranger.id)), 404, 'not_found');
    const member = await addMember(t.db, organization.id, 'MEMBER');
    await t.db.execute(sql`UPDATE users SET status = 'SUSPENDED' WHERE id = ${member.id}`);
    expectJsonError(await get(organization.slug, await accessTokenFor(member.id)), 401, 'unauthorized');
    const token = await accessTokenFor(stranger.id);
    expectJsonError(await get(organization.slug, `${token.slice(0, -2)}xx`), 401, 'unauthorized');
    expect(await apiCalls(organization.id)).toBe(0);
  });
});
