// Prizes (seed 001 "Prize Deletion Policy"; SPEC §5, §6): created and edited by the room's organizer (or
// an OWNER/ADMIN), quantity > 0. Deletion is ONLY a soft delete, refused while active winners exist; the
// database keeps winner history with winners.prize_id ON DELETE RESTRICT, and a foreign-key error that
// ever reaches this layer (23503, or 23001 on PGlite) is translated into the same explanation.
import { and, asc, count, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { type Actor, recordAudit } from '~/audit/audit.server';
import { Conflict, NotFound, ValidationFailed } from '~/lib/errors';
import { authorize } from '~/orgs/access.server';
import { type Database, isForeignKeyViolation } from '~db/client.server';
import { prizes, winners } from '~db/schema';
import { notifyRoom } from './live.server';
import { authorizeRoom, findRoom, isClosed, lockedManifest, type Room } from './rooms.server';

export type Prize = typeof prizes.$inferSelect;

export const PRIZE_NOT_FOUND = 'Prize not found';
export const MAX_PRIZE_QUANTITY = 10_000;

/** Seed 001's refusal (SPEC §5), word for word. */
export const prizeHasWinnersMessage = (n: number) =>
  `Cannot delete prize: ${n} winner(s) exist. Revoke winners first.`;

const idSchema = z.string().min(1).max(100);
const nameSchema = z
  .string({ required_error: 'Enter a name' })
  .trim()
  .min(1, 'Enter a name')
  .max(200, 'Use at most 200 characters');
const descriptionSchema = z.string().trim().max(5000, 'Use at most 5000 characters');
const quantitySchema = z
  .number({ required_error: 'Enter a quantity', invalid_type_error: 'Enter a whole number' })
  .int('Enter a whole number')
  .min(1, 'The quantity must be at least 1')
  .max(MAX_PRIZE_QUANTITY, `At most ${MAX_PRIZE_QUANTITY.toLocaleString('en-US')}`);
/** One of the locked manifest's `prizeTypes`, when the app declares some. */
const typeSchema = z.string().trim().min(1).max(50);

export const createPrizeBodySchema = z
  .object({
    name: nameSchema,
    description: descriptionSchema.optional(),
    quantity: quantitySchema,
    type: typeSchema.optional(),
  })
  .strict();
export const createPrizeInput = createPrizeBodySchema.extend({ organizationId: idSchema, roomId: idSchema });

const updatePrizeFields = z.object({
  name: nameSchema.optional(),
  description: descriptionSchema.nullable().optional(),
  quantity: quantitySchema.optional(),
  type: typeSchema.nullable().optional(),
});
const changesSomething = (b: z.infer<typeof updatePrizeFields>) =>
  [b.name, b.description, b.quantity, b.type].some((v) => v !== undefined);
const NOTHING_TO_CHANGE = 'Send at least one field to change';

export const updatePrizeBodySchema = updatePrizeFields.strict().refine(changesSomething, NOTHING_TO_CHANGE);
export const prizeRefInput = z.object({ organizationId: idSchema, roomId: idSchema, prizeId: idSchema });
export const updatePrizeInput = updatePrizeFields
  .merge(prizeRefInput)
  .refine(changesSomething, NOTHING_TO_CHANGE);
export const roomPrizesInput = z.object({ organizationId: idSchema, roomId: idSchema });

/** A prize as the API answers it: `awarded` active winners so far, `remaining` to draw. */
export function prizeView(prize: Prize & { awarded?: number }) {
  const awarded = Number(prize.awarded ?? 0);
  const type = (prize.metadata as { type?: unknown } | null)?.type;
  return {
    id: prize.id,
    roomId: prize.roomId,
    name: prize.name,
    description: prize.description,
    type: typeof type === 'string' ? type : null,
    quantity: prize.quantity,
    awarded,
    remaining: Math.max(prize.quantity - awarded, 0),
    createdAt: prize.createdAt.toISOString(),
    updatedAt: prize.updatedAt.toISOString(),
  };
}
export type PrizeView = ReturnType<typeof prizeView>;

/**
 * Active winners of each prize row, as a column. Written out with table names: Drizzle leaves columns
 * unqualified in a one-table select, and inside the subquery `id` would then mean the winner's id.
 */
export const awardedSql = sql<number>`(SELECT count(*)::int FROM winners w
  WHERE w.prize_id = prizes.id AND w.deleted_at IS NULL)`;

/** Active (not revoked) winners of a prize. */
export async function countActiveWinners(tx: Database, prizeId: string): Promise<number> {
  const [row] = await tx
    .select({ n: count() })
    .from(winners)
    .where(and(eq(winners.prizeId, prizeId), isNull(winners.deletedAt)));
  return Number(row?.n ?? 0);
}

/**
 * The prize of the room (not deleted), locked FOR UPDATE: draws, revocations, edits and deletion of one
 * prize run one after the other (SPEC §3: the prize's quantity is a count rule).
 */
export async function lockPrize(tx: Database, room: Pick<Room, 'id'>, prizeId: string): Promise<Prize> {
  const [prize] = await tx
    .select()
    .from(prizes)
    .where(and(eq(prizes.id, prizeId), eq(prizes.roomId, room.id), isNull(prizes.deletedAt)))
    .for('update');
  if (!prize) throw new NotFound(PRIZE_NOT_FOUND);
  return prize;
}

function closedRoom(room: Room) {
  return new Conflict(
    `The room is ${room.status === 'COMPLETED' ? 'completed' : 'canceled'}: its prizes can no longer change.`,
  );
}

async function checkType(tx: Database, room: Room, type: string) {
  const manifest = await lockedManifest(tx, room);
  const allowed = manifest.prizeTypes ?? [];
  if (!allowed.includes(type))
    throw new ValidationFailed(
      allowed.length
        ? `The prize type must be one of ${allowed.join(', ')} (version ${room.appManifestVersion} of the app).`
        : `Version ${room.appManifestVersion} of the app declares no prize types.`,
      { type: ['Unknown prize type'] },
    );
}

/** The room's prizes (deleted ones hidden) with how many are awarded, in the order they were added. */
export async function listPrizes(db: Database, actor: Actor, input: z.input<typeof roomPrizesInput>) {
  const { organizationId, roomId } = roomPrizesInput.parse(input);
  await authorize(db, actor, organizationId, 'organization:view');
  const room = await findRoom(db, organizationId, roomId);
  return db
    .select({
      ...getPrizeColumns(),
      awarded: awardedSql,
    })
    .from(prizes)
    .where(and(eq(prizes.roomId, room.id), isNull(prizes.deletedAt)))
    .orderBy(asc(prizes.createdAt), asc(prizes.id));
}

function getPrizeColumns() {
  return {
    id: prizes.id,
    roomId: prizes.roomId,
    name: prizes.name,
    description: prizes.description,
    quantity: prizes.quantity,
    metadata: prizes.metadata,
    deletedAt: prizes.deletedAt,
    createdAt: prizes.createdAt,
    updatedAt: prizes.updatedAt,
  };
}

/** Adds a prize to a room that is not over (its organizer, or OWNER/ADMIN). */
export async function createPrize(db: Database, actor: Actor, input: z.input<typeof createPrizeInput>) {
  const { organizationId, roomId, name, description, quantity, type } = createPrizeInput.parse(input);
  const prize = await db.transaction(async (tx) => {
    const { room } = await authorizeRoom(tx, actor, organizationId, roomId);
    if (isClosed(room.status)) throw closedRoom(room);
    if (type !== undefined) await checkType(tx, room, type);
    const [created] = await tx
      .insert(prizes)
      .values({
        roomId: room.id,
        name,
        description: description || null,
        quantity,
        metadata: type !== undefined ? { type } : null,
      })
      .returning();
    if (!created) throw new Error('prize insert returned nothing');
    await recordAudit(tx, actor, {
      organizationId,
      action: 'prize.created',
      entityType: 'prize',
      entityId: created.id,
      newValues: { roomId: room.id, roomName: room.name, name, quantity, type: type ?? null },
    });
    return created;
  });
  await notifyRoom(db, prize.roomId, 'room');
  return { ...prize, awarded: 0 };
}

/** Edits a prize; its quantity never drops below the winners already drawn. */
export async function updatePrize(db: Database, actor: Actor, input: z.input<typeof updatePrizeInput>) {
  const { organizationId, roomId, prizeId, name, description, quantity, type } =
    updatePrizeInput.parse(input);
  const result = await db.transaction(async (tx) => {
    const { room } = await authorizeRoom(tx, actor, organizationId, roomId);
    if (isClosed(room.status)) throw closedRoom(room);
    const prize = await lockPrize(tx, room, prizeId);
    const awarded = await countActiveWinners(tx, prize.id);
    if (quantity !== undefined && quantity < awarded)
      throw new Conflict(
        `${awarded} winner(s) have been drawn for this prize: the quantity cannot be lower.`,
        {
          quantity: [`At least ${awarded}`],
        },
      );
    if (type) await checkType(tx, room, type);
    const changes: Partial<Prize> = {};
    if (name !== undefined) changes.name = name;
    if (description !== undefined) changes.description = description || null;
    if (quantity !== undefined) changes.quantity = quantity;
    if (type !== undefined)
      changes.metadata = { ...((prize.metadata as Record<string, unknown> | null) ?? {}), type: type };
    const [updated] = await tx.update(prizes).set(changes).where(eq(prizes.id, prize.id)).returning();
    await recordAudit(tx, actor, {
      organizationId,
      action: 'prize.updated',
      entityType: 'prize',
      entityId: prize.id,
      oldValues: { name: prize.name, description: prize.description, quantity: prize.quantity },
      newValues: { name: updated!.name, description: updated!.description, quantity: updated!.quantity },
    });
    return { ...updated!, awarded };
  });
  await notifyRoom(db, result.roomId, 'room');
  return result;
}

/**
 * The last line of defence (SPEC §5): a foreign-key error on a prize (its hard deletion refused by
 * winners.prize_id RESTRICT) becomes seed 001's explanation instead of a 500. The count is of every
 * winner row the key protects.
 */
export async function explainPrizeForeignKeyError(
  db: Database,
  prizeId: string,
  err: unknown,
): Promise<unknown> {
  if (!isForeignKeyViolation(err)) return err;
  const [row] = await db.select({ n: count() }).from(winners).where(eq(winners.prizeId, prizeId));
  return new Conflict(prizeHasWinnersMessage(Math.max(Number(row?.n ?? 0), 1)));
}

/**
 * Deletes a prize: a soft delete (seed 001), refused while it has active winners with seed 001's message.
 * The prize row lock makes a concurrent draw wait, so no winner appears between the count and the delete.
 */
export async function deletePrize(db: Database, actor: Actor, input: z.input<typeof prizeRefInput>) {
  const { organizationId, roomId, prizeId } = prizeRefInput.parse(input);
  let deleted: Prize;
  try {
    deleted = await db.transaction(async (tx) => {
      const { room } = await authorizeRoom(tx, actor, organizationId, roomId);
      const prize = await lockPrize(tx, room, prizeId);
      const awarded = await countActiveWinners(tx, prize.id);
      if (awarded > 0) throw new Conflict(prizeHasWinnersMessage(awarded));
      const [row] = await tx
        .update(prizes)
        .set({ deletedAt: new Date() })
        .where(eq(prizes.id, prize.id))
        .returning();
      await recordAudit(tx, actor, {
        organizationId,
        action: 'prize.deleted',
        entityType: 'prize',
        entityId: prize.id,
        oldValues: { roomId: room.id, roomName: room.name, name: prize.name, quantity: prize.quantity },
      });
      return row!;
    });
  } catch (err) {
    throw await explainPrizeForeignKeyError(db, prizeId, err);
  }
  await notifyRoom(db, deleted.roomId, 'room');
  return deleted;
}
