// Live room updates over LISTEN/NOTIFY: a subscriber on one connection hears notifyRoom sent through
// another (two instances of the app), only for its room, until it unsubscribes; who may watch a room;
// the /rooms/:id/live stream end to end on the loader; and the same hub on PGlite (development).
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserSession } from '~/auth/sessions.server';
import { addMember, createOrg, createUser, uid } from '~/orgs/test-support';
import { loader } from '~/routes/rooms.$id.live';
import { type Connection, connectPglite, connectPostgres, type Database, rowsOf } from '~db/client.server';
import { apps, participants, rooms } from '~db/schema';
import { postgresAvailable, useTestDatabase } from '../../tests/support/db';
import {
  canWatchRoom,
  notifyRoom,
  type RoomEvent,
  RoomEventHub,
  roomEventStream,
  subscribeRoom,
} from './live.server';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `check` holds, or fails after `timeoutMs`. */
async function eventually(check: () => boolean, timeoutMs = 2_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await sleep(10);
  }
}

async function createRoom(
  db: Database,
  options: { organizationId: string; createdBy: string; isPublic: boolean },
) {
  const appId = `app-${uid()}`;
  await db.insert(apps).values({ appId, name: 'Live test app', manifest: { name: 'Live test app' } });
  const [room] = await db
    .insert(rooms)
    .values({
      appId,
      appManifestVersion: '1.0.0',
      createdBy: options.createdBy,
      organizationId: options.organizationId,
      name: `Room ${uid()}`,
      isPublic: options.isPublic,
      status: 'ACTIVE',
      startsAt: new Date(),
    })
    .returning();
  if (!room) throw new Error('no room');
  return room;
}

