// Issue 15, walked through the real Express + Remix stack (tests/hostile/app-server.ts), route files
// enumerated from app/routes so a new page is covered without editing this file:
// - an organization that requires a second factor sends a member without one to enroll, from every one of
//   its routes (GET and POST), and lets a member with one through;
// - a partial session (second step owed) is redirected to the step from every page.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, createOrg } from '~/orgs/test-support';
import { organizations, totpCredentials } from '~db/schema';
import { loadRoutes, type RouteFile, startAppServer } from '../../tests/hostile/app-server';
import { useAppTestDatabase } from '../../tests/support/db';
import { createUserSession, TWO_FACTOR_PATH } from './sessions.server';
import { createPasswordUser } from './test-helpers.server';
import { encryptTotpKey, generateTotpKey } from './totp.server';

const t = useAppTestDatabase();

let base: string;
let stop: () => Promise<void>;
let routes: RouteFile[];
beforeAll(async () => {
  ({ base, stop } = await startAppServer());
  routes = await loadRoutes();
}, 60_000);
afterAll(() => stop?.());

const fill = (pattern: string, slug: string) =>
  pattern
    .replace(':slug', slug)
    .replace(/:(\w+)/g, 'x')
    .replace(/\*$/, 'x');

async function send(method: 'GET' | 'POST', path: string, cookie: string) {
  const res = await fetch(`${base}${path}`, {
    method,
    redirect: 'manual',
    headers: {
      cookie,
      'user-agent': 'walk',
      ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded', origin: base } : {}),
    },
    body: method === 'POST' ? 'intent=x' : undefined,
  });
  await res.arrayBuffer();
  return { status: res.status, location: res.headers.get('location') };
}

async function sessionCookie(userId: string, options: { twoFactorPending?: boolean } = {}) {
  const line = await createUserSession(t.db, userId, new Request(`${base}/`), null, options);
  return line.split(';')[0] as string;
}

async function giveTotp(userId: string) {
  await t.db
    .insert(totpCredentials)
    .values({ userId, encryptedSecret: encryptTotpKey(generateTotpKey()), confirmedAt: new Date() });
}

describe('an organization that requires a second factor', () => {
  it('sends a member without one to enroll from every organization route, and lets one with it through', async () => {
    const { organization } = await createOrg(t.db);
    await t.db
      .update(organizations)
      .set({ requireTwoFactor: true })
      .where(eq(organizations.id, organization.id));
    const without = await addMember(t.db, organization.id, 'ADMIN');
    const withTotp = await addMember(t.db, organization.id, 'ADMIN');
    await giveTotp(withTotp.id);
    const orgRoutes = routes.filter((r) => r.pattern.startsWith('/o/:slug'));
    expect(orgRoutes.length).toBeGreaterThan(15);
    const enroll = `/settings/security?required=${organization.slug}`;
    const problems: string[] = [];
    for (const route of orgRoutes) {
      const path = fill(route.pattern, organization.slug);
      const methods: ('GET' | 'POST')[] = [];
      if (route.module.loader) methods.push('GET');
      if (route.module.action) methods.push('POST');
      for (const method of methods) {
        const refused = await send(method, path, await sessionCookie(without.id));
        if (refused.status !== 302 || refused.location !== enroll)
          problems.push(
            `${method} ${route.file}: ${refused.status} ${refused.location ?? ''} (no second factor)`,
          );
        const allowed = await send(method, path, await sessionCookie(withTotp.id));
        if (allowed.location === enroll)
          problems.push(`${method} ${route.file}: sent to enroll despite TOTP`);
        if (allowed.status >= 500) problems.push(`${method} ${route.file}: ${allowed.status} with TOTP`);
      }
    }
    expect(problems).toEqual([]);
  }, 120_000);

  it('does not touch organizations that do not require it, nor the enroll page itself', async () => {
    const { organization, owner } = await createOrg(t.db);
    const cookie = await sessionCookie(owner.id);
    const home = await send('GET', `/o/${organization.slug}`, cookie);
    expect(home.status).toBe(200);
    const security = await send('GET', `/settings/security?required=${organization.slug}`, cookie);
    expect(security.status).toBe(200);
  });
});

describe('a partial session (second step owed)', () => {
  it('is redirected to the second step from every page', async () => {
    const user = await createPasswordUser(t.db);
    await giveTotp(user.id);
    const { organization } = await createOrg(t.db);
    await addMember(t.db, organization.id, 'OWNER', {
      id: user.id,
      email: user.email,
      actor: { type: 'USER', userId: user.id },
    });
    // Pages: routes with a component (resource routes answer JSON/files and never read the session).
    const pages = routes.filter(
      (r) => r.module.default && r.pattern !== TWO_FACTOR_PATH && !r.pattern.startsWith('/logout'),
    );
    expect(pages.length).toBeGreaterThan(30);
    const cookie = await sessionCookie(user.id, { twoFactorPending: true });
    const problems: string[] = [];
    for (const route of pages) {
      let res = await send('GET', fill(route.pattern, organization.slug), cookie);
      // A page that only forwards (/settings → /settings/profile) is followed one hop.
      const toStep = (location: string | null) =>
        location === TWO_FACTOR_PATH || Boolean(location?.startsWith(`${TWO_FACTOR_PATH}?redirectTo=`));
      if (res.status === 302 && res.location?.startsWith('/') && !toStep(res.location))
        res = await send('GET', res.location, cookie);
      if (res.status !== 302 || !toStep(res.location))
        problems.push(`GET ${route.file}: ${res.status} ${res.location ?? ''}`);
    }
    expect(problems).toEqual([]);
    const step = await send('GET', TWO_FACTOR_PATH, cookie);
    expect(step.status).toBe(200);
  }, 120_000);
});
