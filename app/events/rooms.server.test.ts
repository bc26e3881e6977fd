// Rooms (issue 12 §2): the manifest version locked at creation and the settings validated against it even
// after the app moves on, the status life cycle (every pair), the two matrix rows (rooms they organize /
// any room), soft deletion, account deletion (SPEC §6) and the rules of seed 001 that reach rooms:
// organizer RESTRICT, organization CASCADE.
import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { deleteAccount } from '~/auth/profile.server';
import { Conflict, Forbidden, NotFound, ValidationFailed } from '~/lib/errors';
import { deleteOrganization } from '~/orgs/organizations.server';
import { addMember, createUser } from '~/orgs/test-support';
import { pgErrorCode } from '~db/client.server';
import { apps, auditLogs, participants, prizes, rooms, users, winners } from '~db/schema';
import { useTestDatabase } from '../../tests/support/db';
import { updateAppManifest } from './apps.server';
import { drawWinners } from './draws.server';
import { joinRoom } from './participants.server';
import {
  canTransition,
  changeRoomStatus,
  createRoom,
  deleteRoom,
  getRoom,
  getRoomPage,
  listRooms,
  ROOM_TRANSITIONS,
  type RoomStatus,
  updateRoom,
} from './rooms.server';
import { addPeople, eventOrg, sampleApp, sampleManifest, samplePrize, sampleRoom } from './test-support';

const t = useTestDatabase();

const roomRow = async (id: string) => (await t.db.select().from(rooms).where(eq(rooms.id, id)))[0]!;
const failure = (query: ReturnType<typeof sql>) =>
  t.db.execute(query).then(
    () => null,
    (err) => pgErrorCode(err),
  );

