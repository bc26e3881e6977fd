// Draws (issue 12 §5; SPEC §6 "Draws"): candidates are the room's active PARTICIPANT entrants not already
// winning the prize, by id; the stored {seed, algorithm, candidate_ids} recomputes to the same winners (and
// the public verification agrees); the count defaults to what is left; exhausted prizes are refused;
// revoking frees the slot; two draws at once never exceed the quantity (prize row lock).
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conflict, Forbidden, NotFound } from '~/lib/errors';
import { addMember, createUser } from '~/orgs/test-support';
import { type Connection, connectPostgres } from '~db/client.server';
import { auditLogs, winners } from '~db/schema';
import { itConcurrent, useTestDatabase } from '../../tests/support/db';
import { DRAW_ALGORITHM, drawWinners as recompute } from './draw-algorithm';
import { drawWinners, listWinners, revokeWinner, winnerView } from './draws.server';
import { joinRoom, leaveRoom } from './participants.server';
import { changeRoomStatus } from './rooms.server';
import { addPeople, eventOrg, samplePrize, sampleRoom } from './test-support';
import { loadDrawForVerification } from './verify.server';

const t = useTestDatabase();

const activeWinners = async (prizeId: string) =>
  (await t.db.select().from(winners).where(eq(winners.prizeId, prizeId))).filter((w) => !w.deletedAt);

async function setUp(entrants: number, quantity: number, roomOptions: Parameters<typeof sampleRoom>[2] = {}) {
  const org = await eventOrg(t.db);
  const room = await sampleRoom(t.db, org, roomOptions);
  const people = await addPeople(t.db, org, room.id, entrants);
  const prize = await samplePrize(t.db, org, room.id, quantity);
  return {
    org,
    room,
    people,
    prize,
    ref: { organizationId: org.organization.id, roomId: room.id, prizeId: prize.id },
  };
}

