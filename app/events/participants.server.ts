// Participants (seed 001; SPEC §2, §3, §6). Any signed-in user joins a public ACTIVE room as a
// PARTICIPANT; into a private room only its organizer or an organization OWNER/ADMIN adds someone (an
// existing user, by id or email, with any participant_role). Leaving is a soft delete, and the partial
// unique index (room_id, user_id) WHERE deleted_at IS NULL lets a user who left join again.
// max_participants is counted under the room row's lock (SPEC §3), so two joins never take the last place twice.
import { and, asc, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { type Actor, recordAudit } from '~/audit/audit.server';
import { Conflict, Forbidden, NotFound } from '~/lib/errors';
import { authorize } from '~/orgs/access.server';
import { type Database, isUniqueViolation } from '~db/client.server';
import { organizationMembers, PARTICIPANT_ROLES, participants, rooms, users } from '~db/schema';
import { notifyRoom } from './live.server';
import {
  authorizeRoom,
  countParticipants,
  findRoom,
  isClosed,
  joinRefusalFor,
  PRIVATE_ROOM,
  ROOM_NOT_FOUND,
  type Room,
} from './rooms.server';

export type Participant = typeof participants.$inferSelect;
export type ParticipantRole = (typeof PARTICIPANT_ROLES)[number];

export const PARTICIPANT_NOT_FOUND = 'Participant not found';
export const ROOM_DELETED = 'This room was deleted.';

const idSchema = z.string().min(1).max(100);

export const participantRoleSchema = z.enum(PARTICIPANT_ROLES, {
  errorMap: () => ({ message: `One of ${PARTICIPANT_ROLES.join(', ')}` }),
});

const addParticipantFields = z.object({
  userId: idSchema.optional(),
  email: z.string().trim().toLowerCase().email('Enter an email address').max(254).optional(),
  role: participantRoleSchema.optional(),
});
const eitherUserOrEmail = (b: { userId?: string; email?: string }) =>
  (b.userId === undefined) !== (b.email === undefined);
const EITHER = { message: 'Send either userId or email', path: ['userId'] };

/** Who to add: `{userId}` or `{email}` of an existing user, and optionally a role (default PARTICIPANT). */
export const addParticipantBodySchema = addParticipantFields.strict().refine(eitherUserOrEmail, EITHER);

export const addParticipantInput = addParticipantFields
  .extend({ organizationId: idSchema, roomId: idSchema })
  .refine(eitherUserOrEmail, EITHER);
export const joinRoomInput = z.object({ roomId: idSchema });
export const participantRefInput = z.object({
  organizationId: idSchema,
  roomId: idSchema,
  participantId: idSchema,
});
export const roomParticipantsInput = z.object({ organizationId: idSchema, roomId: idSchema });

/** A participant as the API answers it. */
export function participantView(p: Participant & { name?: string | null; email?: string | null }) {
  return {
    id: p.id,
    roomId: p.roomId,
    userId: p.userId,
    name: p.name ?? null,
    email: p.email ?? null,
    role: p.role,
    joinedAt: p.createdAt.toISOString(),
  };
}
export type ParticipantView = ReturnType<typeof participantView>;

function fullMessage(room: Pick<Room, 'maxParticipants'>) {
  return `This room is full: all ${room.maxParticipants} places are taken.`;
}

async function activeParticipation(tx: Database, roomId: string, userId: string) {
  const [row] = await tx
    .select()
    .from(participants)
    .where(
      and(eq(participants.roomId, roomId), eq(participants.userId, userId), isNull(participants.deletedAt)),
    );
  return row;
}

/** The place check under the room lock: refuses when max_participants are active already. */
async function assertRoomForNewcomer(tx: Database, room: Room) {
  if (room.maxParticipants !== null && (await countParticipants(tx, room.id)) >= room.maxParticipants)
    throw new Conflict(fullMessage(room));
}

async function insertParticipant(
  tx: Database,
  values: { roomId: string; userId: string; role: ParticipantRole },
  alreadyJoined: string,
) {
  try {
    // A savepoint, so a unique violation (a concurrent join of the same user) leaves the transaction usable.
    return await tx.transaction(async (sp) => {
      const [row] = await sp.insert(participants).values(values).returning();
      if (!row) throw new Error('participant insert returned nothing');
      return row;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new Conflict(alreadyJoined);
    throw err;
  }
}

/**
 * The signed-in user joins a public, ACTIVE room as a PARTICIPANT. Refused with the reason when the room
 * was deleted (404), is a draft, closed, canceled, private (403) or full, or the user is in it already.
 * A private room of an organization the user is not in is simply not found.
 */
export async function joinRoom(db: Database, actor: Actor, input: z.input<typeof joinRoomInput>) {
  const { roomId } = joinRoomInput.parse(input);
  const userId = actor.userId;
  if (!userId) throw new Forbidden('Sign in to join a room.');
  const joined = await db.transaction(async (tx) => {
    const [room] = await tx.select().from(rooms).where(eq(rooms.id, roomId)).for('no key update');
    if (!room) throw new NotFound(ROOM_NOT_FOUND);
    if (!room.isPublic) {
      const [member] = await tx
        .select({ id: organizationMembers.id })
        .from(organizationMembers)
        .where(
          and(
            eq(organizationMembers.organizationId, room.organizationId),
            eq(organizationMembers.userId, userId),
          ),
        );
      const mine = await activeParticipation(tx, room.id, userId);
      // Outsiders do not learn that a private room exists.
      if (!member && !mine) throw new NotFound(ROOM_NOT_FOUND);
    }
    if (room.deletedAt) throw new NotFound(ROOM_DELETED);
    if (await activeParticipation(tx, room.id, userId))
      throw new Conflict('You have already joined this room.');
    const refusal = joinRefusalFor(room, false);
    if (refusal) throw refusal === PRIVATE_ROOM ? new Forbidden(refusal) : new Conflict(refusal);
    await assertRoomForNewcomer(tx, room);
    const participant = await insertParticipant(
      tx,
      { roomId: room.id, userId, role: 'PARTICIPANT' },
      'You have already joined this room.',
    );
    await recordAudit(tx, actor, {
      organizationId: room.organizationId,
      action: 'participant.joined',
      entityType: 'participant',
      entityId: participant.id,
      newValues: { roomId: room.id, roomName: room.name, userId, role: participant.role },
    });
    return participant;
  });
  await notifyRoom(db, joined.roomId, 'participants');
  return joined;
}

/** The signed-in user leaves the room (soft delete); they may join again later. */
export async function leaveRoom(db: Database, actor: Actor, input: z.input<typeof joinRoomInput>) {
  const { roomId } = joinRoomInput.parse(input);
  const userId = actor.userId;
  if (!userId) throw new Forbidden('Sign in to leave a room.');
  const left = await db.transaction(async (tx) => {
    const [row] = await tx
      .select({ participant: participants, room: { name: rooms.name, organizationId: rooms.organizationId } })
      .from(participants)
      .innerJoin(rooms, eq(rooms.id, participants.roomId))
      .where(
        and(
          eq(participants.roomId, roomId),
          eq(participants.userId, userId),
          isNull(participants.deletedAt),
          isNull(rooms.deletedAt),
        ),
      )
      .for('update', { of: participants });
    if (!row) throw new NotFound('You have not joined this room.');
    const [updated] = await tx
      .update(participants)
      .set({ deletedAt: new Date() })
      .where(eq(participants.id, row.participant.id))
      .returning();
    await recordAudit(tx, actor, {
      organizationId: row.room.organizationId,
      action: 'participant.left',
      entityType: 'participant',
      entityId: row.participant.id,
      oldValues: { roomId, roomName: row.room.name, userId, role: row.participant.role },
    });
    return updated!;
  });
  await notifyRoom(db, left.roomId, 'participants');
  return left;
}

/**
 * The organizer (or an OWNER/ADMIN) adds an existing user to a room of the organization, public or
 * private, while it is a draft or active; by user id or email, with a role (default PARTICIPANT).
 */
export async function addParticipant(db: Database, actor: Actor, input: z.input<typeof addParticipantInput>) {
  const { organizationId, roomId, userId, email, role } = addParticipantInput.parse(input);
  const added = await db.transaction(async (tx) => {
    const { room } = await authorizeRoom(tx, actor, organizationId, roomId, 'no key update');
    if (isClosed(room.status)) throw new Conflict(joinRefusalFor(room, false)!);
    const [user] = await tx
      .select({ id: users.id, name: users.name, email: users.email })
      .from(users)
      .where(
        and(
          userId ? eq(users.id, userId) : eq(users.email, email!),
          isNull(users.deletedAt),
          eq(users.status, 'ACTIVE'),
        ),
      );
    if (!user)
      throw new NotFound(
        userId ? 'User not found' : 'No user has that email address: they need an account first.',
        userId ? { userId: ['No such user'] } : { email: ['No user has this email'] },
      );
    const who = user.name || user.email;
    if (await activeParticipation(tx, room.id, user.id))
      throw new Conflict(`${who} has already joined this room.`);
    await assertRoomForNewcomer(tx, room);
    const participant = await insertParticipant(
      tx,
      { roomId: room.id, userId: user.id, role: role ?? 'PARTICIPANT' },
      `${who} has already joined this room.`,
    );
    await recordAudit(tx, actor, {
      organizationId,
      action: 'participant.added',
      entityType: 'participant',
      entityId: participant.id,
      newValues: { roomId: room.id, roomName: room.name, userId: user.id, role: participant.role },
    });
    return { ...participant, name: user.name, email: user.email };
  });
  await notifyRoom(db, added.roomId, 'participants');
  return added;
}

/** The organizer (or an OWNER/ADMIN) removes a participant (soft delete). Their wins are kept. */
export async function removeParticipant(
  db: Database,
  actor: Actor,
  input: z.input<typeof participantRefInput>,
) {
  const { organizationId, roomId, participantId } = participantRefInput.parse(input);
  const removed = await db.transaction(async (tx) => {
    const { room } = await authorizeRoom(tx, actor, organizationId, roomId);
    const [participant] = await tx
      .select()
      .from(participants)
      .where(
        and(
          eq(participants.id, participantId),
          eq(participants.roomId, room.id),
          isNull(participants.deletedAt),
        ),
      )
      .for('update');
    if (!participant) throw new NotFound(PARTICIPANT_NOT_FOUND);
    const [updated] = await tx
      .update(participants)
      .set({ deletedAt: new Date() })
      .where(eq(participants.id, participant.id))
      .returning();
    await recordAudit(tx, actor, {
      organizationId,
      action: 'participant.removed',
      entityType: 'participant',
      entityId: participant.id,
      oldValues: { roomId: room.id, roomName: room.name, userId: participant.userId, role: participant.role },
    });
    return updated!;
  });
  await notifyRoom(db, removed.roomId, 'participants');
  return removed;
}

/** The room's active participants (organization members who may view it), in the order they joined. */
export async function listParticipants(
  db: Database,
  actor: Actor,
  input: z.input<typeof roomParticipantsInput>,
) {
  const { organizationId, roomId } = roomParticipantsInput.parse(input);
  await authorize(db, actor, organizationId, 'organization:view');
  const room = await findRoom(db, organizationId, roomId);
  return db
    .select({
      id: participants.id,
      roomId: participants.roomId,
      userId: participants.userId,
      role: participants.role,
      metadata: participants.metadata,
      deletedAt: participants.deletedAt,
      createdAt: participants.createdAt,
      updatedAt: participants.updatedAt,
      name: users.name,
      email: users.email,
    })
    .from(participants)
    .innerJoin(users, eq(users.id, participants.userId))
    .where(and(eq(participants.roomId, room.id), isNull(participants.deletedAt)))
    .orderBy(asc(participants.createdAt), asc(participants.id));
}
