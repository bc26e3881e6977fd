// Participants (issue 12 §3): joining public ACTIVE rooms, adding people to private ones (organizer or
// OWNER/ADMIN), leaving and rejoining, every refusal with its reason (full, closed, canceled, draft,
// deleted, private), the place limit under concurrency, and seed 001's CASCADE rules for participants.
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conflict, Forbidden, NotFound } from '~/lib/errors';
import { addMember, createUser } from '~/orgs/test-support';
import { type Connection, connectPostgres, pgErrorCode } from '~db/client.server';
import { auditLogs, participants, winners } from '~db/schema';
import { itConcurrent, useTestDatabase } from '../../tests/support/db';
import { drawWinners } from './draws.server';
import {
  addParticipant,
  joinRoom,
  leaveRoom,
  listParticipants,
  removeParticipant,
} from './participants.server';
import { deleteRoom, updateRoom } from './rooms.server';
import { addPeople, eventOrg, samplePrize, sampleRoom } from './test-support';

const t = useTestDatabase();

const activeIn = async (roomId: string) =>
  (await t.db.select().from(participants).where(eq(participants.roomId, roomId))).filter((p) => !p.deletedAt);

describe('joining and leaving', () => {
  it('any signed-in user joins a public active room as PARTICIPANT, leaves and rejoins; audited', async () => {
    const org = await eventOrg(t.db);
    const room = await sampleRoom(t.db, org);
    const visitor = await createUser(t.db);
    const first = await joinRoom(t.db, visitor.actor, { roomId: room.id });
    expect(first).toMatchObject({
      roomId: room.id,
      userId: visitor.id,
      role: 'PARTICIPANT',
      deletedAt: null,
    });
    const twice = joinRoom(t.db, visitor.actor, { roomId: room.id });
    await expect(twice).rejects.toBeInstanceOf(Conflict);
    await expect(twice).rejects.toThrow('You have already joined this room.');
    const left = await leaveRoom(t.db, visitor.actor, { roomId: room.id });
    expect(left.deletedAt).not.toBeNull();
    await expect(leaveRoom(t.db, visitor.actor, { roomId: room.id })).rejects.toThrow(
      'You have not joined this room.',
    );
    const again = await joinRoom(t.db, visitor.actor, { roomId: room.id });
    expect(again.id).not.toBe(first.id);
    expect((await activeIn(room.id)).map((p) => p.id)).toEqual([again.id]);
    const actions = await t.db
      .select({
        action: auditLogs.action,
        userId: auditLogs.userId,
        organizationId: auditLogs.organizationId,
      })
      .from(auditLogs)
      .where(and(eq(auditLogs.userId, visitor.id), sql`${auditLogs.action} LIKE 'participant.%'`));
    expect(actions.map((a) => a.action).sort()).toEqual([
      'participant.joined',
      'participant.joined',
      'participant.left',
    ]);
    expect(actions.every((a) => a.organizationId === org.organization.id)).toBe(true);
  });

  it('refuses with the reason: draft, completed, canceled, deleted, private, full', async () => {
    const org = await eventOrg(t.db);
    const visitor = await createUser(t.db);
    const join = (roomId: string) => joinRoom(t.db, visitor.actor, { roomId });
    const cases: [Parameters<typeof sampleRoom>[2], string, unknown][] = [
      [{ status: 'DRAFT' }, 'This room is not open yet.', Conflict],
      [{ status: 'COMPLETED' }, 'This room is closed: the event is over.', Conflict],
      [{ status: 'CANCELED' }, 'This room was canceled.', Conflict],
    ];
    for (const [options, message, type] of cases) {
      const room = await sampleRoom(t.db, org, options);
      await expect(join(room.id)).rejects.toBeInstanceOf(type as typeof Conflict);
      await expect(join(room.id)).rejects.toThrow(message);
    }
    const deleted = await sampleRoom(t.db, org);
    await deleteRoom(t.db, org.owner.actor, { organizationId: org.organization.id, roomId: deleted.id });
    await expect(join(deleted.id)).rejects.toBeInstanceOf(NotFound);
    await expect(join(deleted.id)).rejects.toThrow('This room was deleted.');
    await expect(join('no-such-room')).rejects.toThrow('Room not found');

    // Private: an outsider does not learn it exists; a member is told who adds people.
    const secret = await sampleRoom(t.db, org, { isPublic: false });
    await expect(join(secret.id)).rejects.toThrow('Room not found');
    const asMember = joinRoom(t.db, org.member.actor, { roomId: secret.id });
    await expect(asMember).rejects.toBeInstanceOf(Forbidden);
    await expect(asMember).rejects.toThrow('This room is private');

    const small = await sampleRoom(t.db, org, { maxParticipants: 2 });
    await addPeople(t.db, org, small.id, 2);
    const full = join(small.id);
    await expect(full).rejects.toBeInstanceOf(Conflict);
    await expect(full).rejects.toThrow('This room is full: all 2 places are taken.');
    expect(await activeIn(small.id)).toHaveLength(2);
    // A place freed by someone leaving can be taken.
    const [someone] = await activeIn(small.id);
    await removeParticipant(t.db, org.owner.actor, {
      organizationId: org.organization.id,
      roomId: small.id,
      participantId: someone!.id,
    });
    expect((await join(small.id)).userId).toBe(visitor.id);
  });
});

