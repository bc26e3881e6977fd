// The /o/:slug/api-keys and /o/:slug/usage pages as a browser calls them (session cookie, plain form
// POSTs): who may open them (matrix), the key shown once in the POST's answer, field errors, revoke,
// and tenant isolation (another organization's slug or key id → 404, nothing changes).
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { call, makeRequest, outcome } from '~/auth/test-helpers.server';
import { addMember, cookieFor, createOrg, createUser } from '~/orgs/test-support';
import { loader as usageApiLoader } from '~/routes/api.v1.orgs.$slug.usage';
import * as apiKeysPage from '~/routes/o.$slug.api-keys';
import * as usagePage from '~/routes/o.$slug.usage';
import { apiKeys } from '~db/schema';
import { useAppTestDatabase } from '../../tests/support/db';
import { API_KEY_PATTERN, createApiKey } from './api-keys.server';
import { apiRequest } from './test-support';

const t = useAppTestDatabase();

const page = (path: string, cookie: string, form?: Record<string, string | string[]>) => {
  if (!form) return makeRequest(path, { cookie });
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const one of [v].flat()) body.append(k, one);
  return new Request(new URL(path, 'http://localhost:3000'), {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost:3000' },
    body,
  });
};

async function orgWithOwnerCookie() {
  const { organization, owner } = await createOrg(t.db);
  return { organization, owner, cookie: await cookieFor(t.db, owner.id) };
}

