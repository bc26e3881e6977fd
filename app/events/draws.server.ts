// Draws (SPEC §6 "Draws"; seed 001): fair, reproducible winner selection for a prize. One transaction locks
// the prize row (SELECT … FOR UPDATE), refuses once active winners equal the quantity, takes the room's
// active PARTICIPANT entrants who have not already won this prize, ordered by id, and picks with the
// seeded generator of app/events/draw-algorithm.ts (docs/draws.md). Each winner stores
// {seed, algorithm, candidate_ids}, so anyone can recompute the draw (/rooms/:id/draws/:winnerId/verify).
// Revoking a winner is a soft delete and frees its slot. Two organizers drawing at once wait for each
// other on the prize lock, so the quantity is never exceeded.
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { type Actor, recordAudit } from '~/audit/audit.server';
import { Conflict, NotFound } from '~/lib/errors';
import { authorize } from '~/orgs/access.server';
import type { Database } from '~db/client.server';
import { participants, prizes, users, winners } from '~db/schema';
import { DRAW_ALGORITHM, type DrawRecord, newDrawSeed, drawWinners as pickWinners } from './draw-algorithm';
import { notifyRoom } from './live.server';
import { countActiveWinners, lockPrize } from './prizes.server';
import { authorizeRoom, displayNameSql, findRoom } from './rooms.server';

export type Winner = typeof winners.$inferSelect;

export const WINNER_NOT_FOUND = 'Winner not found';

const idSchema = z.string().min(1).max(100);

export const drawBodySchema = z
  .object({
    count: z
      .number({ invalid_type_error: 'Enter a whole number' })
      .int('Enter a whole number')
      .min(1, 'Draw at least 1 winner')
      .max(10_000, 'At most 10,000 at once')
      .optional(),
  })
  .strict();
export const drawInput = drawBodySchema.extend({
  organizationId: idSchema,
  roomId: idSchema,
  prizeId: idSchema,
});
export const winnerRefInput = z.object({ organizationId: idSchema, roomId: idSchema, winnerId: idSchema });
export const roomWinnersInput = z.object({ organizationId: idSchema, roomId: idSchema });

/** The stored draw record of a winner, if it has one (winners added another way have none). */
export function drawRecordOf(metadata: unknown): DrawRecord | null {
  const m = metadata as Partial<DrawRecord> | null;
  if (!m || typeof m.seed !== 'string' || typeof m.algorithm !== 'string' || !Array.isArray(m.candidate_ids))
    return null;
  return { seed: m.seed, algorithm: m.algorithm, candidate_ids: m.candidate_ids };
}

/** A winner as the API answers it: the draw record in camelCase. */
export function winnerView(
  w: Pick<Winner, 'id' | 'roomId' | 'prizeId' | 'participantId' | 'metadata' | 'createdAt'> & {
    userId: string;
    displayName?: string | null;
  },
) {
  const record = drawRecordOf(w.metadata);
  return {
    id: w.id,
    roomId: w.roomId,
    prizeId: w.prizeId,
    participantId: w.participantId,
    userId: w.userId,
    ...(w.displayName !== undefined ? { displayName: w.displayName } : {}),
    metadata: record
      ? { seed: record.seed, algorithm: record.algorithm, candidateIds: record.candidate_ids }
      : null,
    drawnAt: w.createdAt.toISOString(),
  };
}
export type WinnerView = ReturnType<typeof winnerView>;

/**
 * The room's active PARTICIPANT entrants who are not an active winner of this prize, by id in plain
 * string order (UTF-16 code units: the order the algorithm checks and every reimplementation sorts by).
 */
async function candidatesFor(tx: Database, roomId: string, prizeId: string): Promise<string[]> {
  const rows = await tx
    .select({ id: participants.id })
    .from(participants)
    .where(
      and(
        eq(participants.roomId, roomId),
        eq(participants.role, 'PARTICIPANT'),
        isNull(participants.deletedAt),
        // Table names written out: Drizzle leaves a one-table select's columns unqualified.
        sql`NOT EXISTS (SELECT 1 FROM winners w
          WHERE w.prize_id = ${prizeId} AND w.participant_id = participants.id AND w.deleted_at IS NULL)`,
      ),
    )
    .orderBy(sql`${participants.id} COLLATE "C"`);
  // ASCII ids sort the same in "C" and in JavaScript; sorting again makes that a guarantee.
  return rows.map((r) => r.id).sort();
}

/**
 * Draws winners for a prize (the room's organizer, or OWNER/ADMIN). `count` defaults to what is left of
 * the quantity and is capped by the candidates; asking for more than is left, drawing an exhausted prize,
 * or a room without eligible entrants is a Conflict. The room must be active or completed.
 */
