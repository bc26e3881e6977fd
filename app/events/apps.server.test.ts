// Apps (issue 12 §1): the manifest schema, semver versioning with history, retirement refused while rooms
// use the app (seed 001's message; RESTRICT in SQL), re-registration restoring the row, the matrix cells
// (apps:manage for OWNER/ADMIN, organization:view to see), and apps outliving their organization.
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conflict, Forbidden, NotFound } from '~/lib/errors';
import { deleteOrganization } from '~/orgs/organizations.server';
import { createUser } from '~/orgs/test-support';
import { type Connection, connectPostgres, pgErrorCode } from '~db/client.server';
import { apps, auditLogs, rooms } from '~db/schema';
import { itConcurrent, useTestDatabase } from '../../tests/support/db';
import {
  activeRoomsMessage,
  appVersions,
  getApp,
  listApps,
  listAvailableApps,
  listUnownedApps,
  manifestForVersion,
  registerApp,
  retireApp,
  retireUnownedApp,
  updateAppManifest,
  updateUnownedAppManifest,
} from './apps.server';
import {
  diffManifests,
  isHigherVersion,
  manifestSchema,
  manifestVersionOf,
  validateAppSettings,
  validateAppSettingsFor,
} from './manifest';
import { createRoom, deleteRoom } from './rooms.server';
import { eventOrg, makePlatformAdmin, sampleApp, sampleManifest, sampleRoom } from './test-support';

const t = useTestDatabase();

const appRow = async (appId: string) => (await t.db.select().from(apps).where(eq(apps.appId, appId)))[0]!;