describe('drawing winners', () => {
  it('draws what is left of the quantity among the PARTICIPANT entrants, storing a reproducible record', async () => {
    const { org, room, people, prize, ref } = await setUp(6, 3);
    // A viewer, a moderator and someone who left are not candidates.
    await addPeople(t.db, org, room.id, 1, 'VIEWER');
    await addPeople(t.db, org, room.id, 1, 'MODERATOR');
    const leaver = people.pop()!;
    await leaveRoom(t.db, leaver.user.actor, { roomId: room.id });

    const drawn = await drawWinners(t.db, org.member.actor, ref).catch((e) => e);
    expect(drawn).toBeInstanceOf(Forbidden); // the owner organizes this room; a MEMBER may not draw in it
    const result = await drawWinners(t.db, org.owner.actor, ref);
    expect(result).toHaveLength(3);
    const expectedCandidates = people.map((p) => p.participant.id).sort();
    for (const w of result) {
      expect(w.metadata).toEqual({
        seed: expect.stringMatching(/^[0-9a-f]{64}$/),
        algorithm: DRAW_ALGORITHM,
        candidate_ids: expectedCandidates,
      });
      expect(w.userId).toBe(people.find((p) => p.participant.id === w.participantId)!.user.id);
    }
    const { seed } = result[0]!.metadata as { seed: string };
    expect(new Set(result.map((w) => (w.metadata as { seed: string }).seed))).toEqual(new Set([seed]));
    // Anyone recomputes the same winners, in the same order, from the stored record.
    expect(await recompute(seed, expectedCandidates, 3)).toEqual(result.map((w) => w.participantId));
    // And the public verification agrees, for each winner.
    for (const w of result) {
      const check = await loadDrawForVerification(t.db, room.id, w.id, null);
      expect(check.serverCheck).toMatchObject({ ok: true });
    }
    expect(winnerView(result[0]!).metadata).toEqual({
      seed,
      algorithm: DRAW_ALGORITHM,
      candidateIds: expectedCandidates,
    });
    const [audit] = await t.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.entityId, prize.id), eq(auditLogs.action, 'draw.performed')));
    expect(audit?.newValues).toMatchObject({ count: 3 });
    expect(audit?.metadata).toMatchObject({ seed, algorithm: DRAW_ALGORITHM });
  });

  it('refuses once the quantity is drawn, or more than is left; count is capped by the candidates', async () => {
    const { org, ref, prize } = await setUp(3, 5);
    const tooMany = drawWinners(t.db, org.owner.actor, { ...ref, count: 6 });
    await expect(tooMany).rejects.toBeInstanceOf(Conflict);
    await expect(tooMany).rejects.toThrow(`Only 5 of “${prize.name}” are left to draw.`);
    expect(await drawWinners(t.db, org.owner.actor, { ...ref, count: 1 })).toHaveLength(1);
    // 4 left to draw, but only 2 people have not won it: both win.
    expect(await drawWinners(t.db, org.owner.actor, ref)).toHaveLength(2);
    const noOne = drawWinners(t.db, org.owner.actor, ref);
    await expect(noOne).rejects.toThrow('the room has no participants who have not won it');
    expect(await activeWinners(prize.id)).toHaveLength(3);

    const full = await setUp(4, 2);
    await drawWinners(t.db, full.org.owner.actor, full.ref);
    const exhausted = drawWinners(t.db, full.org.owner.actor, full.ref);
    await expect(exhausted).rejects.toBeInstanceOf(Conflict);
    await expect(exhausted).rejects.toThrow(`All 2 of “${full.prize.name}” have been drawn.`);
    await expect(drawWinners(t.db, full.org.owner.actor, { ...full.ref, count: 1 })).rejects.toThrow(
      'have been drawn',
    );
  });

  it('revoking a winner frees the slot; the next draw excludes the active winners only', async () => {
    const { org, ref, prize } = await setUp(3, 2);
    const [first, second] = await drawWinners(t.db, org.owner.actor, ref);
    const revoked = await revokeWinner(t.db, org.owner.actor, { ...ref, winnerId: first!.id });
    expect(revoked.deletedAt).not.toBeNull();
    await expect(revokeWinner(t.db, org.owner.actor, { ...ref, winnerId: first!.id })).rejects.toThrow(
      'Winner not found',
    );
    const [again] = await drawWinners(t.db, org.owner.actor, ref);
    // The revoked winner may win again; the active one may not.
    expect((again!.metadata as { candidate_ids: string[] }).candidate_ids).not.toContain(
      second!.participantId,
    );
    expect((again!.metadata as { candidate_ids: string[] }).candidate_ids).toContain(first!.participantId);
    expect(await activeWinners(prize.id)).toHaveLength(2);
    const listed = await listWinners(t.db, org.member.actor, {
      organizationId: ref.organizationId,
      roomId: ref.roomId,
    });
    expect(listed.map((w) => w.id).sort()).toEqual([second!.id, again!.id].sort());
    expect(listed.every((w) => !String(w.displayName).includes('@'))).toBe(true);
    const [audit] = await t.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.entityId, first!.id), eq(auditLogs.action, 'winner.revoked')));
    expect(audit).toBeDefined();
  });

  it('a draft or canceled room cannot draw; a completed one can', async () => {
    const draft = await setUp(2, 1, { status: 'DRAFT' });
    await expect(drawWinners(t.db, draft.org.owner.actor, draft.ref)).rejects.toThrow('not open yet');
    await changeRoomStatus(t.db, draft.org.owner.actor, { ...draft.ref, status: 'CANCELED' });
    await expect(drawWinners(t.db, draft.org.owner.actor, draft.ref)).rejects.toThrow('canceled');
    const done = await setUp(2, 1);
    await changeRoomStatus(t.db, done.org.owner.actor, { ...done.ref, status: 'COMPLETED' });
    expect(await drawWinners(t.db, done.org.owner.actor, done.ref)).toHaveLength(1);
  });

  it('the matrix and other organizations: the organizer or OWNER/ADMIN draw and revoke; foreign ids 404', async () => {
    const org = await eventOrg(t.db);
    const room = await sampleRoom(t.db, org, { organizer: org.member });
    await addPeople(t.db, org, room.id, 3, 'PARTICIPANT', org.member);
    const prize = await samplePrize(t.db, org, room.id, 3);
    const ref = { organizationId: org.organization.id, roomId: room.id, prizeId: prize.id };
    const colleague = await addMember(t.db, org.organization.id, 'MEMBER');
    await expect(drawWinners(t.db, colleague.actor, ref)).rejects.toBeInstanceOf(Forbidden);
    await expect(drawWinners(t.db, org.billing.actor, ref)).rejects.toBeInstanceOf(Forbidden);
    const [byOrganizer] = await drawWinners(t.db, org.member.actor, { ...ref, count: 1 });
    const [byAdmin] = await drawWinners(t.db, org.admin.actor, { ...ref, count: 1 });
    await expect(
      revokeWinner(t.db, colleague.actor, { ...ref, winnerId: byAdmin!.id }),
    ).rejects.toBeInstanceOf(Forbidden);
    await revokeWinner(t.db, org.owner.actor, { ...ref, winnerId: byOrganizer!.id });

    const other = await setUp(2, 1);
    await expect(drawWinners(t.db, org.owner.actor, { ...ref, prizeId: other.prize.id })).rejects.toThrow(
      'Prize not found',
    );
    await expect(
      drawWinners(t.db, org.owner.actor, {
        organizationId: org.organization.id,
        roomId: other.room.id,
        prizeId: other.prize.id,
      }),
    ).rejects.toThrow('Room not found');
    const [theirs] = await drawWinners(t.db, other.org.owner.actor, other.ref);
    await expect(
      revokeWinner(t.db, org.owner.actor, { ...ref, winnerId: theirs!.id }),
    ).rejects.toBeInstanceOf(NotFound);
    await expect(
      listWinners(t.db, org.owner.actor, { organizationId: org.organization.id, roomId: other.room.id }),
    ).rejects.toBeInstanceOf(NotFound);
    expect(await activeWinners(other.prize.id)).toHaveLength(1);
  });

  it('a signed-in user who joined a public room can be drawn', async () => {
    const { org, room, ref } = await setUp(0, 1);
    const visitor = await createUser(t.db);
    const joined = await joinRoom(t.db, visitor.actor, { roomId: room.id });
    const [w] = await drawWinners(t.db, org.owner.actor, ref);
    expect(w).toMatchObject({ participantId: joined.id, userId: visitor.id });
  });
});