export async function drawWinners(db: Database, actor: Actor, input: z.input<typeof drawInput>) {
  const { organizationId, roomId, prizeId, count } = drawInput.parse(input);
  const drawn = await db.transaction(async (tx) => {
    const { room } = await authorizeRoom(tx, actor, organizationId, roomId);
    if (room.status === 'DRAFT')
      throw new Conflict('This room is not open yet: open it before drawing winners.');
    if (room.status === 'CANCELED') throw new Conflict('This room was canceled: no winners can be drawn.');
    // The lock first: every count below is read after any other draw of this prize has committed.
    const prize = await lockPrize(tx, room, prizeId);
    const awarded = await countActiveWinners(tx, prize.id);
    const remaining = prize.quantity - awarded;
    if (remaining <= 0)
      throw new Conflict(
        `All ${prize.quantity} of “${prize.name}” have been drawn. Revoke a winner to draw again.`,
      );
    if (count !== undefined && count > remaining)
      throw new Conflict(
        `Only ${remaining} of “${prize.name}” ${remaining === 1 ? 'is' : 'are'} left to draw.`,
      );
    const candidateIds = await candidatesFor(tx, room.id, prize.id);
    if (candidateIds.length === 0)
      throw new Conflict('No one can win this prize: the room has no participants who have not won it.');
    const n = Math.min(count ?? remaining, candidateIds.length);
    const seed = newDrawSeed();
    const picked = await pickWinners(seed, candidateIds, n);
    const metadata: DrawRecord = { seed, algorithm: DRAW_ALGORITHM, candidate_ids: candidateIds };
    const rows = await tx
      .insert(winners)
      .values(
        picked.map((participantId) => ({ roomId: room.id, prizeId: prize.id, participantId, metadata })),
      )
      .returning();
    // In pick order (one INSERT's RETURNING follows its VALUES, but say so rather than rely on it).
    const byParticipant = new Map(rows.map((r) => [r.participantId, r]));
    const ordered = picked.map((id) => byParticipant.get(id)!);
    const users_ = await tx
      .select({ id: participants.id, userId: participants.userId })
      .from(participants)
      .where(inArray(participants.id, picked));
    const userOf = new Map(users_.map((u) => [u.id, u.userId]));
    await recordAudit(tx, actor, {
      organizationId,
      action: 'draw.performed',
      entityType: 'prize',
      entityId: prize.id,
      newValues: {
        roomId: room.id,
        prizeName: prize.name,
        winners: ordered.map((w) => w.id),
        participantIds: picked,
        count: picked.length,
      },
      metadata: { seed, algorithm: DRAW_ALGORITHM, candidates: candidateIds.length },
    });
    return ordered.map((w) => ({ ...w, userId: userOf.get(w.participantId)! }));
  });
  await notifyRoom(db, roomId, 'winners');
  return drawn;
}

/** Revokes a winner (soft delete), which frees the prize's slot for another draw. */
export async function revokeWinner(db: Database, actor: Actor, input: z.input<typeof winnerRefInput>) {
  const { organizationId, roomId, winnerId } = winnerRefInput.parse(input);
  const revoked = await db.transaction(async (tx) => {
    const { room } = await authorizeRoom(tx, actor, organizationId, roomId);
    const [found] = await tx
      .select({ prizeId: winners.prizeId })
      .from(winners)
      .where(and(eq(winners.id, winnerId), eq(winners.roomId, room.id), isNull(winners.deletedAt)));
    if (!found) throw new NotFound(WINNER_NOT_FOUND);
    // The prize's lock, like a draw, so a revocation and a draw of the same prize do not interleave.
    await tx.select({ id: prizes.id }).from(prizes).where(eq(prizes.id, found.prizeId)).for('update');
    const [row] = await tx
      .update(winners)
      .set({ deletedAt: new Date() })
      .where(and(eq(winners.id, winnerId), isNull(winners.deletedAt)))
      .returning();
    if (!row) throw new NotFound(WINNER_NOT_FOUND);
    const [who] = await tx
      .select({ userId: participants.userId })
      .from(participants)
      .where(eq(participants.id, row.participantId));
    await recordAudit(tx, actor, {
      organizationId,
      action: 'winner.revoked',
      entityType: 'winner',
      entityId: row.id,
      oldValues: {
        roomId: room.id,
        prizeId: row.prizeId,
        participantId: row.participantId,
        userId: who?.userId,
      },
    });
    return row;
  });
  await notifyRoom(db, revoked.roomId, 'winners');
  return revoked;
}

/** The room's active winners (organization members), in the order they were drawn. */
export async function listWinners(db: Database, actor: Actor, input: z.input<typeof roomWinnersInput>) {
  const { organizationId, roomId } = roomWinnersInput.parse(input);
  await authorize(db, actor, organizationId, 'organization:view');
  const room = await findRoom(db, organizationId, roomId);
  return db
    .select({
      id: winners.id,
      roomId: winners.roomId,
      prizeId: winners.prizeId,
      prizeName: prizes.name,
      participantId: winners.participantId,
      userId: participants.userId,
      displayName: displayNameSql,
      metadata: winners.metadata,
      createdAt: winners.createdAt,
    })
    .from(winners)
    .innerJoin(prizes, eq(prizes.id, winners.prizeId))
    .innerJoin(participants, eq(participants.id, winners.participantId))
    .innerJoin(users, eq(users.id, participants.userId))
    .where(and(eq(winners.roomId, room.id), isNull(winners.deletedAt)))
    .orderBy(asc(winners.createdAt), asc(winners.id));
}