describe('adding and removing participants', () => {
  it('the organizer adds existing users by id or email (any case), with a role, to a private room', async () => {
    const org = await eventOrg(t.db);
    const room = await sampleRoom(t.db, org, { isPublic: false, organizer: org.member });
    const ref = { organizationId: org.organization.id, roomId: room.id };
    const ada = await createUser(t.db, `ada-${Date.now()}@example.com`);
    const bob = await createUser(t.db);
    const byId = await addParticipant(t.db, org.member.actor, { ...ref, userId: ada.id });
    expect(byId).toMatchObject({ userId: ada.id, role: 'PARTICIPANT', email: ada.email });
    const byEmail = await addParticipant(t.db, org.member.actor, {
      ...ref,
      email: `  ${bob.email.toUpperCase()} `,
      role: 'MODERATOR',
    });
    expect(byEmail).toMatchObject({ userId: bob.id, role: 'MODERATOR' });
    await expect(addParticipant(t.db, org.member.actor, { ...ref, userId: ada.id })).rejects.toThrow(
      'has already joined this room',
    );
    const unknown = addParticipant(t.db, org.member.actor, { ...ref, email: 'nobody@example.com' });
    await expect(unknown).rejects.toBeInstanceOf(NotFound);
    await expect(unknown).rejects.toThrow('No user has that email address');
    await expect(addParticipant(t.db, org.member.actor, { ...ref, userId: 'nope' })).rejects.toThrow(
      'User not found',
    );
    await expect(addParticipant(t.db, org.member.actor, { ...ref } as never)).rejects.toThrow(
      'either userId or email',
    );
    await expect(
      addParticipant(t.db, org.member.actor, { ...ref, userId: ada.id, email: ada.email }),
    ).rejects.toThrow('either userId or email');
    const list = await listParticipants(t.db, org.billing.actor, ref).catch((e) => e);
    expect(list).toBeInstanceOf(Forbidden);
    expect((await listParticipants(t.db, org.owner.actor, ref)).map((p) => p.userId)).toEqual([
      ada.id,
      bob.id,
    ]);
    const [audit] = await t.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.entityId, byEmail.id), eq(auditLogs.action, 'participant.added')));
    expect(audit?.newValues).toMatchObject({ userId: bob.id, role: 'MODERATOR' });
  });

  it('the matrix: another MEMBER may not add or remove; OWNER and ADMIN may in any room; BILLING never', async () => {
    const org = await eventOrg(t.db);
    const room = await sampleRoom(t.db, org, { isPublic: false, organizer: org.member });
    const colleague = await addMember(t.db, org.organization.id, 'MEMBER');
    const ref = { organizationId: org.organization.id, roomId: room.id };
    const someone = await createUser(t.db);
    await expect(
      addParticipant(t.db, colleague.actor, { ...ref, userId: someone.id }),
    ).rejects.toBeInstanceOf(Forbidden);
    await expect(
      addParticipant(t.db, org.billing.actor, { ...ref, userId: someone.id }),
    ).rejects.toBeInstanceOf(Forbidden);
    const added = await addParticipant(t.db, org.admin.actor, { ...ref, userId: someone.id });
    await expect(
      removeParticipant(t.db, colleague.actor, { ...ref, participantId: added.id }),
    ).rejects.toBeInstanceOf(Forbidden);
    const removed = await removeParticipant(t.db, org.owner.actor, { ...ref, participantId: added.id });
    expect(removed.deletedAt).not.toBeNull();
    await expect(
      removeParticipant(t.db, org.owner.actor, { ...ref, participantId: added.id }),
    ).rejects.toThrow('Participant not found');
    // A non-member is not told the organization exists.
    const outsider = await createUser(t.db);
    await expect(addParticipant(t.db, outsider.actor, { ...ref, userId: someone.id })).rejects.toBeInstanceOf(
      NotFound,
    );
  });

  it('another organization’s room or participant id is a 404, and nothing changes', async () => {
    const org = await eventOrg(t.db);
    const other = await eventOrg(t.db);
    const mine = await sampleRoom(t.db, org);
    const theirs = await sampleRoom(t.db, other);
    const [theirPerson] = await addPeople(t.db, other, theirs.id, 1);
    const someone = await createUser(t.db);
    await expect(
      addParticipant(t.db, org.owner.actor, {
        organizationId: org.organization.id,
        roomId: theirs.id,
        userId: someone.id,
      }),
    ).rejects.toThrow('Room not found');
    // Their participant through my room, and through my organization with their room id.
    await expect(
      removeParticipant(t.db, org.owner.actor, {
        organizationId: org.organization.id,
        roomId: mine.id,
        participantId: theirPerson!.participant.id,
      }),
    ).rejects.toThrow('Participant not found');
    await expect(
      removeParticipant(t.db, org.owner.actor, {
        organizationId: org.organization.id,
        roomId: theirs.id,
        participantId: theirPerson!.participant.id,
      }),
    ).rejects.toThrow('Room not found');
    await expect(
      listParticipants(t.db, org.owner.actor, { organizationId: org.organization.id, roomId: theirs.id }),
    ).rejects.toBeInstanceOf(NotFound);
    expect(await activeIn(theirs.id)).toHaveLength(1);
  });

  it('closed or full rooms refuse additions too', async () => {
    const org = await eventOrg(t.db);
    const someone = await createUser(t.db);
    const closed = await sampleRoom(t.db, org, { status: 'COMPLETED' });
    const refs = (roomId: string) => ({ organizationId: org.organization.id, roomId, userId: someone.id });
    await expect(addParticipant(t.db, org.owner.actor, refs(closed.id))).rejects.toThrow(
      'This room is closed',
    );
    const canceled = await sampleRoom(t.db, org, { status: 'CANCELED' });
    await expect(addParticipant(t.db, org.owner.actor, refs(canceled.id))).rejects.toThrow(
      'This room was canceled.',
    );
    // A draft room takes registrations from its organizer.
    const draft = await sampleRoom(t.db, org, { status: 'DRAFT', maxParticipants: 1 });
    await addParticipant(t.db, org.owner.actor, refs(draft.id));
    await expect(
      addParticipant(t.db, org.owner.actor, { ...refs(draft.id), userId: (await createUser(t.db)).id }),
    ).rejects.toThrow('This room is full');
  });
});