describe('creating rooms', () => {
  it('locks the app’s manifest version and fills the settings’ defaults; the creator organizes', async () => {
    const org = await eventOrg(t.db);
    const app = await sampleApp(t.db, org, sampleManifest('1.4.0'));
    const room = await createRoom(t.db, org.member.actor, {
      organizationId: org.organization.id,
      appId: app.appId,
      name: '  Spring raffle ',
      description: 'Win things',
      isPublic: true,
      maxParticipants: 50,
      appSettings: { anonymous: true, rounds: 5 },
      startsAt: '2030-01-01T10:00:00Z',
      endsAt: '2030-01-01T12:00:00Z',
    });
    expect(room).toMatchObject({
      appId: app.appId,
      appManifestVersion: '1.4.0',
      createdBy: org.member.id,
      organizationId: org.organization.id,
      name: 'Spring raffle',
      status: 'DRAFT',
      isPublic: true,
      maxParticipants: 50,
      appSettings: { anonymous: true, rounds: 5, theme: 'light' },
    });
    expect(room.startsAt.toISOString()).toBe('2030-01-01T10:00:00.000Z');
    const [audit] = await t.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.entityId, room.id), eq(auditLogs.action, 'room.created')));
    expect(audit).toMatchObject({ userId: org.member.id, organizationId: org.organization.id });
    // Starts now by default.
    const now = await createRoom(t.db, org.owner.actor, {
      organizationId: org.organization.id,
      appId: app.appId,
      name: 'Now',
      isPublic: false,
      appSettings: { anonymous: false },
    });
    expect(Math.abs(now.startsAt.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('refuses settings that do not fit, a bad schedule, an unknown app; nothing is created', async () => {
    const org = await eventOrg(t.db);
    const app = await sampleApp(t.db, org);
    const base = { organizationId: org.organization.id, appId: app.appId, name: 'R', isPublic: true };
    const before = (await listRooms(t.db, org.owner.actor, org.organization.id)).length;
    const missing = createRoom(t.db, org.owner.actor, { ...base, appSettings: {} });
    await expect(missing).rejects.toBeInstanceOf(ValidationFailed);
    await expect(missing).rejects.toThrow('do not fit version 1.0.0');
    const wrong = await createRoom(t.db, org.owner.actor, {
      ...base,
      appSettings: { anonymous: true, rounds: 99, colour: 'red' },
    }).catch((e) => e as ValidationFailed);
    expect(wrong).toBeInstanceOf(ValidationFailed);
    expect(Object.keys((wrong as ValidationFailed).fieldErrors ?? {}).sort()).toEqual([
      'appSettings.colour',
      'appSettings.rounds',
    ]);
    await expect(
      createRoom(t.db, org.owner.actor, {
        ...base,
        appSettings: { anonymous: true },
        startsAt: '2030-01-02T00:00:00Z',
        endsAt: '2030-01-01T00:00:00Z',
      }),
    ).rejects.toThrow('The room must end after it starts.');
    await expect(
      createRoom(t.db, org.owner.actor, { ...base, appId: 'no-such-app', appSettings: { anonymous: true } }),
    ).rejects.toBeInstanceOf(NotFound);
    await expect(
      createRoom(t.db, org.owner.actor, { ...base, maxParticipants: 0, appSettings: { anonymous: true } }),
    ).rejects.toThrow();
    expect(await listRooms(t.db, org.owner.actor, org.organization.id)).toHaveLength(before);
  });

  it('a room keeps its version: settings are checked against that version after the app moves on', async () => {
    const org = await eventOrg(t.db);
    const app = await sampleApp(t.db, org, sampleManifest('1.0.0'));
    const old = await sampleRoom(t.db, org, { appId: app.appId });
    // 2.0.0 drops `greeting`, adds a required `venue`, and allows 100 rounds.
    const v2 = sampleManifest('2.0.0');
    const { greeting: _, ...kept } = v2.settings!;
    await updateAppManifest(t.db, org.owner.actor, {
      organizationId: org.organization.id,
      appId: app.appId,
      manifest: {
        ...v2,
        settings: {
          ...kept,
          rounds: { type: 'number', max: 100 },
          venue: { type: 'string', required: true },
        },
      },
    });
    const ref = { organizationId: org.organization.id, roomId: old.id };
    // Valid for 1.0.0 (from manifest_history), though 2.0.0 would refuse it.
    const updated = await updateRoom(t.db, org.owner.actor, {
      ...ref,
      appSettings: { anonymous: true, greeting: 'Hello' },
    });
    expect(updated.appManifestVersion).toBe('1.0.0');
    expect(updated.appSettings).toEqual({ anonymous: true, greeting: 'Hello', rounds: 3, theme: 'light' });
    // And what only 2.0.0 allows is refused for the old room.
    const refused = updateRoom(t.db, org.owner.actor, {
      ...ref,
      appSettings: { anonymous: true, venue: 'Hall' },
    });
    await expect(refused).rejects.toThrow('do not fit version 1.0.0');
    await expect(
      updateRoom(t.db, org.owner.actor, { ...ref, appSettings: { anonymous: true, rounds: 50 } }),
    ).rejects.toThrow('at most 10');
    expect((await roomRow(old.id)).appSettings).toEqual(updated.appSettings);
    // A new room locks 2.0.0 and its rules.
    const fresh = await createRoom(t.db, org.owner.actor, {
      organizationId: org.organization.id,
      appId: app.appId,
      name: 'New',
      isPublic: true,
      appSettings: { anonymous: false, venue: 'Hall', rounds: 50 },
    });
    expect(fresh.appManifestVersion).toBe('2.0.0');
    await expect(
      createRoom(t.db, org.owner.actor, {
        organizationId: org.organization.id,
        appId: app.appId,
        name: 'Old style',
        isPublic: true,
        appSettings: { anonymous: false, greeting: 'hi' },
      }),
    ).rejects.toThrow('do not fit version 2.0.0');
    const { manifest } = await getRoom(t.db, org.member.actor, ref);
    expect(Object.keys(manifest?.settings ?? {}).sort()).toEqual([
      'anonymous',
      'greeting',
      'rounds',
      'theme',
    ]);
  });
});

describe('the status life cycle', () => {
  const statuses: RoomStatus[] = ['DRAFT', 'ACTIVE', 'COMPLETED', 'CANCELED'];
  it('is DRAFT → ACTIVE → COMPLETED, and any but COMPLETED → CANCELED', () => {
    const allowed = statuses.flatMap((from) =>
      statuses.filter((to) => canTransition(from, to)).map((to) => `${from}→${to}`),
    );
    expect(allowed.sort()).toEqual(['ACTIVE→CANCELED', 'ACTIVE→COMPLETED', 'DRAFT→ACTIVE', 'DRAFT→CANCELED']);
    expect(ROOM_TRANSITIONS.COMPLETED).toEqual([]);
  });

  for (const from of statuses)
    for (const to of statuses)
      it(`${from} → ${to}: ${canTransition(from, to) ? 'allowed' : 'refused with a message'}`, async () => {
        const org = await eventOrg(t.db);
        const room = await sampleRoom(t.db, org, { status: from });
        const change = changeRoomStatus(t.db, org.owner.actor, {
          organizationId: org.organization.id,
          roomId: room.id,
          status: to,
        });
        if (canTransition(from, to)) {
          expect((await change).status).toBe(to);
          const [audit] = await t.db
            .select()
            .from(auditLogs)
            .where(and(eq(auditLogs.entityId, room.id), eq(auditLogs.action, 'room.status_changed')))
            .orderBy(sql`${auditLogs.createdAt} DESC`)
            .limit(1);
          expect(audit?.newValues).toMatchObject({ status: to });
        } else {
          await expect(change).rejects.toBeInstanceOf(Conflict);
          await expect(change).rejects.toThrow(/already|can no longer change|cannot become/);
          expect((await roomRow(room.id)).status).toBe(from);
        }
      });
});

describe('managing rooms', () => {
  it('edits schedule, visibility, limit and name; never below who joined; audited', async () => {
    const org = await eventOrg(t.db);
    const room = await sampleRoom(t.db, org, { maxParticipants: 5 });
    const ref = { organizationId: org.organization.id, roomId: room.id };
    await addPeople(t.db, org, room.id, 3);
    const updated = await updateRoom(t.db, org.owner.actor, {
      ...ref,
      name: 'Renamed',
      isPublic: false,
      maxParticipants: 3,
      startsAt: '2031-05-01T09:00:00Z',
      endsAt: '2031-05-01T18:00:00Z',
      description: '',
    });
    expect(updated).toMatchObject({
      name: 'Renamed',
      isPublic: false,
      maxParticipants: 3,
      description: null,
    });
    const lower = updateRoom(t.db, org.owner.actor, { ...ref, maxParticipants: 2 });
    await expect(lower).rejects.toBeInstanceOf(Conflict);
    await expect(lower).rejects.toThrow('3 participants have already joined');
    await expect(
      updateRoom(t.db, org.owner.actor, { ...ref, endsAt: '2031-04-01T00:00:00Z' }),
    ).rejects.toThrow('end after it starts');
    expect(
      (await updateRoom(t.db, org.owner.actor, { ...ref, maxParticipants: null })).maxParticipants,
    ).toBeNull();
    await expect(updateRoom(t.db, org.owner.actor, ref)).rejects.toThrow('at least one field');
    const [audit] = await t.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.entityId, room.id), eq(auditLogs.action, 'room.updated')))
      .limit(1);
    expect(audit?.oldValues).toMatchObject({ isPublic: true, maxParticipants: 5 });
    expect(audit?.newValues).toMatchObject({ name: 'Renamed', isPublic: false, maxParticipants: 3 });
    // A closed room no longer changes.
    await changeRoomStatus(t.db, org.owner.actor, { ...ref, status: 'CANCELED' });
    await expect(updateRoom(t.db, org.owner.actor, { ...ref, name: 'Again' })).rejects.toThrow(
      'can no longer be changed',
    );
  });

  it('the matrix: the organizer (MEMBER) manages their room, OWNER/ADMIN any room, BILLING nothing', async () => {
    const org = await eventOrg(t.db);
    const app = await sampleApp(t.db, org);
    const organizationId = org.organization.id;
    const mine = await sampleRoom(t.db, org, { appId: app.appId, organizer: org.member });
    const colleague = await addMember(t.db, organizationId, 'MEMBER');
    const ref = { organizationId, roomId: mine.id };
    expect((await updateRoom(t.db, org.member.actor, { ...ref, name: 'Mine' })).name).toBe('Mine');
    const refused = updateRoom(t.db, colleague.actor, { ...ref, name: 'Theirs' });
    await expect(refused).rejects.toBeInstanceOf(Forbidden);
    await expect(refused).rejects.toThrow('manage every room of the organization');
    await expect(deleteRoom(t.db, colleague.actor, ref)).rejects.toBeInstanceOf(Forbidden);
    for (const boss of [org.owner, org.admin])
      expect((await updateRoom(t.db, boss.actor, { ...ref, name: `By ${boss.id}` })).name).toBe(
        `By ${boss.id}`,
      );
    await expect(
      createRoom(t.db, org.billing.actor, {
        organizationId,
        appId: app.appId,
        name: 'B',
        isPublic: true,
        appSettings: { anonymous: true },
      }),
    ).rejects.toBeInstanceOf(Forbidden);
    await expect(listRooms(t.db, org.billing.actor, organizationId)).rejects.toBeInstanceOf(Forbidden);
    await expect(updateRoom(t.db, org.billing.actor, { ...ref, name: 'x' })).rejects.toBeInstanceOf(
      Forbidden,
    );
    expect((await getRoom(t.db, colleague.actor, ref)).canManage).toBe(false);
    expect((await getRoom(t.db, org.member.actor, ref)).canManage).toBe(true);
    expect((await getRoom(t.db, org.admin.actor, ref)).canManage).toBe(true);
    // Non-members and other organizations' ids: 404.
    const outsider = await createUser(t.db);
    await expect(getRoom(t.db, outsider.actor, ref)).rejects.toBeInstanceOf(NotFound);
    const other = await eventOrg(t.db);
    await expect(
      updateRoom(t.db, other.owner.actor, {
        organizationId: other.organization.id,
        roomId: mine.id,
        name: 'x',
      }),
    ).rejects.toThrow('Room not found');
    await expect(
      getRoom(t.db, other.owner.actor, { organizationId: other.organization.id, roomId: mine.id }),
    ).rejects.toBeInstanceOf(NotFound);
  });

  it('deleting is a soft delete: hidden from lists, 404 afterwards, its rows kept, audited', async () => {
    const org = await eventOrg(t.db);
    const room = await sampleRoom(t.db, org);
    const ref = { organizationId: org.organization.id, roomId: room.id };
    const [person] = await addPeople(t.db, org, room.id, 1);
    const prize = await samplePrize(t.db, org, room.id);
    await drawWinners(t.db, org.owner.actor, { ...ref, prizeId: prize.id });
    await deleteRoom(t.db, org.admin.actor, ref);
    expect((await roomRow(room.id)).deletedAt).not.toBeNull();
    expect((await listRooms(t.db, org.owner.actor, org.organization.id)).map((r) => r.room.id)).not.toContain(
      room.id,
    );
    await expect(getRoom(t.db, org.owner.actor, ref)).rejects.toBeInstanceOf(NotFound);
    await expect(deleteRoom(t.db, org.owner.actor, ref)).rejects.toBeInstanceOf(NotFound);
    await expect(getRoomPage(t.db, org.owner.id, room.id)).rejects.toBeInstanceOf(NotFound);
    expect(
      await t.db.select().from(participants).where(eq(participants.id, person!.participant.id)),
    ).toHaveLength(1);
    expect(await t.db.select().from(winners).where(eq(winners.roomId, room.id))).toHaveLength(1);
    expect(
      await t.db
        .select()
        .from(auditLogs)
        .where(and(eq(auditLogs.entityId, room.id), eq(auditLogs.action, 'room.deleted'))),
    ).toHaveLength(1);
  });

  it('lists: newest first, with app name, organizer and active participants; status filter', async () => {
    const org = await eventOrg(t.db);
    const first = await sampleRoom(t.db, org);
    const second = await sampleRoom(t.db, org, { status: 'DRAFT' });
    await addPeople(t.db, org, first.id, 2);
    const rows = await listRooms(t.db, org.member.actor, org.organization.id);
    expect(rows.map((r) => r.room.id)).toEqual([second.id, first.id]);
    expect(rows[1]).toMatchObject({ appName: 'Raffle', participantCount: 2 });
    expect(
      (await listRooms(t.db, org.member.actor, org.organization.id, { status: 'DRAFT' })).map(
        (r) => r.room.id,
      ),
    ).toEqual([second.id]);
  });
});

