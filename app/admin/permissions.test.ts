// SPEC §2's staff matrix, cell by cell through the guard every /admin route uses, and the rule that every
// /admin URL answers 404 to anyone who is not platform staff (visitors, customers, organization owners).
import { readdirSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { cookieFor, createOrg, createUser } from '~/orgs/test-support';
import { users } from '~db/schema';
import { useAppTestDatabase } from '../../tests/support/db';
import { getPage, type RouteFn, runRoute } from '../../tests/support/routes';
import { STAFF_ACTIONS, STAFF_PERMISSIONS, STAFF_ROLES, staffCan } from './permissions';
import { requireStaff } from './staff.server';

const t = useAppTestDatabase();

async function staffCookie(role: 'ADMIN' | 'SUPPORT') {
  const u = await createUser(t.db);
  await t.db.update(users).set({ role }).where(eq(users.id, u.id));
  return cookieFor(t.db, u.id);
}

const outcome = (request: Request, action: (typeof STAFF_ACTIONS)[number]) =>
  requireStaff(request, action).then(
    () => 200,
    (e: unknown) => (e instanceof Response ? e.status : 500),
  );

describe('the staff matrix (SPEC §2)', () => {
  for (const action of STAFF_ACTIONS)
    for (const role of STAFF_ROLES) {
      const allowed = STAFF_PERMISSIONS[action].allowed[role];
      it(`${action} × ${role} → ${allowed ? 'allowed' : '403'}`, async () => {
        expect(staffCan(role, action)).toBe(allowed);
        const request = getPage('/admin', await staffCookie(role));
        expect(await outcome(request, action)).toBe(allowed ? 200 : 403);
      });
    }

  it('SUPPORT never moves money, edits plans or settings', () => {
    for (const action of ['money:move', 'plans:manage', 'settings:manage'] as const)
      expect(staffCan('SUPPORT', action)).toBe(false);
  });
});

describe('every /admin route answers 404 to non-staff', () => {
  // Every route module under app/routes whose name starts with admin (the layout, folders and flat files).
  const modules = import.meta.glob([
    '../routes/admin.tsx',
    '../routes/admin.*/route.tsx',
    '../routes/admin.*/route.ts',
    '../routes/admin.*.tsx',
    '../routes/admin.*.ts',
  ]);
  const entries = readdirSync('app/routes').filter((f) => f === 'admin.tsx' || f.startsWith('admin.'));
  it('finds every admin route file', () => {
    expect(entries.length).toBeGreaterThan(4);
    expect(Object.keys(modules)).toHaveLength(entries.length);
  });

  it('a visitor, a customer and an organization owner get 404 from each loader and action', async () => {
    const { organization, owner } = await createOrg(t.db);
    const customer = await createUser(t.db);
    const cookies = [undefined, await cookieFor(t.db, customer.id), await cookieFor(t.db, owner.id)];
    for (const [file, load] of Object.entries(modules)) {
      const mod = (await load()) as { loader?: RouteFn; action?: RouteFn };
      const params = { slug: organization.slug, userId: customer.id, ticketId: 'x', planId: 'x' };
      for (const cookie of cookies) {
        const headers: Record<string, string> = cookie ? { cookie } : {};
        if (mod.loader) {
          const r = await runRoute(mod.loader, new Request('http://localhost/admin/x', { headers }), params);
          expect(r.status, `${file} loader`).toBe(404);
        }
        if (mod.action) {
          const r = await runRoute(
            mod.action,
            new Request('http://localhost/admin/x', {
              method: 'POST',
              headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
              body: 'intent=credit&amount=1&reason=xyz',
            }),
            params,
          );
          expect(r.status, `${file} action`).toBe(404);
        }
      }
    }
  });
});