describe('the manifest schema and settings (browser-safe module)', () => {
  it('accepts the documented shape; meta.version defaults to 1.0.0', () => {
    const parsed = manifestSchema.parse({ name: ' Quiz ' });
    expect(parsed).toEqual({ name: 'Quiz', meta: { version: '1.0.0' } });
    expect(manifestVersionOf(parsed)).toBe('1.0.0');
    expect(manifestVersionOf({ name: 'x' })).toBe('1.0.0');
    expect(manifestSchema.parse(sampleManifest('2.3.4')).meta.version).toBe('2.3.4');
    // meta may carry more than the version.
    expect(manifestSchema.parse({ name: 'Q', meta: { version: '1.0.0', author: 'Ada' } }).meta).toMatchObject(
      {
        author: 'Ada',
      },
    );
  });

  it('refuses what does not fit, naming the field', () => {
    const refused = (input: unknown) => {
      const r = manifestSchema.safeParse(input);
      return r.success ? null : r.error.issues.map((i) => i.path.join('.'));
    };
    expect(refused({})).toContain('name');
    expect(refused({ name: 'Q', meta: { version: 'v1' } })).toContain('meta.version');
    expect(refused({ name: 'Q', meta: { version: '1.0' } })).toContain('meta.version');
    expect(refused({ name: 'Q', setting: {} })).toEqual(['']);
    expect(refused({ name: 'Q', settings: { x: { type: 'date' } } })).toContain('settings.x.type');
    expect(refused({ name: 'Q', settings: { x: { type: 'enum' } } })).toContain('settings.x.options');
    expect(refused({ name: 'Q', settings: { x: { type: 'string', options: ['a'] } } })).toContain(
      'settings.x.options',
    );
    expect(refused({ name: 'Q', settings: { x: { type: 'number', min: 5, max: 1 } } })).toContain(
      'settings.x.max',
    );
    expect(refused({ name: 'Q', settings: { x: { type: 'number', max: 3, default: 4 } } })).toContain(
      'settings.x.default',
    );
    expect(refused({ name: 'Q', settings: { '1x': { type: 'boolean' } } })).not.toBeNull();
    expect(refused({ name: 'Q', prizeTypes: ['a', 'a'] })).toContain('prizeTypes');
  });

  it('versions compare as semver, strictly', () => {
    expect(isHigherVersion('1.10.0', '1.9.0')).toBe(true);
    expect(isHigherVersion('1.0.0', '1.0.0-rc.1')).toBe(true);
    expect(isHigherVersion('1.0.0', '1.0.0')).toBe(false);
    expect(isHigherVersion('0.9.9', '1.0.0')).toBe(false);
    expect(isHigherVersion('nope', '1.0.0')).toBe(false);
  });

  it('validates app settings: types, bounds, options, unknown and required keys; fills defaults', () => {
    const { settings } = manifestSchema.parse(sampleManifest());
    expect(validateAppSettings(settings, { anonymous: true })).toEqual({
      ok: true,
      value: { anonymous: true, rounds: 3, theme: 'light' },
    });
    expect(
      validateAppSettings(settings, { anonymous: false, rounds: 10, theme: 'dark', greeting: 'hi' }),
    ).toEqual({ ok: true, value: { anonymous: false, rounds: 10, theme: 'dark', greeting: 'hi' } });
    const bad = validateAppSettings(settings, {
      rounds: 11,
      theme: 'blue',
      greeting: 'x'.repeat(41),
      extra: 1,
    });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(Object.keys(bad.fieldErrors).sort()).toEqual(
      [
        'appSettings.anonymous',
        'appSettings.extra',
        'appSettings.greeting',
        'appSettings.rounds',
        'appSettings.theme',
      ].sort(),
    );
    expect(bad.fieldErrors['appSettings.rounds']![0]).toContain('at most 10');
    expect(validateAppSettings(settings, { anonymous: 'yes' }).ok).toBe(false);
    expect(validateAppSettings(settings, [1]).ok).toBe(false);
    expect(validateAppSettings(undefined, {}).ok).toBe(true);
    expect(validateAppSettings(undefined, { x: 1 }).ok).toBe(false);
    expect(validateAppSettings(settings, { __proto__: 1, anonymous: true } as never).ok).toBe(true);
    expect(validateAppSettingsFor({ name: 'Q' }, { constructor: 1 }).ok).toBe(false);
  });

  it('diffs two manifests leaf by leaf', () => {
    const v1 = sampleManifest('1.0.0');
    const v2 = sampleManifest('1.1.0', { settings: { ...v1.settings, rounds: { type: 'number', max: 20 } } });
    expect(diffManifests(v1, v2)).toEqual([
      { path: 'meta.version', kind: 'changed', before: '1.0.0', after: '1.1.0' },
      { path: 'settings.rounds.default', kind: 'removed', before: 3 },
      { path: 'settings.rounds.max', kind: 'changed', before: 10, after: 20 },
      { path: 'settings.rounds.min', kind: 'removed', before: 1 },
    ]);
    expect(diffManifests(v1, v1)).toEqual([]);
  });
});