describe('the room page (/rooms/:id)', () => {
  it('a public room shows to any signed-in user with its prizes and winners (names, never emails)', async () => {
    const org = await eventOrg(t.db);
    const room = await sampleRoom(t.db, org);
    const prize = await samplePrize(t.db, org, room.id, 2);
    const stranger = await createUser(t.db);
    await joinRoom(t.db, stranger.actor, { roomId: room.id });
    await drawWinners(t.db, org.owner.actor, {
      organizationId: org.organization.id,
      roomId: room.id,
      prizeId: prize.id,
    });
    const page = await getRoomPage(t.db, stranger.id, room.id);
    expect(page).toMatchObject({ participantCount: 1, isMember: false, joinRefusal: null });
    expect(page.myParticipantId).not.toBeNull();
    expect(page.prizes).toEqual([
      expect.objectContaining({ id: prize.id, quantity: 2, awarded: 1, remaining: 1 }),
    ]);
    expect(page.winners).toHaveLength(1);
    expect(JSON.stringify(page.winners)).not.toContain('@');
    const other = await createUser(t.db);
    expect((await getRoomPage(t.db, other.id, room.id)).joinRefusal).toBeNull();
  });

  it('a private room is not found for outsiders; its members see why they cannot join', async () => {
    const org = await eventOrg(t.db);
    const room = await sampleRoom(t.db, org, { isPublic: false });
    const stranger = await createUser(t.db);
    await expect(getRoomPage(t.db, stranger.id, room.id)).rejects.toBeInstanceOf(NotFound);
    expect((await getRoomPage(t.db, org.member.id, room.id)).joinRefusal).toContain('private');
    const draft = await sampleRoom(t.db, org, { status: 'DRAFT' });
    expect((await getRoomPage(t.db, stranger.id, draft.id)).joinRefusal).toBe('This room is not open yet.');
  });
});

