// /admin/apps (SPEC §2): apps whose organization was deleted are managed by platform ADMIN — listed,
// given a new manifest version, retired; SUPPORT gets 403 (the matrix), members and visitors 404.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { deleteOrganization } from '~/orgs/organizations.server';
import { cookieFor, createUser } from '~/orgs/test-support';
import * as adminApps from '~/routes/admin.apps/route';
import { apps, users } from '~db/schema';
import { useAppTestDatabase } from '../../tests/support/db';
import { getPage, postForm, runRoute } from '../../tests/support/routes';
import { eventOrg, makePlatformAdmin, sampleApp, sampleManifest } from './test-support';

const t = useAppTestDatabase();

describe('/admin/apps', () => {
  it('lists ownerless apps for ADMIN, publishes a higher version, retires; SUPPORT 403, others 404', async () => {
    const org = await eventOrg(t.db);
    const app = await sampleApp(t.db, org);
    await deleteOrganization(t.db, org.owner.actor, {
      organizationId: org.organization.id,
      confirm: org.organization.slug,
    });
    const admin = await createUser(t.db);
    await makePlatformAdmin(t.db, admin.id);
    const adminCookie = await cookieFor(t.db, admin.id);
    const list = await runRoute(adminApps.loader, getPage('/admin/apps', adminCookie), {});
    expect((list.data as { apps: { appId: string }[] }).apps.map((a) => a.appId)).toContain(app.appId);

    const same = await runRoute(
      adminApps.action,
      postForm('/admin/apps', adminCookie, {
        intent: 'update',
        appId: app.appId,
        manifest: JSON.stringify(sampleManifest('1.0.0')),
      }),
      {},
    );
    expect(same.status).toBe(409);
    const notJson = await runRoute(
      adminApps.action,
      postForm('/admin/apps', adminCookie, { intent: 'update', appId: app.appId, manifest: '{' }),
      {},
    );
    expect(notJson.status).toBe(400);
    const raised = await runRoute(
      adminApps.action,
      postForm('/admin/apps', adminCookie, {
        intent: 'update',
        appId: app.appId,
        manifest: JSON.stringify(sampleManifest('1.1.0')),
      }),
      {},
    );
    expect(raised.status).toBe(302);
    const [row] = await t.db.select().from(apps).where(eq(apps.appId, app.appId));
    expect(row!.manifestVersion).toBe('1.1.0');
    const retired = await runRoute(
      adminApps.action,
      postForm('/admin/apps', adminCookie, { intent: 'retire', appId: app.appId }),
      {},
    );
    expect(retired.status).toBe(302);
    expect((await t.db.select().from(apps).where(eq(apps.appId, app.appId)))[0]!.deletedAt).not.toBeNull();

    const support = await createUser(t.db);
    await t.db.update(users).set({ role: 'SUPPORT' }).where(eq(users.id, support.id));
    expect(
      (await runRoute(adminApps.loader, getPage('/admin/apps', await cookieFor(t.db, support.id)), {}))
        .status,
    ).toBe(403);
    const someone = await createUser(t.db);
    expect(
      (await runRoute(adminApps.loader, getPage('/admin/apps', await cookieFor(t.db, someone.id)), {}))
        .status,
    ).toBe(404);
    expect((await runRoute(adminApps.loader, getPage('/admin/apps'), {})).status).toBe(404);
  });
});
