// Apps (seed 001; SPEC §2, §4, §6): an organization's OWNER and ADMIN register, update and retire its apps;
// every member sees them. `app_id` is unique forever (rooms reference it): retiring is a soft delete, and
// re-registering a retired app id restores that row. A manifest update needs a strictly higher semver and
// appends the replaced manifest to `manifest_history`, so rooms that locked an older version keep it.
// An app outlives the organization that registered it (SET NULL); such apps are managed by platform ADMIN.
import { and, asc, count, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { type Actor, recordAudit } from '~/audit/audit.server';
import { Conflict, Forbidden, NotFound } from '~/lib/errors';
import { authorize } from '~/orgs/access.server';
import { type Database, isUniqueViolation } from '~db/client.server';
import { apps, rooms, users } from '~db/schema';
import {
  diffManifests,
  isHigherVersion,
  type Manifest,
  type ManifestChange,
  type ManifestHistoryEntry,
  manifestSchema,
  manifestVersionOf,
} from './manifest';

export type App = typeof apps.$inferSelect;

export const APP_NOT_FOUND = 'App not found';

/** App ids are part of URLs and of every room that uses them: short, lowercase, stable. */
export const appIdSchema = z
  .string({ required_error: 'Enter an app id' })
  .trim()
  .min(2, 'Use at least 2 characters')
  .max(64, 'Use at most 64 characters')
  .regex(
    /^[a-z0-9][a-z0-9._-]*$/,
    'Use lowercase letters, digits, ".", "_" and "-", starting with a letter or digit',
  );

const appNameSchema = z.string().trim().min(1, 'Enter a name').max(100, 'Use at most 100 characters');
const organizationIdSchema = z.string().min(1).max(100);

export const registerAppInput = z.object({
  organizationId: organizationIdSchema,
  appId: appIdSchema,
  /** Defaults to the manifest's name. */
  name: appNameSchema.optional(),
  manifest: manifestSchema,
});

export const updateAppInput = z.object({
  organizationId: organizationIdSchema,
  appId: appIdSchema,
  name: appNameSchema.optional(),
  manifest: manifestSchema,
});

export const appRefInput = z.object({ organizationId: organizationIdSchema, appId: appIdSchema });

/** The JSON bodies of the API (and the fields of the app forms). */
export const registerAppBodySchema = registerAppInput.omit({ organizationId: true }).strict();
export const updateAppBodySchema = updateAppInput.omit({ organizationId: true, appId: true }).strict();

/** Key-order independent JSON (jsonb does not keep key order), for "is this the same manifest". */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

export const historyOf = (app: Pick<App, 'manifestHistory'>): ManifestHistoryEntry[] =>
  Array.isArray(app.manifestHistory) ? (app.manifestHistory as ManifestHistoryEntry[]) : [];

/**
 * The manifest of one version of the app: the current one, or the one kept in `manifest_history` when
 * the app has moved on. Null when the app never had that version.
 */
export function manifestForVersion(
  app: Pick<App, 'manifest' | 'manifestVersion' | 'manifestHistory'>,
  version: string,
): unknown | null {
  if (version === app.manifestVersion) return app.manifest;
  return historyOf(app).find((entry) => entry.version === version)?.manifest ?? null;
}

export interface AppVersion {
  version: string;
  manifest: unknown;
  /** When a newer version replaced it; null for the current version. */
  replacedAt: string | null;
  /** What changed from the version before it (empty for the first). */
  changes: ManifestChange[];
}

/** Every version of the app, newest first, each with its diff from the one before (the history page). */
export function appVersions(
  app: Pick<App, 'manifest' | 'manifestVersion' | 'manifestHistory'>,
): AppVersion[] {
  const chronological = [
    ...historyOf(app).map((e) => ({ version: e.version, manifest: e.manifest, replacedAt: e.replaced_at })),
    { version: app.manifestVersion, manifest: app.manifest, replacedAt: null },
  ];
  return chronological
    .map((v, i) => ({
      ...v,
      changes: i === 0 ? [] : diffManifests(chronological[i - 1]!.manifest, v.manifest),
    }))
    .reverse();
}

/** An app as the API answers it (and pages show it). */
export function appView(app: App) {
  return {
    id: app.id,
    appId: app.appId,
    name: app.name,
    manifest: app.manifest,
    manifestVersion: app.manifestVersion,
    manifestHistory: historyOf(app).map((e) => ({
      version: e.version,
      manifest: e.manifest,
      replacedAt: e.replaced_at,
    })),
    organizationId: app.organizationId,
    createdAt: app.createdAt.toISOString(),
    updatedAt: app.updatedAt.toISOString(),
  };
}
export type AppView = ReturnType<typeof appView>;

const versionNotHigher = (next: string, current: string) =>
  new Conflict(
    `The manifest version must be higher than the current version ${current} (got ${next}). Raise meta.version.`,
    { 'manifest.meta.version': [`Use a version higher than ${current}`] },
  );

const appIdTaken = (appId: string) =>
  new Conflict(`The app id “${appId}” is taken: app ids are never reused.`, {
    appId: ['That app id is taken'],
  });

/** Seed 001's refusal, counting the rooms (of any organization) that still use the app. */
export const activeRoomsMessage = (n: number) => `Cannot delete app: ${n} active room(s) exist.`;

// ---- reads ----------------------------------------------------------------------------------------------

/** The organization's apps (retired ones hidden), by name. Any member who may view the organization. */
export async function listApps(db: Database, actor: Actor, organizationId: string) {
  await authorize(db, actor, organizationId, 'organization:view');
  return db
    .select()
    .from(apps)
    .where(and(eq(apps.organizationId, organizationId), isNull(apps.deletedAt)))
    .orderBy(asc(apps.name), asc(apps.id));
}

/**
 * The apps a room can be created from: every app that is not retired, whoever registered it (app ids
 * are platform-wide, and an app outlives its organization: SPEC §5). Only what the room form needs.
 */
export async function listAvailableApps(db: Database, actor: Actor, organizationId: string) {
  await authorize(db, actor, organizationId, 'organization:view');
  return db
    .select({
      appId: apps.appId,
      name: apps.name,
      manifestVersion: apps.manifestVersion,
      manifest: apps.manifest,
      ownApp: sql<boolean>`${apps.organizationId} IS NOT DISTINCT FROM ${organizationId}`,
    })
    .from(apps)
    .where(isNull(apps.deletedAt))
    .orderBy(asc(apps.name), asc(apps.appId));
}

/** One of the organization's apps with its versions; a retired or foreign app id is a 404. */
export async function getApp(db: Database, actor: Actor, input: z.input<typeof appRefInput>) {
  const { organizationId, appId } = appRefInput.parse(input);
  await authorize(db, actor, organizationId, 'organization:view');
  const [app] = await db
    .select()
    .from(apps)
    .where(and(eq(apps.appId, appId), eq(apps.organizationId, organizationId), isNull(apps.deletedAt)));
  if (!app) throw new NotFound(APP_NOT_FOUND);
  const [rooms_] = await db
    .select({ n: count() })
    .from(rooms)
    .where(and(eq(rooms.appId, app.appId), isNull(rooms.deletedAt)));
  return { app, versions: appVersions(app), activeRooms: Number(rooms_?.n ?? 0) };
}

// ---- writes ---------------------------------------------------------------------------------------------

/** Who manages an app: its organization's OWNER/ADMIN, or platform ADMIN for an app whose organization is gone. */
type Owner = { organizationId: string } | { unowned: true };

async function lockApp(tx: Database, owner: Owner, appId: string): Promise<App> {
  const [app] = await tx
    .select()
    .from(apps)
    .where(
      and(
        eq(apps.appId, appId),
        'unowned' in owner ? isNull(apps.organizationId) : eq(apps.organizationId, owner.organizationId),
        isNull(apps.deletedAt),
      ),
    )
    .for('update');
  if (!app) throw new NotFound(APP_NOT_FOUND);
  return app;
}

async function assertPlatformAdmin(tx: Database, actor: Actor): Promise<void> {
  const [row] = actor.userId
    ? await tx
        .select({ role: users.role, status: users.status, deletedAt: users.deletedAt })
        .from(users)
        .where(eq(users.id, actor.userId))
    : [];
  if (row?.role !== 'ADMIN' || row.status !== 'ACTIVE' || row.deletedAt)
    throw new Forbidden('Only platform administrators manage apps whose organization was deleted.');
}

async function authorizeOwner(tx: Database, actor: Actor, owner: Owner) {
  if ('unowned' in owner) await assertPlatformAdmin(tx, actor);
  else await authorize(tx, actor, owner.organizationId, 'apps:manage', { lock: true });
}

const organizationOf = (owner: Owner) => ('unowned' in owner ? null : owner.organizationId);

/**
 * Registers an app for the organization (OWNER/ADMIN). The version comes from `manifest.meta.version`
 * (default 1.0.0). A retired app id of this organization (or of a deleted one) is restored with the
 * new manifest, which must then keep or raise its version; any other existing app id is taken.
 */
export async function registerApp(db: Database, actor: Actor, input: z.input<typeof registerAppInput>) {
  const { organizationId, appId, name, manifest } = registerAppInput.parse(input);
  const version = manifestVersionOf(manifest);
  try {
    return await db.transaction(async (tx) => {
      await authorize(tx, actor, organizationId, 'apps:manage', { lock: true });
      const [existing] = await tx.select().from(apps).where(eq(apps.appId, appId)).for('update');
      if (!existing) {
        const [app] = await tx
          .insert(apps)
          .values({ appId, name: name ?? manifest.name, manifest, manifestVersion: version, organizationId })
          .returning();
        if (!app) throw new Error('app insert returned nothing');
        await recordAudit(tx, actor, {
          organizationId,
          action: 'app.registered',
          entityType: 'app',
          entityId: app.id,
          newValues: { appId, name: app.name, manifestVersion: version },
        });
        return { app, restored: false };
      }
      const mayRestore =
        existing.deletedAt !== null &&
        (existing.organizationId === organizationId || existing.organizationId === null);
      if (!mayRestore) throw appIdTaken(appId);
      const history = historyOf(existing);
      if (version === existing.manifestVersion) {
        // The same version must mean the same manifest: rooms that locked it validate against it.
        if (canonicalJson(manifest) !== canonicalJson(existing.manifest))
          throw versionNotHigher(version, existing.manifestVersion);
      } else if (isHigherVersion(version, existing.manifestVersion)) {
        history.push({
          version: existing.manifestVersion,
          manifest: existing.manifest,
          replaced_at: new Date().toISOString(),
        });
      } else throw versionNotHigher(version, existing.manifestVersion);
      const [app] = await tx
        .update(apps)
        .set({
          name: name ?? manifest.name,
          manifest,
          manifestVersion: version,
          manifestHistory: history,
          organizationId,
          deletedAt: null,
        })
        .where(eq(apps.id, existing.id))
        .returning();
      await recordAudit(tx, actor, {
        organizationId,
        action: 'app.restored',
        entityType: 'app',
        entityId: existing.id,
        oldValues: { name: existing.name, manifestVersion: existing.manifestVersion, retired: true },
        newValues: { appId, name: app!.name, manifestVersion: version },
      });
      return { app: app!, restored: true };
    });
  } catch (err) {
    // Two registrations of one new app id at once: the unique key decides.
    if (isUniqueViolation(err)) throw appIdTaken(appId);
    throw err;
  }
}

async function updateManifest(
  db: Database,
  actor: Actor,
  owner: Owner,
  appId: string,
  name: string | undefined,
  manifest: Manifest,
) {
  const version = manifestVersionOf(manifest);
  return db.transaction(async (tx) => {
    await authorizeOwner(tx, actor, owner);
    // Row lock: two updates at once cannot both append to the history from the same starting point.
    const app = await lockApp(tx, owner, appId);
    if (!isHigherVersion(version, app.manifestVersion)) throw versionNotHigher(version, app.manifestVersion);
    const history: ManifestHistoryEntry[] = [
      ...historyOf(app),
      { version: app.manifestVersion, manifest: app.manifest, replaced_at: new Date().toISOString() },
    ];
    const [updated] = await tx
      .update(apps)
      .set({ name: name ?? app.name, manifest, manifestVersion: version, manifestHistory: history })
      .where(eq(apps.id, app.id))
      .returning();
    await recordAudit(tx, actor, {
      organizationId: organizationOf(owner),
      action: 'app.manifest_updated',
      entityType: 'app',
      entityId: app.id,
      oldValues: { name: app.name, manifestVersion: app.manifestVersion },
      newValues: { appId, name: updated!.name, manifestVersion: version },
    });
    return updated!;
  });
}

/** A new manifest (and optionally name) for one of the organization's apps: the version must rise (409). */
export async function updateAppManifest(db: Database, actor: Actor, input: z.input<typeof updateAppInput>) {
  const { organizationId, appId, name, manifest } = updateAppInput.parse(input);
  return updateManifest(db, actor, { organizationId }, appId, name, manifest);
}

async function retire(db: Database, actor: Actor, owner: Owner, appId: string) {
  return db.transaction(async (tx) => {
    await authorizeOwner(tx, actor, owner);
    // FOR UPDATE waits for room creations holding the app FOR SHARE, so the count below is final.
    const app = await lockApp(tx, owner, appId);
    const [active] = await tx
      .select({ n: count() })
      .from(rooms)
      .where(and(eq(rooms.appId, app.appId), isNull(rooms.deletedAt)));
    const n = Number(active?.n ?? 0);
    if (n > 0) throw new Conflict(activeRoomsMessage(n));
    const [retired] = await tx
      .update(apps)
      .set({ deletedAt: new Date() })
      .where(eq(apps.id, app.id))
      .returning();
    await recordAudit(tx, actor, {
      organizationId: organizationOf(owner),
      action: 'app.retired',
      entityType: 'app',
      entityId: app.id,
      oldValues: { appId: app.appId, name: app.name, manifestVersion: app.manifestVersion },
    });
    return retired!;
  });
}

/** Retires (soft-deletes) one of the organization's apps; refused while rooms that are not deleted use it. */
export async function retireApp(db: Database, actor: Actor, input: z.input<typeof appRefInput>) {
  const { organizationId, appId } = appRefInput.parse(input);
  return retire(db, actor, { organizationId }, appId);
}

// ---- apps whose organization was deleted: platform ADMIN (SPEC §2) ---------------------------------------

export async function listUnownedApps(db: Database, actor: Actor) {
  await assertPlatformAdmin(db, actor);
  return db
    .select()
    .from(apps)
    .where(and(isNull(apps.organizationId), isNull(apps.deletedAt)))
    .orderBy(asc(apps.name), asc(apps.id));
}

export const unownedAppInput = z.object({ appId: appIdSchema });

export async function updateUnownedAppManifest(
  db: Database,
  actor: Actor,
  input: { appId: string; name?: string; manifest: unknown },
) {
  const { appId, name, manifest } = updateAppInput.omit({ organizationId: true }).parse(input);
  return updateManifest(db, actor, { unowned: true }, appId, name, manifest);
}

export async function retireUnownedApp(db: Database, actor: Actor, input: z.input<typeof unownedAppInput>) {
  const { appId } = unownedAppInput.parse(input);
  return retire(db, actor, { unowned: true }, appId);
}