describe.skipIf(!postgresAvailable())('live room events on PostgreSQL', () => {
  const t = useTestDatabase('postgres');
  // Two independent clients of the same database, as two app instances have.
  let a: Connection;
  let b: Connection;
  let hub: RoomEventHub;

  beforeAll(() => {
    a = connectPostgres(t.url ?? '', { max: 2 });
    b = connectPostgres(t.url ?? '', { max: 2 });
    hub = new RoomEventHub(async () => a);
  });
  afterAll(async () => {
    await hub?.close();
    await a?.close();
    await b?.close();
  });

  it('a subscriber on one connection receives notifyRoom sent through another, for its room only', async () => {
    const room = `room-${uid()}`;
    const other = `room-${uid()}`;
    const received: RoomEvent[] = [];
    const unsubscribe = hub.subscribe(room, (e) => received.push(e));
    await hub.ready();

    await notifyRoom(b.db, other, 'winners');
    const sent = Date.now();
    await notifyRoom(b.db, room, 'participants');
    await eventually(() => received.length > 0, 2_000, 'delivery');
    expect(Date.now() - sent).toBeLessThan(2_000);
    expect(received).toEqual([{ kind: 'participants', at: expect.any(String) }]);
    expect(Number.isNaN(Date.parse(received[0]?.at ?? ''))).toBe(false);

    // The other room's notification (sent first) never arrives; neither does a later one.
    await notifyRoom(b.db, other, 'room');
    await notifyRoom(b.db, room, 'winners');
    await eventually(() => received.length > 1, 2_000, 'second delivery');
    expect(received.map((e) => e.kind)).toEqual(['participants', 'winners']);

    unsubscribe();
    unsubscribe(); // idempotent
    expect(hub.size).toBe(0);
    await notifyRoom(b.db, room, 'room');
    await sleep(300);
    expect(received).toHaveLength(2);
  });

  it('fans one notification out to every subscriber of the room; one that throws does not stop the rest', async () => {
    const room = `room-${uid()}`;
    const first: string[] = [];
    const second: string[] = [];
    const offThrowing = hub.subscribe(room, () => {
      throw new Error('subscriber bug');
    });
    const offFirst = hub.subscribe(room, (e) => first.push(e.kind));
    const offSecond = hub.subscribe(room, (e) => second.push(e.kind));
    await hub.ready();
    await notifyRoom(b.db, room, 'room');
    await eventually(() => first.length === 1 && second.length === 1);
    offFirst();
    await notifyRoom(b.db, room, 'participants');
    await eventually(() => second.length === 2);
    expect(first).toEqual(['room']);
    expect(second).toEqual(['room', 'participants']);
    offSecond();
    offThrowing();
  });

  it('ignores payloads on the channel that are not room events', async () => {
    const room = `room-${uid()}`;
    const received: RoomEvent[] = [];
    const off = hub.subscribe(room, (e) => received.push(e));
    await hub.ready();
    for (const payload of ['not json', JSON.stringify({ roomId: room, kind: 'secrets', at: 'x' }), 'null'])
      await b.db.execute(sql`SELECT pg_notify('room_events', ${payload})`);
    await notifyRoom(b.db, room, 'winners');
    await eventually(() => received.length > 0);
    expect(received.map((e) => e.kind)).toEqual(['winners']);
    off();
  });

  it('after the LISTEN connection is lost it listens again, and tells subscribers to catch up', async () => {
    const room = `room-${uid()}`;
    const received: RoomEvent[] = [];
    const off = hub.subscribe(room, (e) => received.push(e));
    await hub.ready();
    // The backend holding A's LISTEN, killed as a failover or an idle-connection reaper would.
    const killed = await b.db.execute(sql`
      SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND query ILIKE 'listen%'`);
    expect(rowsOf<{ done: boolean }>(killed).map((r) => r.done)).toEqual([true]);
    // Notifications sent while it was away are lost: the subscriber gets a `room` to revalidate on.
    await eventually(() => received.some((e) => e.kind === 'room'), 5_000, 'the catch-up event');
    await eventually(
      () => {
        void notifyRoom(b.db, room, 'winners');
        return received.some((e) => e.kind === 'winners');
      },
      5_000,
      'delivery after the reconnect',
    );
    off();
  });

  it('notifyRoom never throws into its caller', async () => {
    const closed = connectPostgres(t.url ?? '', { max: 1 });
    await closed.close();
    await expect(notifyRoom(closed.db, 'room-x', 'participants')).resolves.toBeUndefined();
  });

  it('canWatchRoom: a public room for anyone, a private one for members and participants only', async () => {
    const db = t.db;
    const { organization, owner } = await createOrg(db);
    const member = await addMember(db, organization.id, 'MEMBER');
    const participant = await createUser(db);
    const leaver = await createUser(db);
    const stranger = await createUser(db);
    const publicRoom = await createRoom(db, {
      organizationId: organization.id,
      createdBy: owner.id,
      isPublic: true,
    });
    const privateRoom = await createRoom(db, {
      organizationId: organization.id,
      createdBy: owner.id,
      isPublic: false,
    });
    await db.insert(participants).values([
      { roomId: privateRoom.id, userId: participant.id },
      { roomId: privateRoom.id, userId: leaver.id, deletedAt: new Date() },
    ]);

    expect(await canWatchRoom(db, stranger.id, publicRoom.id)).toBe(true);
    expect(await canWatchRoom(db, stranger.id, privateRoom.id)).toBe(false);
    expect(await canWatchRoom(db, owner.id, privateRoom.id)).toBe(true);
    expect(await canWatchRoom(db, member.id, privateRoom.id)).toBe(true);
    expect(await canWatchRoom(db, participant.id, privateRoom.id)).toBe(true);
    expect(await canWatchRoom(db, leaver.id, privateRoom.id)).toBe(false);
    expect(await canWatchRoom(db, owner.id, 'c-no-such-room')).toBe(false);

    // A deleted room is watched by no one, public or not.
    await db.update(rooms).set({ deletedAt: new Date() }).where(eq(rooms.id, publicRoom.id));
    expect(await canWatchRoom(db, stranger.id, publicRoom.id)).toBe(false);
    expect(await canWatchRoom(db, owner.id, publicRoom.id)).toBe(false);
  });

  describe('GET /rooms/:id/live', () => {
    const KEY = Symbol.for('saas.db');
    const holder = globalThis as Record<symbol, unknown>;
    let previous: unknown;
    // The app's database is connection A (it can LISTEN); notifications come from B.
    beforeAll(() => {
      previous = holder[KEY];
      holder[KEY] = Promise.resolve(a);
    });
    afterAll(() => {
      holder[KEY] = previous;
    });

    const get = (roomId: string, cookie?: string, signal?: AbortSignal) =>
      loader({
        request: new Request(`http://localhost:3000/rooms/${roomId}/live`, {
          headers: cookie ? { cookie, accept: 'text/event-stream' } : {},
          signal,
        }),
        params: { id: roomId },
        context: {},
      });

    async function signedIn(userId: string) {
      const setCookie = await createUserSession(a.db, userId, new Request('http://localhost:3000/login'));
      return setCookie.split(';')[0] ?? '';
    }

    it('401 without a session, 404 for an unknown room or one the user may not see', async () => {
      const { organization, owner } = await createOrg(a.db);
      const room = await createRoom(a.db, {
        organizationId: organization.id,
        createdBy: owner.id,
        isPublic: false,
      });
      const stranger = await createUser(a.db);

      const anonymous = await get(room.id);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('content-type')).not.toContain('event-stream');

      const cookie = await signedIn(stranger.id);
      expect((await get(room.id, cookie)).status).toBe(404);
      expect((await get('c-no-such-room', cookie)).status).toBe(404);
      expect((await get('x'.repeat(500), cookie)).status).toBe(404);
    });

    it('streams retry, hello, then each notification of the room; the client leaving unsubscribes', async () => {
      const { organization, owner } = await createOrg(a.db);
      const room = await createRoom(a.db, {
        organizationId: organization.id,
        createdBy: owner.id,
        isPublic: false,
      });
      const cookie = await signedIn(owner.id);
      const abort = new AbortController();

      const res = await get(room.id, cookie, abort.signal);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-accel-buffering')).toBe('no');

      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      const readUntil = async (needle: string) => {
        const deadline = Date.now() + 2_000;
        while (!text.includes(needle)) {
          const left = deadline - Date.now();
          if (left <= 0) throw new Error(`no ${JSON.stringify(needle)} in ${JSON.stringify(text)}`);
          const chunk = await Promise.race([reader.read(), sleep(left).then(() => null)]);
          if (!chunk) continue;
          if (chunk.done)
            throw new Error(`stream ended before ${JSON.stringify(needle)}: ${JSON.stringify(text)}`);
          text += chunk.value;
        }
      };
      await readUntil('event: hello\n');
      expect(text.startsWith('retry: 3000\n\n')).toBe(true);

      // hello came once the process hub (subscribeRoom) listened on A; the notifications go through B.
      const probe: RoomEvent[] = [];
      const offProbe = subscribeRoom(room.id, (e) => probe.push(e));
      await notifyRoom(b.db, room.id, 'room');
      await readUntil('event: room\n');
      expect(probe.map((e) => e.kind)).toEqual(['room']);
      offProbe();

      text = '';
      await notifyRoom(b.db, `room-${uid()}`, 'winners');
      await notifyRoom(b.db, room.id, 'participants');
      await readUntil('event: participants\n');
      expect(text).toMatch(/^event: participants\ndata: \{"at":"[^"]+"\}\n\n/m);
      expect(text).not.toContain('winners');

      abort.abort();
      const end = await Promise.race([
        (async () => {
          for (;;) if ((await reader.read()).done) return 'ended';
        })(),
        sleep(2_000).then(() => 'still open'),
      ]);
      expect(end).toBe('ended');
    });
  });
});

