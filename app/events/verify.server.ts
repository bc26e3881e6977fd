// The public check of one draw (/rooms/:id/draws/:winnerId/verify, SPEC §6 "Draws" and §7): loads what a
// winner row stored ({seed, algorithm, candidate_ids}) and recomputes it on the server with the same module
// the page then runs in the visitor's browser (app/events/draw-algorithm.ts; docs/draws.md).
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { NotFound } from '~/lib/errors';
import { isStaff } from '~/support/tickets.server';
import type { Database } from '~db/client.server';
import { organizationMembers, participants, prizes, rooms, users, winners } from '~db/schema';
import { type DrawCheck, type DrawRecord, drawWinners, verifyDraw } from './draw-algorithm';

export const DRAW_NOT_FOUND = 'Draw not found';

export interface DrawVerification {
  room: { id: string; name: string };
  prize: { name: string };
  winner: { id: string; participantId: string; displayName: string; revoked: boolean };
  /** null when the winner row holds no readable draw record. */
  record: DrawRecord | null;
  /** 0-based place of this winner among the winners picked by the same draw (same prize, same seed). */
  position: number | null;
  /** How many winners that draw picked (revoked ones included). */
  batchSize: number;
  /** The viewer's own participant id in the room, so the page can point them out in the candidate list. */
  viewerParticipantId: string | null;
  serverCheck: DrawCheck;
}

/** Reads the metadata as a draw record when it has the three fields with the right types. */
function drawRecordOf(metadata: unknown): DrawRecord | null {
  if (metadata === null || typeof metadata !== 'object') return null;
  const m = metadata as Record<string, unknown>;
  if (typeof m.seed !== 'string' || typeof m.algorithm !== 'string') return null;
  if (!Array.isArray(m.candidate_ids) || !m.candidate_ids.every((c) => typeof c === 'string')) return null;
  return { seed: m.seed, algorithm: m.algorithm, candidate_ids: m.candidate_ids as string[] };
}

const sameMembers = (a: string[], b: string[]) =>
  a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');

/**
 * A public room's draws are anyone's to check; a private room's only its signed-in participants',
 * its organization's members' and staff's. Everyone else, an unknown id and a deleted room get the same
 * NotFound, so the answer does not tell which private draws exist.
 */
export async function loadDrawForVerification(
  db: Database,
  roomId: string,
  winnerId: string,
  viewerUserId?: string | null,
): Promise<DrawVerification> {
  if (!roomId || !winnerId || roomId.length > 64 || winnerId.length > 64) throw new NotFound(DRAW_NOT_FOUND);
  const [row] = await db
    .select({
      room: {
        id: rooms.id,
        name: rooms.name,
        isPublic: rooms.isPublic,
        organizationId: rooms.organizationId,
      },
      prize: { id: prizes.id, name: prizes.name },
      winner: {
        id: winners.id,
        participantId: winners.participantId,
        metadata: winners.metadata,
        deletedAt: winners.deletedAt,
      },
      user: {
        name: users.name,
        firstName: users.firstName,
        lastName: users.lastName,
        deletedAt: users.deletedAt,
      },
    })
    .from(winners)
    .innerJoin(rooms, eq(rooms.id, winners.roomId))
    .innerJoin(prizes, eq(prizes.id, winners.prizeId))
    .innerJoin(participants, eq(participants.id, winners.participantId))
    .innerJoin(users, eq(users.id, participants.userId))
    .where(and(eq(winners.id, winnerId), eq(winners.roomId, roomId), isNull(rooms.deletedAt)))
    .limit(1);
  if (!row) throw new NotFound(DRAW_NOT_FOUND);

  let viewerParticipantId: string | null = null;
  if (viewerUserId) {
    const [mine] = await db
      .select({ id: participants.id })
      .from(participants)
      .where(
        and(
          eq(participants.roomId, roomId),
          eq(participants.userId, viewerUserId),
          isNull(participants.deletedAt),
        ),
      )
      .limit(1);
    viewerParticipantId = mine?.id ?? null;
  }
  if (!row.room.isPublic && !viewerParticipantId) {
    const member =
      viewerUserId &&
      (
        await db
          .select({ id: organizationMembers.id })
          .from(organizationMembers)
          .where(
            and(
              eq(organizationMembers.organizationId, row.room.organizationId),
              eq(organizationMembers.userId, viewerUserId),
            ),
          )
          .limit(1)
      ).length > 0;
    if (!member && !(await isStaff(db, viewerUserId))) throw new NotFound(DRAW_NOT_FOUND);
  }

  const { user } = row;
  const displayName = user.deletedAt
    ? 'A deleted account'
    : user.name?.trim() ||
      [user.firstName, user.lastName].filter(Boolean).join(' ').trim() ||
      `Participant ${row.winner.participantId.slice(-6)}`;
  const base = {
    room: { id: row.room.id, name: row.room.name },
    prize: { name: row.prize.name },
    winner: {
      id: row.winner.id,
      participantId: row.winner.participantId,
      displayName,
      revoked: row.winner.deletedAt !== null,
    },
    viewerParticipantId,
  };

  const record = drawRecordOf(row.winner.metadata);
  if (!record) {
    return {
      ...base,
      record: null,
      position: null,
      batchSize: 1,
      serverCheck: { ok: false, recomputed: [], reason: 'This winner was stored without a draw record' },
    };
  }

  // The draw's batch: every winner it picked (revoked ones too) shares the prize and the seed.
  const batch = await db
    .select({ id: winners.id, participantId: winners.participantId })
    .from(winners)
    .where(and(eq(winners.prizeId, row.prize.id), sql`${winners.metadata}->>'seed' = ${record.seed}`))
    .orderBy(asc(winners.createdAt), asc(winners.id));
  const batchIds = batch.map((w) => w.participantId);
  const stored = batch.findIndex((w) => w.id === row.winner.id);

  // One transaction's rows share created_at (now() is the transaction's time), so the stored order need
  // not be the pick order: the place comes from the recomputation when the winner is among its first picks.
  let picks: string[] = [];
  try {
    picks = await drawWinners(
      record.seed,
      record.candidate_ids,
      Math.min(batch.length, record.candidate_ids.length),
    );
  } catch {
    // verifyDraw below says what is wrong with the record.
  }
  const picked = picks.indexOf(row.winner.participantId);
  const position = picked >= 0 ? picked : Math.max(stored, 0);

  let serverCheck = await verifyDraw(record, row.winner.participantId, position);
  if (serverCheck.ok && !sameMembers(batchIds, picks)) {
    serverCheck = {
      ok: false,
      recomputed: serverCheck.recomputed,
      reason: `The ${batch.length} winners stored for this draw are not its first ${batch.length} picks`,
    };
  }
  return { ...base, record, position, batchSize: batch.length, serverCheck };
}