describe('registering, updating and retiring apps', () => {
  it('registers an app: version from meta.version, name from the manifest, audited', async () => {
    const org = await eventOrg(t.db);
    const { app, restored } = await registerApp(t.db, org.admin.actor, {
      organizationId: org.organization.id,
      appId: 'quiz-night',
      manifest: { name: 'Quiz night', meta: { version: '2.1.0' } },
    });
    expect(restored).toBe(false);
    expect(app).toMatchObject({
      appId: 'quiz-night',
      name: 'Quiz night',
      manifestVersion: '2.1.0',
      manifestHistory: [],
      organizationId: org.organization.id,
    });
    const noMeta = await registerApp(t.db, org.owner.actor, {
      organizationId: org.organization.id,
      appId: 'no-meta',
      name: 'Custom name',
      manifest: { name: 'No meta' },
    });
    expect(noMeta.app).toMatchObject({ manifestVersion: '1.0.0', name: 'Custom name' });
    expect(noMeta.app.manifest).toEqual({ name: 'No meta', meta: { version: '1.0.0' } });
    const [audit] = await t.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.entityId, app.id), eq(auditLogs.action, 'app.registered')));
    expect(audit).toMatchObject({ userId: org.admin.id, organizationId: org.organization.id });
    expect((await listApps(t.db, org.member.actor, org.organization.id)).map((a) => a.appId)).toEqual([
      'no-meta',
      'quiz-night',
    ]);
  });

  it('refuses a bad manifest or app id, and a taken app id, changing nothing', async () => {
    const org = await eventOrg(t.db);
    const other = await eventOrg(t.db);
    const base = { organizationId: org.organization.id, manifest: sampleManifest() };
    await expect(registerApp(t.db, org.owner.actor, { ...base, appId: 'Bad Id' })).rejects.toThrow(
      /lowercase letters/,
    );
    await expect(
      registerApp(t.db, org.owner.actor, { ...base, appId: 'bad-manifest', manifest: { name: '' } as never }),
    ).rejects.toThrow();
    expect(await t.db.select().from(apps).where(eq(apps.appId, 'bad-manifest'))).toHaveLength(0);
    const app = await sampleApp(t.db, org);
    const taken = registerApp(t.db, other.owner.actor, {
      organizationId: other.organization.id,
      appId: app.appId,
      manifest: sampleManifest(),
    });
    await expect(taken).rejects.toBeInstanceOf(Conflict);
    await expect(taken).rejects.toThrow('is taken');
    await expect(registerApp(t.db, org.owner.actor, { ...base, appId: app.appId })).rejects.toBeInstanceOf(
      Conflict,
    );
    expect((await appRow(app.appId)).organizationId).toBe(org.organization.id);
  });

  it('a manifest update needs a strictly higher version and appends the replaced one to the history', async () => {
    const org = await eventOrg(t.db);
    const app = await sampleApp(t.db, org, sampleManifest('1.9.0'));
    const ref = { organizationId: org.organization.id, appId: app.appId };
    for (const version of ['1.9.0', '1.8.0', '1.9.0-beta.1']) {
      const refused = updateAppManifest(t.db, org.owner.actor, { ...ref, manifest: sampleManifest(version) });
      await expect(refused).rejects.toBeInstanceOf(Conflict);
      await expect(refused).rejects.toThrow(`higher than the current version 1.9.0 (got ${version})`);
    }
    expect((await appRow(app.appId)).manifestHistory).toEqual([]);

    const updated = await updateAppManifest(t.db, org.admin.actor, {
      ...ref,
      name: 'Raffle Pro',
      manifest: sampleManifest('1.10.0', { prizeTypes: ['voucher'] }),
    });
    expect(updated).toMatchObject({ manifestVersion: '1.10.0', name: 'Raffle Pro' });
    const history = updated.manifestHistory as { version: string; manifest: unknown; replaced_at: string }[];
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({
      version: '1.9.0',
      manifest: manifestSchema.parse(sampleManifest('1.9.0')),
    });
    expect(Date.parse(history[0]!.replaced_at)).toBeGreaterThan(Date.now() - 60_000);
    await updateAppManifest(t.db, org.owner.actor, { ...ref, manifest: sampleManifest('2.0.0') });
    const row = await appRow(app.appId);
    expect((row.manifestHistory as { version: string }[]).map((h) => h.version)).toEqual(['1.9.0', '1.10.0']);
    expect(manifestForVersion(row, '1.10.0')).toMatchObject({ prizeTypes: ['voucher'] });
    expect(manifestForVersion(row, '2.0.0')).toMatchObject({ meta: { version: '2.0.0' } });
    expect(manifestForVersion(row, '3.0.0')).toBeNull();
    expect(appVersions(row).map((v) => [v.version, v.replacedAt === null, v.changes.length > 0])).toEqual([
      ['2.0.0', true, true],
      ['1.10.0', false, true],
      ['1.9.0', false, false],
    ]);
    const audits = await t.db
      .select({ action: auditLogs.action, oldValues: auditLogs.oldValues, newValues: auditLogs.newValues })
      .from(auditLogs)
      .where(and(eq(auditLogs.entityId, app.id), eq(auditLogs.action, 'app.manifest_updated')));
    expect(audits).toHaveLength(2);
    // A schema failure on update changes nothing either.
    await expect(
      updateAppManifest(t.db, org.owner.actor, {
        ...ref,
        manifest: { name: 'x', meta: { version: 'x' } } as never,
      }),
    ).rejects.toThrow();
    expect((await appRow(app.appId)).manifestVersion).toBe('2.0.0');
  });

  it('retiring is refused while rooms (of any organization) use the app, with seed 001’s message', async () => {
    const org = await eventOrg(t.db);
    const other = await eventOrg(t.db);
    const app = await sampleApp(t.db, org);
    const ref = { organizationId: org.organization.id, appId: app.appId };
    const mine = await sampleRoom(t.db, org, { appId: app.appId });
    const theirs = await sampleRoom(t.db, other, { appId: app.appId });
    const refused = retireApp(t.db, org.owner.actor, ref);
    await expect(refused).rejects.toBeInstanceOf(Conflict);
    await expect(refused).rejects.toThrow('Cannot delete app: 2 active room(s) exist.');
    expect(activeRoomsMessage(2)).toBe('Cannot delete app: 2 active room(s) exist.');
    // The database refuses the hard delete too (rooms.app_id RESTRICT, seed 001).
    const code = await t.db.execute(sql`DELETE FROM apps WHERE app_id = ${app.appId}`).then(
      () => null,
      (err) => pgErrorCode(err),
    );
    expect(['23503', '23001']).toContain(code);
    expect((await appRow(app.appId)).deletedAt).toBeNull();

    await deleteRoom(t.db, org.owner.actor, { organizationId: org.organization.id, roomId: mine.id });
    await expect(retireApp(t.db, org.owner.actor, ref)).rejects.toThrow(
      'Cannot delete app: 1 active room(s) exist.',
    );
    await deleteRoom(t.db, other.owner.actor, { organizationId: other.organization.id, roomId: theirs.id });
    const retired = await retireApp(t.db, org.admin.actor, ref);
    expect(retired.deletedAt).not.toBeNull();
    // Lists hide it, reads and writes do not find it, rooms cannot be created from it.
    expect(await listApps(t.db, org.owner.actor, org.organization.id)).toHaveLength(0);
    expect(
      (await listAvailableApps(t.db, org.owner.actor, org.organization.id)).map((a) => a.appId),
    ).not.toContain(app.appId);
    await expect(getApp(t.db, org.owner.actor, ref)).rejects.toBeInstanceOf(NotFound);
    await expect(retireApp(t.db, org.owner.actor, ref)).rejects.toBeInstanceOf(NotFound);
    await expect(
      updateAppManifest(t.db, org.owner.actor, { ...ref, manifest: sampleManifest('9.0.0') }),
    ).rejects.toBeInstanceOf(NotFound);
    await expect(
      createRoom(t.db, org.owner.actor, {
        organizationId: org.organization.id,
        appId: app.appId,
        name: 'Late',
        isPublic: true,
        appSettings: { anonymous: true },
      }),
    ).rejects.toBeInstanceOf(NotFound);
    // The soft-deleted rooms still reference the row: it is never removed.
    expect(await t.db.select().from(rooms).where(eq(rooms.appId, app.appId))).toHaveLength(2);
  });

  it('re-registering a retired app id restores that row (same id, history kept), never for another organization', async () => {
    const org = await eventOrg(t.db);
    const other = await eventOrg(t.db);
    const app = await sampleApp(t.db, org, sampleManifest('1.2.0'));
    const ref = { organizationId: org.organization.id, appId: app.appId };
    await retireApp(t.db, org.owner.actor, ref);
    const stolen = registerApp(t.db, other.owner.actor, {
      organizationId: other.organization.id,
      appId: app.appId,
      manifest: sampleManifest('5.0.0'),
    });
    await expect(stolen).rejects.toThrow('is taken');
    // The same version must mean the same manifest; a lower one is refused.
    await expect(
      registerApp(t.db, org.owner.actor, {
        ...ref,
        manifest: sampleManifest('1.2.0', { prizeTypes: ['x'] }),
      }),
    ).rejects.toBeInstanceOf(Conflict);
    await expect(
      registerApp(t.db, org.owner.actor, { ...ref, manifest: sampleManifest('1.1.0') }),
    ).rejects.toThrow('higher than the current version 1.2.0');
    const same = await registerApp(t.db, org.owner.actor, { ...ref, manifest: sampleManifest('1.2.0') });
    expect(same).toMatchObject({ restored: true, app: { id: app.id, deletedAt: null, manifestHistory: [] } });
    await retireApp(t.db, org.owner.actor, ref);
    const again = await registerApp(t.db, org.owner.actor, { ...ref, manifest: sampleManifest('1.3.0') });
    expect(again.app).toMatchObject({ id: app.id, manifestVersion: '1.3.0', deletedAt: null });
    expect((again.app.manifestHistory as { version: string }[]).map((h) => h.version)).toEqual(['1.2.0']);
    const actions = await t.db
      .select({ action: auditLogs.action })
      .from(auditLogs)
      .where(eq(auditLogs.entityId, app.id));
    expect(actions.map((a) => a.action).sort()).toEqual(
      ['app.registered', 'app.retired', 'app.retired', 'app.restored', 'app.restored'].sort(),
    );
  });

  it('the matrix: OWNER and ADMIN manage apps, MEMBER views, BILLING neither, non-members get 404', async () => {
    const org = await eventOrg(t.db);
    const outsider = await createUser(t.db);
    const app = await sampleApp(t.db, org);
    const organizationId = org.organization.id;
    const register = (actor: typeof org.owner.actor, appId: string) =>
      registerApp(t.db, actor, { organizationId, appId, manifest: sampleManifest() });
    await expect(register(org.member.actor, 'member-app')).rejects.toBeInstanceOf(Forbidden);
    await expect(register(org.billing.actor, 'billing-app')).rejects.toBeInstanceOf(Forbidden);
    await expect(register(outsider.actor, 'outsider-app')).rejects.toBeInstanceOf(NotFound);
    for (const actor of [org.member.actor, org.billing.actor]) {
      await expect(
        updateAppManifest(t.db, actor, {
          organizationId,
          appId: app.appId,
          manifest: sampleManifest('2.0.0'),
        }),
      ).rejects.toBeInstanceOf(Forbidden);
      await expect(retireApp(t.db, actor, { organizationId, appId: app.appId })).rejects.toBeInstanceOf(
        Forbidden,
      );
    }
    expect(await listApps(t.db, org.member.actor, organizationId)).toHaveLength(1);
    expect((await getApp(t.db, org.member.actor, { organizationId, appId: app.appId })).app.id).toBe(app.id);
    await expect(listApps(t.db, org.billing.actor, organizationId)).rejects.toBeInstanceOf(Forbidden);
    await expect(listApps(t.db, outsider.actor, organizationId)).rejects.toBeInstanceOf(NotFound);
    // Another organization's app id is not found through this organization.
    const other = await eventOrg(t.db);
    const theirs = await sampleApp(t.db, other);
    await expect(
      getApp(t.db, org.owner.actor, { organizationId, appId: theirs.appId }),
    ).rejects.toBeInstanceOf(NotFound);
    await expect(
      updateAppManifest(t.db, org.owner.actor, {
        organizationId,
        appId: theirs.appId,
        manifest: sampleManifest('3.0.0'),
      }),
    ).rejects.toBeInstanceOf(NotFound);
    await expect(
      retireApp(t.db, org.owner.actor, { organizationId, appId: theirs.appId }),
    ).rejects.toBeInstanceOf(NotFound);
    // But rooms may be created from any app that is not retired (app ids are platform-wide).
    const available = await listAvailableApps(t.db, org.member.actor, organizationId);
    expect(available.find((a) => a.appId === theirs.appId)?.ownApp).toBe(false);
    expect(available.find((a) => a.appId === app.appId)?.ownApp).toBe(true);
  });

  it('an app outlives its organization; platform ADMIN manages it then', async () => {
    const org = await eventOrg(t.db);
    const other = await eventOrg(t.db);
    const app = await sampleApp(t.db, org);
    const room = await sampleRoom(t.db, other, { appId: app.appId });
    await deleteOrganization(t.db, org.owner.actor, {
      organizationId: org.organization.id,
      confirm: org.organization.slug,
    });
    expect((await appRow(app.appId)).organizationId).toBeNull();
    expect((await t.db.select().from(rooms).where(eq(rooms.id, room.id)))[0]?.deletedAt).toBeNull();

    const staff = await createUser(t.db);
    await expect(listUnownedApps(t.db, staff.actor)).rejects.toBeInstanceOf(Forbidden);
    await makePlatformAdmin(t.db, staff.id);
    expect((await listUnownedApps(t.db, staff.actor)).map((a) => a.appId)).toContain(app.appId);
    const updated = await updateUnownedAppManifest(t.db, staff.actor, {
      appId: app.appId,
      manifest: sampleManifest('1.1.0'),
    });
    expect(updated.manifestVersion).toBe('1.1.0');
    await expect(retireUnownedApp(t.db, staff.actor, { appId: app.appId })).rejects.toThrow(
      'Cannot delete app: 1 active room(s) exist.',
    );
    await deleteRoom(t.db, other.owner.actor, { organizationId: other.organization.id, roomId: room.id });
    expect((await retireUnownedApp(t.db, staff.actor, { appId: app.appId })).deletedAt).not.toBeNull();
    // An owned app is not the platform's to manage.
    const owned = await sampleApp(t.db, other);
    await expect(retireUnownedApp(t.db, staff.actor, { appId: owned.appId })).rejects.toBeInstanceOf(
      NotFound,
    );
    // A retired app of a deleted organization can be claimed by re-registering it.
    const claimed = await registerApp(t.db, other.owner.actor, {
      organizationId: other.organization.id,
      appId: app.appId,
      manifest: sampleManifest('1.2.0'),
    });
    expect(claimed).toMatchObject({
      restored: true,
      app: { id: app.id, organizationId: other.organization.id },
    });
  });

  describe('under concurrency', () => {
    let second: Connection | undefined;
    beforeAll(() => {
      if (t.url) second = connectPostgres(t.url, { max: 2 });
    });
    afterAll(async () => {
      await second?.close();
    });

    itConcurrent('a retirement racing a room creation: never a room on a retired app', async () => {
      for (let round = 0; round < 6; round++) {
        const org = await eventOrg(t.db);
        const app = await sampleApp(t.db, org);
        const [retired, created] = await Promise.allSettled([
          retireApp(round % 2 ? t.db : second!.db, org.owner.actor, {
            organizationId: org.organization.id,
            appId: app.appId,
          }),
          createRoom(round % 2 ? second!.db : t.db, org.member.actor, {
            organizationId: org.organization.id,
            appId: app.appId,
            name: 'Race',
            isPublic: true,
            appSettings: { anonymous: true },
          }),
        ]);
        const row = await appRow(app.appId);
        const roomCount = (await t.db.select().from(rooms).where(eq(rooms.appId, app.appId))).length;
        if (retired.status === 'fulfilled') {
          expect(created.status).toBe('rejected');
          expect(roomCount).toBe(0);
          expect(row.deletedAt).not.toBeNull();
        } else {
          expect(created.status).toBe('fulfilled');
          expect(String(retired.reason)).toContain('Cannot delete app: 1 active room(s) exist.');
          expect(roomCount).toBe(1);
          expect(row.deletedAt).toBeNull();
        }
      }
    });

    itConcurrent('two updates from the same version: one wins, the history has one entry', async () => {
      const org = await eventOrg(t.db);
      const app = await sampleApp(t.db, org);
      const ref = { organizationId: org.organization.id, appId: app.appId };
      const results = await Promise.allSettled([
        updateAppManifest(t.db, org.owner.actor, { ...ref, manifest: sampleManifest('1.1.0') }),
        updateAppManifest(second!.db, org.admin.actor, { ...ref, manifest: sampleManifest('1.1.0') }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect((await appRow(app.appId)).manifestHistory).toHaveLength(1);
    });
  });
});