describe('the event stream itself', () => {
  it('sends pings, and unsubscribes when the reader cancels', async () => {
    let unsubscribed = 0;
    let emit: ((e: RoomEvent) => void) | undefined;
    const stream = roomEventStream('room-1', new AbortController().signal, {
      pingMs: 20,
      ready: async () => {},
      subscribe: (_room, onEvent) => {
        emit = onEvent;
        return () => unsubscribed++;
      },
    });
    const reader = stream.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const read = async () => {
      const { value } = await reader.read();
      text += decoder.decode(value, { stream: true });
    };
    while (!text.includes(': ping\n\n')) await read();
    emit?.({ kind: 'winners', at: '2030-01-01T00:00:00.000Z' });
    while (!text.includes('event: winners')) await read();
    expect(text).toContain('event: winners\ndata: {"at":"2030-01-01T00:00:00.000Z"}\n\n');
    await reader.cancel();
    expect(unsubscribed).toBe(1);
  });

  it('an already aborted request gets an empty stream and no subscription', async () => {
    const abort = new AbortController();
    abort.abort();
    let subscribed = 0;
    const stream = roomEventStream('room-1', abort.signal, {
      subscribe: () => {
        subscribed++;
        return () => {};
      },
    });
    expect(await new Response(stream).text()).toBe('');
    expect(subscribed).toBe(0);
  });
});

describe('live room events on PGlite (development: one process)', () => {
  let conn: Connection;
  let hub: RoomEventHub;
  beforeAll(async () => {
    conn = await connectPglite();
    hub = new RoomEventHub(async () => conn);
  });
  afterAll(async () => {
    await hub?.close();
    await conn?.close();
  });

  it('delivers notifyRoom to the room subscribers until they unsubscribe', async () => {
    const received: RoomEvent[] = [];
    const off = hub.subscribe('room-a', (e) => received.push(e));
    await hub.ready();
    await notifyRoom(conn.db, 'room-b', 'winners');
    await notifyRoom(conn.db, 'room-a', 'participants');
    await eventually(() => received.length > 0);
    expect(received.map((e) => e.kind)).toEqual(['participants']);
    off();
    await notifyRoom(conn.db, 'room-a', 'room');
    await sleep(100);
    expect(received).toHaveLength(1);
  });
});
