// The public draw check (/rooms/:id/draws/:winnerId/verify): rows made by the real algorithm verify, a
// tampered record does not and says why, and private rooms and unknown ids are 404 to strangers.
import { eq } from 'drizzle-orm';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it, vi } from 'vitest';
import { addMember, cookieFor, createOrg, createUser, uid } from '~/orgs/test-support';
import * as verifyPage from '~/routes/rooms.$id.draws.$winnerId.verify';
import { apps, participants, prizes, rooms, users, winners } from '~db/schema';
import { useAppTestDatabase } from '../../tests/support/db';
import { getPage, runRoute } from '../../tests/support/routes';
import { DRAW_ALGORITHM, type DrawRecord, drawWinners, newDrawSeed } from './draw-algorithm';
import { type DrawVerification, loadDrawForVerification } from './verify.server';

const t = useAppTestDatabase();

// The page rendered as the server sends it (no JavaScript has run): Remix's hooks answer from here.
const rendered = vi.hoisted(() => ({ data: null as unknown }));
vi.mock('@remix-run/react', async (original) => ({
  ...(await original<typeof import('@remix-run/react')>()),
  useLoaderData: () => rendered.data,
  Link: ({ to, ...props }: { to: string }) => createElement('a', { href: to, ...props }),
}));

async function drawnRoom(options: { isPublic: boolean; winners?: number }) {
  const db = t.db;
  const { organization, owner } = await createOrg(db);
  const appId = `verify-${uid()}`;
  await db.insert(apps).values({ appId, name: 'Raffle', manifest: { name: 'Raffle' } });
  const [room] = await db
    .insert(rooms)
    .values({
      appId,
      appManifestVersion: '1.0.0',
      createdBy: owner.id,
      organizationId: organization.id,
      name: `Room ${uid()}`,
      isPublic: options.isPublic,
      status: 'ACTIVE',
      startsAt: new Date(),
    })
    .returning();
  const entrants = await Promise.all(Array.from({ length: 6 }, () => createUser(db)));
  const rows = await db
    .insert(participants)
    .values(entrants.map((u) => ({ roomId: room!.id, userId: u.id })))
    .returning();
  const [prize] = await db
    .insert(prizes)
    .values({ roomId: room!.id, name: 'A bicycle', quantity: 3 })
    .returning();
  const record: DrawRecord = {
    seed: newDrawSeed(),
    algorithm: DRAW_ALGORITHM,
    candidate_ids: rows.map((p) => p.id).sort(),
  };
  const picks = await drawWinners(record.seed, record.candidate_ids, options.winners ?? 1);
  // One statement, as a draw transaction would: the rows share created_at, their ids are random.
  const stored = await db
    .insert(winners)
    .values(
      picks.map((participantId) => ({
        roomId: room!.id,
        prizeId: prize!.id,
        participantId,
        metadata: record,
      })),
    )
    .returning();
  const byPick = picks.map((pid) => stored.find((w) => w.participantId === pid)!);
  const participant = rows.find((p) => p.id === byPick[0]!.participantId)!;
  const winnerUser = entrants.find((u) => u.id === participant.userId)!;
  return {
    organization,
    owner,
    room: room!,
    prize: prize!,
    record,
    picks,
    winners: byPick,
    winnerUser,
    entrants,
  };
}

const verifyUrl = (roomId: string, winnerId: string) => `/rooms/${roomId}/draws/${winnerId}/verify`;

async function openPage(roomId: string, winnerId: string, cookie?: string) {
  return runRoute(verifyPage.loader, getPage(verifyUrl(roomId, winnerId), cookie), { id: roomId, winnerId });
}