describe('under concurrency (SPEC §3: the prize row lock)', () => {
  let second: Connection | undefined;
  beforeAll(() => {
    if (t.url) second = connectPostgres(t.url, { max: 2 });
  });
  afterAll(async () => {
    await second?.close();
  });

  itConcurrent('two organizers drawing at once never exceed the quantity', async () => {
    for (let round = 0; round < 5; round++) {
      const { org, ref, prize } = await setUp(8, 3);
      const results = await Promise.allSettled([
        drawWinners(t.db, org.owner.actor, ref),
        drawWinners(second!.db, org.admin.actor, ref),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toBeInstanceOf(Conflict);
      expect(String(refused.reason)).toContain('have been drawn');
      const active = await activeWinners(prize.id);
      expect(active).toHaveLength(3);
      expect(new Set(active.map((w) => w.participantId)).size).toBe(3);
    }
  });

  itConcurrent('two draws of one each for the last two slots, and a revocation racing a draw', async () => {
    for (let round = 0; round < 5; round++) {
      const { org, ref, prize } = await setUp(6, 2);
      await Promise.all([
        drawWinners(t.db, org.owner.actor, { ...ref, count: 1 }),
        drawWinners(second!.db, org.admin.actor, { ...ref, count: 1 }),
      ]);
      const active = await activeWinners(prize.id);
      expect(active).toHaveLength(2);
      expect(new Set(active.map((w) => w.participantId)).size).toBe(2);
      const results = await Promise.allSettled([
        revokeWinner(t.db, org.owner.actor, { ...ref, winnerId: active[0]!.id }),
        drawWinners(second!.db, org.admin.actor, { ...ref, count: 1 }),
      ]);
      expect(results[0]!.status).toBe('fulfilled');
      expect((await activeWinners(prize.id)).length).toBeLessThanOrEqual(2);
    }
  });
});