describe('seed 001: participants CASCADE with their room and user; winners with their participant', () => {
  it('raw SQL: deleting a participant removes their winner rows; deleting a user removes their participations', async () => {
    const org = await eventOrg(t.db);
    const room = await sampleRoom(t.db, org);
    const [person] = await addPeople(t.db, org, room.id, 1);
    const prize = await samplePrize(t.db, org, room.id, 1);
    await drawWinners(t.db, org.owner.actor, {
      organizationId: org.organization.id,
      roomId: room.id,
      prizeId: prize.id,
    });
    expect(
      await t.db.select().from(winners).where(eq(winners.participantId, person!.participant.id)),
    ).toHaveLength(1);
    await t.db.execute(sql`DELETE FROM participants WHERE id = ${person!.participant.id}`);
    expect(
      await t.db.select().from(winners).where(eq(winners.participantId, person!.participant.id)),
    ).toHaveLength(0);

    const [other] = await addPeople(t.db, org, room.id, 1);
    await t.db.execute(sql`DELETE FROM users WHERE id = ${other!.user.id}`);
    expect(
      await t.db.select().from(participants).where(eq(participants.id, other!.participant.id)),
    ).toHaveLength(0);
  });

  it('the service removes a participant softly: their wins stay (the CASCADE is only for hard deletes)', async () => {
    const org = await eventOrg(t.db);
    const room = await sampleRoom(t.db, org);
    const [person] = await addPeople(t.db, org, room.id, 1);
    const prize = await samplePrize(t.db, org, room.id, 1);
    const ref = { organizationId: org.organization.id, roomId: room.id };
    const [won] = await drawWinners(t.db, org.owner.actor, { ...ref, prizeId: prize.id });
    await removeParticipant(t.db, org.owner.actor, { ...ref, participantId: person!.participant.id });
    const [row] = await t.db.select().from(winners).where(eq(winners.id, won!.id));
    expect(row?.deletedAt).toBeNull();
  });

  it('raw SQL: one active row per user and room (23505); the service says they have joined', async () => {
    const org = await eventOrg(t.db);
    const room = await sampleRoom(t.db, org);
    const [person] = await addPeople(t.db, org, room.id, 1);
    const code = await t.db
      .execute(sql`INSERT INTO participants (room_id, user_id) VALUES (${room.id}, ${person!.user.id})`)
      .then(
        () => null,
        (err) => pgErrorCode(err),
      );
    expect(code).toBe('23505');
    await expect(joinRoom(t.db, person!.user.actor, { roomId: room.id })).rejects.toThrow('already joined');
  });
});