describe('draw verification', () => {
  it('verifies a stored draw on the server, for anyone, in a public room', async () => {
    const s = await drawnRoom({ isPublic: true });
    const page = await openPage(s.room.id, s.winners[0]!.id);
    expect(page.status).toBe(200);
    const view = page.data as DrawVerification;
    expect(view.serverCheck).toEqual({ ok: true, recomputed: [s.picks[0]] });
    expect(view).toMatchObject({
      room: { id: s.room.id, name: s.room.name },
      prize: { name: 'A bicycle' },
      winner: {
        id: s.winners[0]!.id,
        participantId: s.picks[0],
        displayName: `User ${s.winnerUser.email.split('@')[0]}`,
        revoked: false,
      },
      record: s.record,
      position: 0,
      batchSize: 1,
      viewerParticipantId: null,
    });
  });

  it('renders the server verdict, the record and the algorithm; the browser check needs JavaScript', async () => {
    const s = await drawnRoom({ isPublic: true });
    rendered.data = await loadDrawForVerification(t.db, s.room.id, s.winners[0]!.id);
    const html = renderToString(createElement(verifyPage.default));
    const name = `User ${s.winnerUser.email.split('@')[0]}`;
    expect(html).toContain(`Verified on the server: the draw picks ${name}.`);
    expect(html).toContain('needs JavaScript. The server’s verdict above stands on its own.');
    expect(html).toContain(s.record.seed);
    expect(html).toContain(DRAW_ALGORITHM);
    for (const id of s.record.candidate_ids) expect(html).toContain(id);
    expect(html).toContain('<details');
    expect(html).toContain(`href="/rooms/${s.room.id}"`);
  });

  it('finds each winner of a multi-winner draw at its pick, whatever order the rows were stored in', async () => {
    const s = await drawnRoom({ isPublic: true, winners: 3 });
    for (const [k, w] of s.winners.entries()) {
      const view = await loadDrawForVerification(t.db, s.room.id, w.id);
      expect(view.serverCheck.ok).toBe(true);
      expect(view.position).toBe(k);
      expect(view.batchSize).toBe(3);
    }
  });

  it('still checks a revoked winner and says it was revoked', async () => {
    const s = await drawnRoom({ isPublic: true });
    await t.db.update(winners).set({ deletedAt: new Date() }).where(eq(winners.id, s.winners[0]!.id));
    const view = await loadDrawForVerification(t.db, s.room.id, s.winners[0]!.id);
    expect(view.winner.revoked).toBe(true);
    expect(view.serverCheck.ok).toBe(true);
  });

  it('refuses a tampered seed, with a reason', async () => {
    const s = await drawnRoom({ isPublic: true });
    // A seed under which the stored winner is not the first pick.
    let seed = newDrawSeed();
    while ((await drawWinners(seed, s.record.candidate_ids, 1))[0] === s.picks[0]) seed = newDrawSeed();
    await t.db
      .update(winners)
      .set({ metadata: { ...s.record, seed } })
      .where(eq(winners.id, s.winners[0]!.id));
    const view = (await openPage(s.room.id, s.winners[0]!.id)).data as DrawVerification;
    expect(view.serverCheck.ok).toBe(false);
    expect(view.serverCheck.reason).toMatch(/^The draw picks "c[0-9a-f]+" as winner #1, not "/);

    await t.db
      .update(winners)
      .set({ metadata: { ...s.record, seed: 'not-a-seed' } })
      .where(eq(winners.id, s.winners[0]!.id));
    const bad = await loadDrawForVerification(t.db, s.room.id, s.winners[0]!.id);
    expect(bad.serverCheck).toMatchObject({ ok: false, reason: expect.stringMatching(/64 lowercase hex/) });

    await t.db.update(winners).set({ metadata: null }).where(eq(winners.id, s.winners[0]!.id));
    const none = await loadDrawForVerification(t.db, s.room.id, s.winners[0]!.id);
    expect(none).toMatchObject({ record: null, serverCheck: { ok: false } });
  });

  it('fails a batch whose other winners are not the draw’s picks', async () => {
    const s = await drawnRoom({ isPublic: true, winners: 2 });
    const outsider = s.record.candidate_ids.find((id) => !s.picks.includes(id))!;
    await t.db.update(winners).set({ participantId: outsider }).where(eq(winners.id, s.winners[1]!.id));
    const view = await loadDrawForVerification(t.db, s.room.id, s.winners[0]!.id);
    expect(view.serverCheck).toMatchObject({
      ok: false,
      reason: 'The 2 winners stored for this draw are not its first 2 picks',
    });
  });

  it('shows a private room’s draw to its participants, its organization and staff; 404 to a stranger', async () => {
    const s = await drawnRoom({ isPublic: false });
    const winnerId = s.winners[0]!.id;
    const stranger = await createUser(t.db);
    expect((await openPage(s.room.id, winnerId)).status).toBe(404);
    expect((await openPage(s.room.id, winnerId, await cookieFor(t.db, stranger.id))).status).toBe(404);

    const entrant = await openPage(s.room.id, winnerId, await cookieFor(t.db, s.winnerUser.id));
    expect(entrant.status).toBe(200);
    expect((entrant.data as DrawVerification).viewerParticipantId).toBe(s.picks[0]);
    const member = await addMember(t.db, s.organization.id, 'MEMBER');
    expect((await openPage(s.room.id, winnerId, await cookieFor(t.db, member.id))).status).toBe(200);
    const staff = await createUser(t.db);
    await t.db.update(users).set({ role: 'SUPPORT' }).where(eq(users.id, staff.id));
    expect((await openPage(s.room.id, winnerId, await cookieFor(t.db, staff.id))).status).toBe(200);

    // A participant who left no longer sees it.
    await t.db
      .update(participants)
      .set({ deletedAt: new Date() })
      .where(eq(participants.userId, s.winnerUser.id));
    expect((await openPage(s.room.id, winnerId, await cookieFor(t.db, s.winnerUser.id))).status).toBe(404);
  });

  it('answers 404 for an unknown winner, a winner of another room and a deleted room', async () => {
    const s = await drawnRoom({ isPublic: true });
    const other = await drawnRoom({ isPublic: true });
    expect((await openPage(s.room.id, 'c000000000000000000000000')).status).toBe(404);
    expect((await openPage(other.room.id, s.winners[0]!.id)).status).toBe(404);
    expect((await openPage('nope', s.winners[0]!.id)).status).toBe(404);
    await t.db.update(rooms).set({ deletedAt: new Date() }).where(eq(rooms.id, s.room.id));
    expect((await openPage(s.room.id, s.winners[0]!.id)).status).toBe(404);
  });
});