describe('seed 001 rules that reach rooms', () => {
  it('account deletion soft-deletes the rooms the user organized and their participations (SPEC §6)', async () => {
    const org = await eventOrg(t.db);
    const mine = await sampleRoom(t.db, org, { organizer: org.member });
    const others = await sampleRoom(t.db, org);
    await joinRoom(t.db, org.member.actor, { roomId: others.id });
    const email = (
      await t.db.select({ email: users.email }).from(users).where(eq(users.id, org.member.id))
    )[0]!.email;
    const result = await deleteAccount(t.db, org.member.actor, { confirm: email });
    expect(result.roomsDeleted).toBe(1);
    expect((await roomRow(mine.id)).deletedAt).not.toBeNull();
    expect((await roomRow(others.id)).deletedAt).toBeNull();
    const [left] = await t.db
      .select()
      .from(participants)
      .where(and(eq(participants.roomId, others.id), eq(participants.userId, org.member.id)));
    expect(left?.deletedAt).not.toBeNull();
  });

  it('the organizer is kept: a raw hard delete of the user is refused (RESTRICT), the service soft-deletes', async () => {
    const org = await eventOrg(t.db);
    const room = await sampleRoom(t.db, org, { organizer: org.admin });
    expect(['23503', '23001']).toContain(await failure(sql`DELETE FROM users WHERE id = ${org.admin.id}`));
    expect((await roomRow(room.id)).createdBy).toBe(org.admin.id);
  });

  it('an app in use is kept: a raw hard delete of the app is refused (RESTRICT)', async () => {
    const org = await eventOrg(t.db);
    const app = await sampleApp(t.db, org);
    await sampleRoom(t.db, org, { appId: app.appId });
    expect(['23503', '23001']).toContain(await failure(sql`DELETE FROM apps WHERE id = ${app.id}`));
    expect(await t.db.select().from(apps).where(eq(apps.id, app.id))).toHaveLength(1);
  });

  it('deleting the organization (service) removes its rooms with their participants, prizes and winners', async () => {
    const org = await eventOrg(t.db);
    const room = await sampleRoom(t.db, org);
    await addPeople(t.db, org, room.id, 2);
    const prize = await samplePrize(t.db, org, room.id, 1);
    await drawWinners(t.db, org.owner.actor, {
      organizationId: org.organization.id,
      roomId: room.id,
      prizeId: prize.id,
    });
    await deleteOrganization(t.db, org.owner.actor, {
      organizationId: org.organization.id,
      confirm: org.organization.slug,
    });
    expect(await t.db.select().from(rooms).where(eq(rooms.id, room.id))).toHaveLength(0);
    expect(await t.db.select().from(participants).where(eq(participants.roomId, room.id))).toHaveLength(0);
    expect(await t.db.select().from(prizes).where(eq(prizes.id, prize.id))).toHaveLength(0);
    expect(await t.db.select().from(winners).where(eq(winners.roomId, room.id))).toHaveLength(0);
  });

  it('a raw hard delete of a room takes its participants, prizes and winners (CASCADE)', async () => {
    const org = await eventOrg(t.db);
    const room = await sampleRoom(t.db, org);
    await addPeople(t.db, org, room.id, 1);
    const prize = await samplePrize(t.db, org, room.id, 1);
    await drawWinners(t.db, org.owner.actor, {
      organizationId: org.organization.id,
      roomId: room.id,
      prizeId: prize.id,
    });
    expect(await failure(sql`DELETE FROM rooms WHERE id = ${room.id}`)).toBeNull();
    expect(await t.db.select().from(participants).where(eq(participants.roomId, room.id))).toHaveLength(0);
    expect(await t.db.select().from(prizes).where(eq(prizes.roomId, room.id))).toHaveLength(0);
    expect(await t.db.select().from(winners).where(eq(winners.roomId, room.id))).toHaveLength(0);
  });
});