describe('under concurrency (SPEC §3: max_participants under the room lock)', () => {
  let second: Connection | undefined;
  beforeAll(() => {
    if (t.url) second = connectPostgres(t.url, { max: 2 });
  });
  afterAll(async () => {
    await second?.close();
  });

  itConcurrent('two users racing for the last place: one gets it', async () => {
    for (let round = 0; round < 5; round++) {
      const org = await eventOrg(t.db);
      const room = await sampleRoom(t.db, org, { maxParticipants: 3 });
      await addPeople(t.db, org, room.id, 2);
      const [a, b] = [await createUser(t.db), await createUser(t.db)];
      const results = await Promise.allSettled([
        joinRoom(t.db, a.actor, { roomId: room.id }),
        joinRoom(second!.db, b.actor, { roomId: room.id }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(String(refused.reason)).toContain('This room is full');
      expect(await activeIn(room.id)).toHaveLength(3);
    }
  });

  itConcurrent('a join racing a lower limit: the limit never ends below who joined', async () => {
    for (let round = 0; round < 5; round++) {
      const org = await eventOrg(t.db);
      const room = await sampleRoom(t.db, org, { maxParticipants: 5 });
      await addPeople(t.db, org, room.id, 2);
      const visitor = await createUser(t.db);
      await Promise.allSettled([
        joinRoom(t.db, visitor.actor, { roomId: room.id }),
        updateRoom(second!.db, org.owner.actor, {
          organizationId: org.organization.id,
          roomId: room.id,
          maxParticipants: 2,
        }),
      ]);
      const [row] = await t.db
        .execute(sql`SELECT max_participants AS m FROM rooms WHERE id = ${room.id}`)
        .then((r) => (Array.isArray(r) ? r : (r as { rows: unknown[] }).rows) as { m: number }[]);
      expect((await activeIn(room.id)).length).toBeLessThanOrEqual(row!.m);
    }
  });
});