describe('/o/:slug/api-keys', () => {
  it('OWNER and ADMIN open it; MEMBER and BILLING get 403 with an explanation; a stranger 404', async () => {
    const { organization, owner } = await orgWithOwnerCookie();
    const params = { slug: organization.slug };
    const path = `/o/${organization.slug}/api-keys`;
    const admin = await addMember(t.db, organization.id, 'ADMIN');
    for (const id of [owner.id, admin.id]) {
      const res = await outcome(
        await call(apiKeysPage.loader, page(path, await cookieFor(t.db, id)), params),
      );
      expect(res.status).toBe(200);
    }
    for (const role of ['MEMBER', 'BILLING'] as const) {
      const m = await addMember(t.db, organization.id, role);
      const res = await outcome(
        await call(apiKeysPage.loader, page(path, await cookieFor(t.db, m.id)), params),
      );
      expect(res.status).toBe(403);
      expect(String(res.data)).toContain('manage API keys');
    }
    const stranger = await createUser(t.db);
    const res = await outcome(
      await call(apiKeysPage.loader, page(path, await cookieFor(t.db, stranger.id)), params),
    );
    expect(res.status).toBe(404);
  });

  it('creates a key from a plain form POST and shows it once in the answer; the list never has it', async () => {
    const { organization, cookie } = await orgWithOwnerCookie();
    const params = { slug: organization.slug };
    const path = `/o/${organization.slug}/api-keys`;
    const res = await outcome(
      await call(
        apiKeysPage.action,
        page(path, cookie, {
          intent: 'create',
          name: 'Exporter',
          scopes: ['usage:read', 'usage:write'],
          expiresInDays: '30',
          rateLimit: '500',
        }),
        params,
      ),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const created = (res.data as { created: { key: string; prefix: string } }).created;
    expect(created.key).toMatch(API_KEY_PATTERN);
    const [row] = await t.db.select().from(apiKeys).where(eq(apiKeys.keyPrefix, created.prefix));
    expect(row).toMatchObject({ name: 'Exporter', scopes: ['usage:read', 'usage:write'], rateLimit: 500 });
    const days = ((row?.expiresAt?.getTime() ?? 0) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThan(30.1);

    const list = await outcome(await call(apiKeysPage.loader, page(path, cookie), params));
    const text = JSON.stringify(list.data);
    expect(text).toContain(created.prefix);
    expect(text).not.toContain(created.key);
    expect(text).not.toContain(row!.keyHash);
  });

  it('answers field errors (400) without JavaScript: no name, no scope, unknown scope, bad rate limit', async () => {
    const { organization, cookie } = await orgWithOwnerCookie();
    const params = { slug: organization.slug };
    const path = `/o/${organization.slug}/api-keys`;
    const res = await outcome(
      await call(
        apiKeysPage.action,
        page(path, cookie, { intent: 'create', name: '', rateLimit: '0' }),
        params,
      ),
    );
    expect(res.status).toBe(400);
    const errors = (res.data as { result: { error: Record<string, string[]> } }).result.error;
    expect(errors.name).toContain('Enter a name');
    expect(errors.scopes).toContain('Choose at least one scope');
    expect(errors.rateLimit?.[0]).toContain('at least 1');
    const bad = await outcome(
      await call(
        apiKeysPage.action,
        page(path, cookie, { intent: 'create', name: 'K', scopes: 'admin:all', expiresInDays: '5' }),
        params,
      ),
    );
    expect(bad.status).toBe(400);
    expect(await t.db.select().from(apiKeys).where(eq(apiKeys.organizationId, organization.id))).toHaveLength(
      0,
    );
  });

  it('revokes its own key (redirect with a flash); the key then gets 401 from the API', async () => {
    const { organization, owner, cookie } = await orgWithOwnerCookie();
    const created = await createApiKey(t.db, owner.actor, {
      organizationId: organization.id,
      name: 'K',
      scopes: ['usage:read'],
    });
    const res = await outcome(
      await call(
        apiKeysPage.action,
        page(`/o/${organization.slug}/api-keys`, cookie, {
          intent: 'revoke',
          apiKeyId: created.id,
          confirm: 'yes',
        }),
        { slug: organization.slug },
      ),
    );
    expect(res.status).toBe(302);
    const api = await outcome(
      await call(usageApiLoader, apiRequest(`/api/v1/orgs/${organization.slug}/usage`, created.key), {
        slug: organization.slug,
      }),
    );
    expect(api.status).toBe(401);
  });

  it('another organization’s key id or slug → 404, and the key stays active', async () => {
    const a = await orgWithOwnerCookie();
    const b = await orgWithOwnerCookie();
    const bKey = await createApiKey(t.db, b.owner.actor, {
      organizationId: b.organization.id,
      name: 'B key',
      scopes: ['usage:read'],
    });
    const viaOwnSlug = await outcome(
      await call(
        apiKeysPage.action,
        page(`/o/${a.organization.slug}/api-keys`, a.cookie, { intent: 'revoke', apiKeyId: bKey.id }),
        { slug: a.organization.slug },
      ),
    );
    expect(viaOwnSlug.status).toBe(404);
    const viaTheirSlug = await outcome(
      await call(
        apiKeysPage.action,
        page(`/o/${b.organization.slug}/api-keys`, a.cookie, { intent: 'revoke', apiKeyId: bKey.id }),
        { slug: b.organization.slug },
      ),
    );
    expect(viaTheirSlug.status).toBe(404);
    const theirList = await outcome(
      await call(apiKeysPage.loader, page(`/o/${b.organization.slug}/api-keys`, a.cookie), {
        slug: b.organization.slug,
      }),
    );
    expect(theirList.status).toBe(404);
    const [row] = await t.db.select().from(apiKeys).where(eq(apiKeys.id, bKey.id));
    expect(row?.isActive).toBe(true);
  });
});

describe('/o/:slug/usage', () => {
  it('every role opens it (BILLING too) and sees this month’s totals, API calls vs the plan, days', async () => {
    const { organization, owner, cookie } = await orgWithOwnerCookie();
    const { key } = await createApiKey(t.db, owner.actor, {
      organizationId: organization.id,
      name: 'K',
      scopes: ['usage:read'],
    });
    await call(usageApiLoader, apiRequest(`/api/v1/orgs/${organization.slug}/usage`, key), {
      slug: organization.slug,
    });
    const path = `/o/${organization.slug}/usage`;
    const params = { slug: organization.slug };
    const res = await outcome(await call(usagePage.loader, page(path, cookie), params));
    expect(res.status).toBe(200);
    const data = res.data as {
      totals: { eventType: string; quantity: number }[];
      apiCalls: { used: number; limit: number | null };
      daily: { day: string; calls: number }[];
    };
    expect(data.totals).toEqual([{ eventType: 'api.call', quantity: 1, events: 1 }]);
    expect(data.apiCalls).toMatchObject({ used: 1, limit: 1000 });
    const today = new Date().toISOString().slice(0, 10);
    expect(data.daily.at(-1)).toEqual({ day: today, calls: 1 });
    expect(data.daily).toHaveLength(new Date().getUTCDate());
    for (const role of ['ADMIN', 'MEMBER', 'BILLING'] as const) {
      const m = await addMember(t.db, organization.id, role);
      const r = await outcome(await call(usagePage.loader, page(path, await cookieFor(t.db, m.id)), params));
      expect(r.status, role).toBe(200);
    }
  });

  it('a member of another organization gets 404', async () => {
    const a = await orgWithOwnerCookie();
    const b = await orgWithOwnerCookie();
    const res = await outcome(
      await call(usagePage.loader, page(`/o/${b.organization.slug}/usage`, a.cookie), {
        slug: b.organization.slug,
      }),
    );
    expect(res.status).toBe(404);
  });
});
