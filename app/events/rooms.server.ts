// Rooms (seed 001; SPEC §2, §4, §6): created from an app, whose manifest version the room locks; its
// `app_settings` are validated against THAT version's settings description, found in the app's
// `manifest_history` once the app has moved on. Status: DRAFT → ACTIVE → COMPLETED, and any state but
// COMPLETED → CANCELED. The creator is the organizer: members manage the rooms they organize
// ('rooms:manage-own'), OWNER and ADMIN every room of the organization ('rooms:manage-any'). Deletion is
// a soft delete; lists hide deleted rooms.
import { and, asc, count, desc, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { type Actor, recordAudit } from '~/audit/audit.server';
import { storableDateSchema } from '~/lib/dates';
import { Conflict, NotFound, ValidationFailed } from '~/lib/errors';
import { type Authorized, assertCan, authorize } from '~/orgs/access.server';
import { can } from '~/orgs/permissions';
import type { Database } from '~db/client.server';
import {
  apps,
  organizationMembers,
  participants,
  prizes,
  ROOM_STATUSES,
  rooms,
  users,
  winners,
} from '~db/schema';
import { APP_NOT_FOUND, manifestForVersion } from './apps.server';
import { notifyRoom } from './live.server';
import { type Manifest, manifestSchema, validateAppSettings } from './manifest';

export type Room = typeof rooms.$inferSelect;
export type RoomStatus = (typeof ROOM_STATUSES)[number];

export const ROOM_NOT_FOUND = 'Room not found';

// ---- the status life cycle --------------------------------------------------------------------------

/** Seed 001's life cycle: DRAFT → ACTIVE → COMPLETED; any state but COMPLETED → CANCELED. */
export const ROOM_TRANSITIONS: Record<RoomStatus, readonly RoomStatus[]> = {
  DRAFT: ['ACTIVE', 'CANCELED'],
  ACTIVE: ['COMPLETED', 'CANCELED'],
  COMPLETED: [],
  CANCELED: [],
};

export const canTransition = (from: RoomStatus, to: RoomStatus) => ROOM_TRANSITIONS[from].includes(to);

const STATUS_WORDS: Record<RoomStatus, string> = {
  DRAFT: 'a draft',
  ACTIVE: 'active',
  COMPLETED: 'completed',
  CANCELED: 'canceled',
};

function transitionRefusal(from: RoomStatus, to: RoomStatus): string {
  if (from === to) return `The room is already ${STATUS_WORDS[from]}.`;
  if (from === 'COMPLETED') return 'The room is completed: its status can no longer change.';
  if (from === 'CANCELED') return 'The room is canceled: its status can no longer change.';
  const allowed = ROOM_TRANSITIONS[from].join(' or ');
  return `A room that is ${STATUS_WORDS[from]} cannot become ${to}; it can become ${allowed}.`;
}

/** A room that is over (completed or canceled) keeps its data as it was. */
export const isClosed = (status: RoomStatus) => status === 'COMPLETED' || status === 'CANCELED';

// ---- input ------------------------------------------------------------------------------------------

const idSchema = z.string().min(1).max(100);
const nameSchema = z
  .string({ required_error: 'Enter a name' })
  .trim()
  .min(1, 'Enter a name')
  .max(200, 'Use at most 200 characters');
const descriptionSchema = z.string().trim().max(5000, 'Use at most 5000 characters');
const maxParticipantsSchema = z
  .number({ invalid_type_error: 'Enter a whole number' })
  .int('Enter a whole number')
  .min(1, 'Allow at least 1 participant')
  .max(1_000_000, 'Allow at most 1,000,000 participants');
const settingsObject = z.record(z.unknown(), { invalid_type_error: 'App settings are an object' });

/** The room fields a client sends (API body and room form), without the organization. */
export const createRoomBodySchema = z
  .object({
    appId: z.string({ required_error: 'Choose an app' }).trim().min(1, 'Choose an app').max(64),
    name: nameSchema,
    description: descriptionSchema.optional(),
    isPublic: z.boolean({
      required_error: 'Say whether the room is public',
      invalid_type_error: 'true or false',
    }),
    maxParticipants: maxParticipantsSchema.nullable().optional(),
    appSettings: settingsObject.optional(),
    startsAt: storableDateSchema.optional(),
    endsAt: storableDateSchema.nullable().optional(),
  })
  .strict();

export const createRoomInput = createRoomBodySchema.extend({ organizationId: idSchema });

const updateRoomFields = z.object({
  name: nameSchema.optional(),
  description: descriptionSchema.nullable().optional(),
  isPublic: z.boolean({ invalid_type_error: 'true or false' }).optional(),
  maxParticipants: maxParticipantsSchema.nullable().optional(),
  appSettings: settingsObject.optional(),
  startsAt: storableDateSchema.optional(),
  endsAt: storableDateSchema.nullable().optional(),
  status: z
    .enum(ROOM_STATUSES, { errorMap: () => ({ message: `One of ${ROOM_STATUSES.join(', ')}` }) })
    .optional(),
});
const changesSomething = (body: Record<string, unknown>) =>
  Object.entries(body).some(([k, v]) => v !== undefined && k !== 'organizationId' && k !== 'roomId');
const NOTHING_TO_CHANGE = 'Send at least one field to change';

/** PATCH: every field optional; `status` moves the room along its life cycle. */
export const updateRoomBodySchema = updateRoomFields.strict().refine(changesSomething, NOTHING_TO_CHANGE);

export const updateRoomInput = updateRoomFields
  .extend({ organizationId: idSchema, roomId: idSchema })
  .refine(changesSomething, NOTHING_TO_CHANGE);

export const roomRefInput = z.object({ organizationId: idSchema, roomId: idSchema });

// ---- shared by participants, prizes and draws ----------------------------------------------------------

export interface RoomAccess {
  room: Room;
  authorized: Authorized;
}

/**
 * The room of the organization (not deleted), optionally locked. Another organization's room, an
 * unknown id and a deleted room are all "Room not found" (SPEC §7).
 */
export async function findRoom(
  tx: Database,
  organizationId: string,
  roomId: string,
  lock?: 'no key update' | 'share',
): Promise<Room> {
  const query = tx
    .select()
    .from(rooms)
    .where(and(eq(rooms.id, roomId), eq(rooms.organizationId, organizationId), isNull(rooms.deletedAt)));
  const [room] = lock ? await query.for(lock) : await query;
  if (!room) throw new NotFound(ROOM_NOT_FOUND);
  return room;
}

/**
 * SPEC §2's two matrix rows for rooms: the organizer needs 'rooms:manage-own' (MEMBER and up), anyone
 * else 'rooms:manage-any' (OWNER, ADMIN). A non-member gets 404 for the organization.
 */
export async function authorizeRoom(
  tx: Database,
  actor: Actor,
  organizationId: string,
  roomId: string,
  lock?: 'no key update' | 'share',
): Promise<RoomAccess> {
  const authorized = await authorize(tx, actor, organizationId, 'rooms:manage-own');
  const room = await findRoom(tx, organizationId, roomId, lock);
  if (room.createdBy !== actor.userId) assertCan(authorized, 'rooms:manage-any');
  return { room, authorized };
}

/** May this member manage the room (for pages: show or hide the organizer's controls)? */
export const canManageRoom = (authorized: Authorized, room: Pick<Room, 'createdBy'>, userId: string | null) =>
  can(authorized.role, room.createdBy === userId ? 'rooms:manage-own' : 'rooms:manage-any');

/** The settings description of the manifest version the room locked (from the history if the app moved on). */
export async function lockedManifest(tx: Database, room: Pick<Room, 'appId' | 'appManifestVersion'>) {
  const [app] = await tx.select().from(apps).where(eq(apps.appId, room.appId));
  const stored = app ? manifestForVersion(app, room.appManifestVersion) : null;
  const parsed = manifestSchema.safeParse(stored);
  if (!parsed.success)
    throw new Conflict(
      `The app’s manifest version ${room.appManifestVersion} that this room locked cannot be found.`,
    );
  return parsed.data;
}

function settingsFor(manifest: Manifest, version: string, input: unknown) {
  const result = validateAppSettings(manifest.settings, input);
  if (!result.ok) {
    const details = Object.entries(result.fieldErrors)
      .map(([field, messages]) => `${field.replace(/^appSettings\./, '')}: ${messages.join(', ')}`)
      .join('; ');
    throw new ValidationFailed(
      `The app settings do not fit version ${version} of the app’s manifest (${details}).`,
      result.fieldErrors,
    );
  }
  return result.value;
}

function checkSchedule(startsAt: Date, endsAt: Date | null) {
  if (endsAt && endsAt.getTime() <= startsAt.getTime())
    throw new ValidationFailed('The room must end after it starts.', { endsAt: ['End after the start'] });
}

/** Active participants (any role) of the room: what max_participants limits. */
export async function countParticipants(tx: Database, roomId: string): Promise<number> {
  const [row] = await tx
    .select({ n: count() })
    .from(participants)
    .where(and(eq(participants.roomId, roomId), isNull(participants.deletedAt)));
  return Number(row?.n ?? 0);
}

// ---- views ------------------------------------------------------------------------------------------

/** A room as the API answers it. */
export function roomView(room: Room) {
  return {
    id: room.id,
    organizationId: room.organizationId,
    appId: room.appId,
    appManifestVersion: room.appManifestVersion,
    createdBy: room.createdBy,
    name: room.name,
    description: room.description,
    status: room.status,
    isPublic: room.isPublic,
    maxParticipants: room.maxParticipants,
    appSettings: (room.appSettings ?? {}) as Record<string, unknown>,
    startsAt: room.startsAt.toISOString(),
    endsAt: room.endsAt?.toISOString() ?? null,
    createdAt: room.createdAt.toISOString(),
    updatedAt: room.updatedAt.toISOString(),
  };
}
export type RoomView = ReturnType<typeof roomView>;

// ---- reads ------------------------------------------------------------------------------------------

// Table names written out: Drizzle leaves columns unqualified in a one-table select, and inside a
// subquery an unqualified `id` would be the subquery's own.
const participantCount = sql<number>`(SELECT count(*)::int FROM participants p
  WHERE p.room_id = rooms.id AND p.deleted_at IS NULL)`;

/** The organization's rooms (deleted ones hidden), newest first, with app, organizer and participant count. */
export async function listRooms(
  db: Database,
  actor: Actor,
  organizationId: string,
  filter: { status?: RoomStatus } = {},
) {
  await authorize(db, actor, organizationId, 'organization:view');
  return db
    .select({
      room: rooms,
      appName: apps.name,
      organizerName: users.name,
      participantCount,
    })
    .from(rooms)
    .innerJoin(apps, eq(apps.appId, rooms.appId))
    .innerJoin(users, eq(users.id, rooms.createdBy))
    .where(
      and(
        eq(rooms.organizationId, organizationId),
        isNull(rooms.deletedAt),
        filter.status ? eq(rooms.status, filter.status) : undefined,
      ),
    )
    .orderBy(desc(rooms.createdAt), desc(rooms.id));
}

/**
 * One room of the organization for its members: the room, its app, the locked manifest's settings,
 * counts, where its status may go next and whether the actor may manage it.
 */
export async function getRoom(db: Database, actor: Actor, input: z.input<typeof roomRefInput>) {
  const { organizationId, roomId } = roomRefInput.parse(input);
  const authorized = await authorize(db, actor, organizationId, 'organization:view');
  const room = await findRoom(db, organizationId, roomId);
  const [[app], manifest, participantsNow] = await Promise.all([
    db
      .select({ name: apps.name, manifestVersion: apps.manifestVersion })
      .from(apps)
      .where(eq(apps.appId, room.appId)),
    lockedManifest(db, room).catch(() => null),
    countParticipants(db, room.id),
  ]);
  return {
    room,
    app: { appId: room.appId, name: app?.name ?? room.appId, currentVersion: app?.manifestVersion ?? null },
    manifest,
    participantCount: participantsNow,
    nextStatuses: ROOM_TRANSITIONS[room.status],
    canManage: canManageRoom(authorized, room, actor.userId),
  };
}

/** A display name that never shows an email: the name, else first + last, else a neutral label. */
export const displayNameSql = sql<string>`COALESCE(NULLIF(btrim(${users.name}), ''),
  NULLIF(btrim(concat_ws(' ', ${users.firstName}, ${users.lastName})), ''), 'A participant')`;

/**
 * The room page `/rooms/:id` for a signed-in user: a public room for anyone; a private one only for its
 * organization's members and its participants (anyone else: 404). Prizes with what is left, active
 * winners by display name (never emails), and whether the user has joined or may join.
 */
export async function getRoomPage(db: Database, userId: string, roomId: string) {
  if (!roomId || roomId.length > 100) throw new NotFound(ROOM_NOT_FOUND);
  const [room] = await db
    .select()
    .from(rooms)
    .where(and(eq(rooms.id, roomId), isNull(rooms.deletedAt)));
  if (!room) throw new NotFound(ROOM_NOT_FOUND);
  const [[membership], [mine]] = await Promise.all([
    db
      .select({ role: organizationMembers.role })
      .from(organizationMembers)
      .where(
        and(
          eq(organizationMembers.organizationId, room.organizationId),
          eq(organizationMembers.userId, userId),
        ),
      ),
    db
      .select({ id: participants.id, role: participants.role })
      .from(participants)
      .where(
        and(
          eq(participants.roomId, room.id),
          eq(participants.userId, userId),
          isNull(participants.deletedAt),
        ),
      ),
  ]);
  if (!room.isPublic && !membership && !mine) throw new NotFound(ROOM_NOT_FOUND);
  const [prizeRows, winnerRows, participantsNow, [app]] = await Promise.all([
    db
      .select({
        id: prizes.id,
        name: prizes.name,
        description: prizes.description,
        quantity: prizes.quantity,
        awarded: sql<number>`(SELECT count(*)::int FROM winners w
          WHERE w.prize_id = prizes.id AND w.deleted_at IS NULL)`,
      })
      .from(prizes)
      .where(and(eq(prizes.roomId, room.id), isNull(prizes.deletedAt)))
      .orderBy(asc(prizes.createdAt), asc(prizes.id)),
    db
      .select({
        id: winners.id,
        prizeId: winners.prizeId,
        participantId: winners.participantId,
        displayName: displayNameSql,
        createdAt: winners.createdAt,
      })
      .from(winners)
      .innerJoin(participants, eq(participants.id, winners.participantId))
      .innerJoin(users, eq(users.id, participants.userId))
      .where(and(eq(winners.roomId, room.id), isNull(winners.deletedAt)))
      .orderBy(asc(winners.createdAt), asc(winners.id)),
    countParticipants(db, room.id),
    db.select({ name: apps.name }).from(apps).where(eq(apps.appId, room.appId)),
  ]);
  const full = room.maxParticipants !== null && participantsNow >= room.maxParticipants;
  return {
    room,
    appName: app?.name ?? room.appId,
    prizes: prizeRows.map((p) => ({ ...p, remaining: Math.max(p.quantity - p.awarded, 0) })),
    winners: winnerRows,
    participantCount: participantsNow,
    myParticipantId: mine?.id ?? null,
    isMember: Boolean(membership),
    /** Why the user cannot join, or null when the Join button works. */
    joinRefusal: mine ? null : joinRefusalFor(room, full),
  };
}

export const PRIVATE_ROOM = 'This room is private: its organizer or an organization admin adds participants.';

/** Why a join is refused (seed 001: full, closed, canceled, private), or null. */
export function joinRefusalFor(
  room: Pick<Room, 'status' | 'isPublic' | 'deletedAt'>,
  full: boolean,
): string | null {
  if (room.deletedAt) return 'This room was deleted.';
  if (room.status === 'CANCELED') return 'This room was canceled.';
  if (room.status === 'COMPLETED') return 'This room is closed: the event is over.';
  if (room.status === 'DRAFT') return 'This room is not open yet.';
  if (!room.isPublic) return PRIVATE_ROOM;
  if (full) return 'This room is full.';
  return null;
}

// ---- writes -----------------------------------------------------------------------------------------

/**
 * Creates a room from an app (any member but BILLING: 'rooms:create'). The room locks the app's current
 * manifest version, and `appSettings` must fit that version's settings (defaults filled in). The actor
 * is the organizer (an API key's creator when a key is used, SPEC §2).
 */
export async function createRoom(db: Database, actor: Actor, input: z.input<typeof createRoomInput>) {
  const data = createRoomInput.parse(input);
  const startsAt = data.startsAt ?? new Date();
  const endsAt = data.endsAt ?? null;
  checkSchedule(startsAt, endsAt);
  const room = await db.transaction(async (tx) => {
    await authorize(tx, actor, data.organizationId, 'rooms:create');
    const organizer = actor.userId!; // authorize refuses an actor without a user
    // FOR SHARE: a concurrent retirement (FOR UPDATE) waits for this room, then counts it.
    const [app] = await tx
      .select()
      .from(apps)
      .where(and(eq(apps.appId, data.appId), isNull(apps.deletedAt)))
      .for('share');
    if (!app) throw new NotFound(APP_NOT_FOUND, { appId: ['No such app'] });
    const manifest = manifestSchema.safeParse(app.manifest);
    if (!manifest.success) throw new Conflict(`The app “${app.name}” has an invalid manifest.`);
    const appSettings = settingsFor(manifest.data, app.manifestVersion, data.appSettings);
    const [created] = await tx
      .insert(rooms)
      .values({
        organizationId: data.organizationId,
        appId: app.appId,
        appManifestVersion: app.manifestVersion,
        createdBy: organizer,
        name: data.name,
        description: data.description || null,
        isPublic: data.isPublic,
        maxParticipants: data.maxParticipants ?? null,
        appSettings,
        startsAt,
        endsAt,
      })
      .returning();
    if (!created) throw new Error('room insert returned nothing');
    await recordAudit(tx, actor, {
      organizationId: data.organizationId,
      action: 'room.created',
      entityType: 'room',
      entityId: created.id,
      newValues: {
        name: created.name,
        appId: created.appId,
        appManifestVersion: created.appManifestVersion,
        isPublic: created.isPublic,
        maxParticipants: created.maxParticipants,
      },
    });
    return created;
  });
  return room;
}

type Changes = Partial<
  Pick<
    Room,
    'name' | 'description' | 'isPublic' | 'maxParticipants' | 'appSettings' | 'startsAt' | 'endsAt' | 'status'
  >
>;

const auditable = (room: Changes) => ({
  ...room,
  startsAt: room.startsAt?.toISOString(),
  endsAt: room.endsAt === null ? null : room.endsAt?.toISOString(),
});

/**
 * Changes a room (its organizer, or OWNER/ADMIN): name, description, public or private, the participant
 * limit (never below who joined), the schedule, the app settings (against the locked manifest version),
 * and `status` along its life cycle. A completed or canceled room no longer changes.
 */
export async function updateRoom(db: Database, actor: Actor, input: z.input<typeof updateRoomInput>) {
  const { organizationId, roomId, ...data } = updateRoomInput.parse(input);
  const result = await db.transaction(async (tx) => {
    // The row lock serializes with joins counting against max_participants.
    const { room } = await authorizeRoom(tx, actor, organizationId, roomId, 'no key update');
    if (isClosed(room.status)) {
      // The only change a closed room could see is a status change, which its life cycle refuses.
      throw new Conflict(
        data.status
          ? transitionRefusal(room.status, data.status)
          : `The room is ${STATUS_WORDS[room.status]}: it can no longer be changed.`,
      );
    }
    if (data.status && !canTransition(room.status, data.status))
      throw new Conflict(transitionRefusal(room.status, data.status));

    const changes: Changes = {};
    if (data.name !== undefined) changes.name = data.name;
    if (data.description !== undefined) changes.description = data.description || null;
    if (data.isPublic !== undefined) changes.isPublic = data.isPublic;
    if (data.maxParticipants !== undefined) {
      if (data.maxParticipants !== null) {
        const joined = await countParticipants(tx, room.id);
        if (joined > data.maxParticipants)
          throw new Conflict(
            `${joined} participants have already joined: the limit cannot be lower than that.`,
            { maxParticipants: [`At least ${joined}`] },
          );
      }
      changes.maxParticipants = data.maxParticipants;
    }
    if (data.startsAt !== undefined) changes.startsAt = data.startsAt;
    if (data.endsAt !== undefined) changes.endsAt = data.endsAt;
    checkSchedule(
      changes.startsAt ?? room.startsAt,
      changes.endsAt === undefined ? room.endsAt : changes.endsAt,
    );
    if (data.appSettings !== undefined) {
      const manifest = await lockedManifest(tx, room);
      changes.appSettings = settingsFor(manifest, room.appManifestVersion, data.appSettings);
    }
    if (data.status !== undefined) changes.status = data.status;

    const [updated] = await tx.update(rooms).set(changes).where(eq(rooms.id, room.id)).returning();
    const { status, ...fields } = changes;
    const before: Changes = Object.fromEntries(
      Object.keys(fields).map((k) => [k, room[k as keyof Changes]]),
    ) as Changes;
    if (Object.keys(fields).length > 0)
      await recordAudit(tx, actor, {
        organizationId,
        action: 'room.updated',
        entityType: 'room',
        entityId: room.id,
        oldValues: auditable(before),
        newValues: { name: updated!.name, ...auditable(fields) },
      });
    if (status !== undefined)
      await recordAudit(tx, actor, {
        organizationId,
        action: 'room.status_changed',
        entityType: 'room',
        entityId: room.id,
        oldValues: { status: room.status, name: room.name },
        newValues: { status, name: updated!.name },
      });
    return updated!;
  });
  await notifyRoom(db, result.id, 'room');
  return result;
}

export const roomStatusInput = roomRefInput.extend({ status: z.enum(ROOM_STATUSES) });

/** Moves a room along its life cycle (the page's Open / Complete / Cancel buttons). */
export function changeRoomStatus(db: Database, actor: Actor, input: z.input<typeof roomStatusInput>) {
  const { organizationId, roomId, status } = roomStatusInput.parse(input);
  return updateRoom(db, actor, { organizationId, roomId, status });
}

/** Soft-deletes a room (its organizer, or OWNER/ADMIN); its participants, prizes and winners are kept. */
export async function deleteRoom(db: Database, actor: Actor, input: z.input<typeof roomRefInput>) {
  const { organizationId, roomId } = roomRefInput.parse(input);
  const deleted = await db.transaction(async (tx) => {
    const { room } = await authorizeRoom(tx, actor, organizationId, roomId, 'no key update');
    const [row] = await tx
      .update(rooms)
      .set({ deletedAt: new Date() })
      .where(eq(rooms.id, room.id))
      .returning();
    await recordAudit(tx, actor, {
      organizationId,
      action: 'room.deleted',
      entityType: 'room',
      entityId: room.id,
      oldValues: { name: room.name, status: room.status, appId: room.appId },
    });
    return row!;
  });
  await notifyRoom(db, deleted.id, 'room');
  return deleted;
}
