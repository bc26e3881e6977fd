// Live room updates (issue 12 item 6): the domain calls notifyRoom() after a commit; every app instance
// LISTENs on the PostgreSQL channel `room_events` (one connection per process, shared by every open
// stream) and fans each notification out to the browsers watching that room over Server-Sent Events
// (app/routes/rooms.$id.live.ts). Works on PostgreSQL (several instances) and on PGlite (dev, one process).
//
// A notification says only that something of a kind changed, never what: `{roomId, kind, at}` — ids,
// no personal data. The page reloads its own data, through its loader and its own permission checks:
//
//   // in the room page (app/routes/rooms.$id.tsx), client side
//   const revalidator = useRevalidator();
//   useEffect(() => {
//     const source = new EventSource(`/rooms/${room.id}/live`);
//     const refresh = () => revalidator.revalidate();
//     for (const kind of ['participants', 'winners', 'room']) source.addEventListener(kind, refresh);
//     return () => source.close();
//   }, [room.id]); // revalidate is the router's own function: the first render's is good for good
//
// EventSource reconnects on its own (the stream sends `retry: 3000`), possibly to another instance;
// `event: hello` opens every stream, so a page can also revalidate on a hello that follows an error,
// to catch up with what it missed while disconnected. `event: room` is also sent when this instance's
// LISTEN connection was re-established (notifications in between are lost): revalidate on it too.
import { and, eq, isNull, sql } from 'drizzle-orm';
import { getConnection } from '~/db.server';
import type { Connection, Database, Unlisten } from '~db/client.server';
import { organizationMembers, participants, rooms } from '~db/schema';

export const ROOM_EVENTS_CHANNEL = 'room_events';
export const ROOM_EVENT_KINDS = ['participants', 'winners', 'room'] as const;
export type RoomEventKind = (typeof ROOM_EVENT_KINDS)[number];
export interface RoomEvent {
  kind: RoomEventKind;
  /** ISO 8601 time of the notification. */
  at: string;
}
type Listener = (event: RoomEvent) => void;

const isKind = (value: unknown): value is RoomEventKind =>
  typeof value === 'string' && (ROOM_EVENT_KINDS as readonly string[]).includes(value);

/**
 * Tells every instance's watchers of the room that something of `kind` changed. Call it after the
 * commit (inside a transaction PostgreSQL delivers it at commit, or never on rollback). Never throws:
 * a live update is a convenience, the write it follows has happened; a failure is logged.
 */
export async function notifyRoom(db: Database, roomId: string, kind: RoomEventKind): Promise<void> {
  try {
    // A few dozen bytes, far below NOTIFY's 8000-byte limit.
    const payload = JSON.stringify({ roomId, kind, at: new Date().toISOString() });
    await db.execute(sql`SELECT pg_notify(${ROOM_EVENTS_CHANNEL}, ${payload})`);
  } catch (err) {
    console.error(
      `[live] notify ${kind} for room ${roomId} failed:`,
      err instanceof Error ? err.message : String(err),
    );
  }
}

const RETRY_MS = 5_000;

/**
 * The subscribers of one process, by room, over one LISTEN. The LISTEN starts with the first subscriber
 * and stays for the life of the process (later subscribers reuse it). If it cannot start, it is retried
 * every 5 s while anyone is subscribed.
 */
export class RoomEventHub {
  private readonly byRoom = new Map<string, Set<Listener>>();
  private state: 'idle' | 'starting' | 'listening' | 'closed' = 'idle';
  private listens = 0;
  private unlisten: Unlisten | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly connection: () => Promise<Connection>) {}

  subscribe(roomId: string, onEvent: Listener): () => void {
    // A wrapper per call: the same function subscribed twice is two subscriptions.
    const listener: Listener = (event) => onEvent(event);
    let set = this.byRoom.get(roomId);
    if (!set) {
      set = new Set();
      this.byRoom.set(roomId, set);
    }
    set.add(listener);
    if (this.state === 'idle') void this.start();
    return () => {
      const current = this.byRoom.get(roomId);
      if (!current?.delete(listener)) return;
      if (current.size === 0) this.byRoom.delete(roomId);
    };
  }

  /** Subscribers in this process (all rooms). */
  get size(): number {
    let n = 0;
    for (const set of this.byRoom.values()) n += set.size;
    return n;
  }

  /** Resolves once the LISTEN is in place (tests: a notification sent after this is received). */
  async ready(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.state !== 'listening') {
      if (Date.now() > deadline) throw new Error(`LISTEN ${ROOM_EVENTS_CHANNEL} not ready (${this.state})`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async close(): Promise<void> {
    this.state = 'closed';
    this.byRoom.clear();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const unlisten = this.unlisten;
    this.unlisten = null;
    await unlisten?.().catch(() => {});
  }

  // A method, not an inline comparison: close() may run while start() awaits.
  private get closed(): boolean {
    return this.state === 'closed';
  }

  private async start(): Promise<void> {
    this.state = 'starting';
    try {
      const connection = await this.connection();
      if (!connection.listen) throw new Error(`the ${connection.driver} connection cannot LISTEN`);
      const unlisten = await connection.listen(
        ROOM_EVENTS_CHANNEL,
        (payload) => this.dispatch(payload),
        () => this.onListen(),
      );
      if (this.closed) {
        await unlisten().catch(() => {});
        return;
      }
      this.unlisten = unlisten;
      this.state = 'listening';
    } catch (err) {
      if (this.closed) return;
      console.error(
        `[live] LISTEN ${ROOM_EVENTS_CHANNEL} failed:`,
        err instanceof Error ? err.message : String(err),
      );
      this.state = 'idle';
      // Retried while someone waits; otherwise by the next subscriber.
      if (this.size > 0 && !this.retryTimer) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          if (this.state === 'idle' && this.size > 0) void this.start();
        }, RETRY_MS);
        this.retryTimer.unref?.();
      }
    }
  }

  /** Runs on every LISTEN of the driver: after the first, a reconnect; whatever happened in between is unknown. */
  private onListen(): void {
    this.listens += 1;
    if (this.listens === 1) return;
    const event: RoomEvent = { kind: 'room', at: new Date().toISOString() };
    for (const set of this.byRoom.values()) for (const listener of [...set]) this.deliver(listener, event);
  }

  private dispatch(payload: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch {
      return;
    }
    if (!parsed || typeof parsed !== 'object') return;
    const { roomId, kind, at } = parsed as Record<string, unknown>;
    if (typeof roomId !== 'string' || !isKind(kind) || typeof at !== 'string') return;
    const set = this.byRoom.get(roomId);
    if (!set) return;
    // A copy: a listener may unsubscribe (itself or another) while we iterate.
    for (const listener of [...set]) this.deliver(listener, { kind, at });
  }

  private deliver(listener: Listener, event: RoomEvent): void {
    try {
      listener(event);
    } catch (err) {
      console.error(
        '[live] a room event subscriber threw:',
        err instanceof Error ? err.message : String(err),
      );
    }
  }
}

// One hub per process, on globalThis like the database (app/db.server.ts): Vite's dev reloads of this
// module reuse it, and it follows the app's connection if that is ever reopened.
const HUB = Symbol.for('saas.live.hub');
type HubHolder = { [HUB]?: { connection: Promise<Connection>; hub: RoomEventHub } };

function processHub(): RoomEventHub {
  const holder = globalThis as HubHolder;
  const connection = getConnection();
  const current = holder[HUB];
  if (current && current.connection === connection) return current.hub;
  if (current) void current.hub.close();
  const hub = new RoomEventHub(() => connection);
  holder[HUB] = { connection, hub };
  return hub;
}

/**
 * Calls `onEvent` for each notifyRoom of this room, from any instance, until the returned function is
 * called. Subscribing is synchronous; the process's LISTEN starts with the first subscriber.
 */
export function subscribeRoom(roomId: string, onEvent: (event: RoomEvent) => void): () => void {
  return processHub().subscribe(roomId, onEvent);
}

/** Resolves once this process's LISTEN is in place (rejects after `timeoutMs` if it is not). */
export function roomEventsReady(timeoutMs?: number): Promise<void> {
  return processHub().ready(timeoutMs);
}

/**
 * Whether the user may watch the room's live updates: the room exists (not deleted) and is public, or
 * the user is a member of its organization, or one of its participants (not left).
 */
export async function canWatchRoom(db: Database, userId: string, roomId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: rooms.id })
    .from(rooms)
    .where(
      and(
        eq(rooms.id, roomId),
        isNull(rooms.deletedAt),
        sql`(${rooms.isPublic}
          OR EXISTS (SELECT 1 FROM ${organizationMembers}
            WHERE ${organizationMembers.organizationId} = ${rooms.organizationId}
              AND ${organizationMembers.userId} = ${userId})
          OR EXISTS (SELECT 1 FROM ${participants}
            WHERE ${participants.roomId} = ${rooms.id}
              AND ${participants.userId} = ${userId}
              AND ${participants.deletedAt} IS NULL))`,
      ),
    )
    .limit(1);
  return row !== undefined;
}

// ---------------------------------------------------------------------------------------------------
// The Server-Sent Events stream of /rooms/:id/live.

export const PING_MS = 25_000;
export const RETRY_HINT_MS = 3_000;

const STREAMS = Symbol.for('saas.live.streams');
type StreamsHolder = { [STREAMS]?: Set<() => void> };
function openStreams(): Set<() => void> {
  const holder = globalThis as StreamsHolder;
  if (!holder[STREAMS]) {
    holder[STREAMS] = new Set();
    // A draining server (server.ts: SIGTERM → server.close()) waits for every open response, and a live
    // stream never ends by itself: end them all on the signal, so the drain finishes; browsers reconnect
    // (retry: 3000) to an instance that is up. Only where the process already handles the signal, so
    // adding a listener does not take away Node's default exit on it.
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      if (process.listenerCount(signal) > 0) process.on(signal, closeLiveStreams);
    }
  }
  return holder[STREAMS];
}

/** Ends every live stream of this process (shutdown). */
export function closeLiveStreams(): void {
  const streams = (globalThis as StreamsHolder)[STREAMS];
  if (!streams) return;
  for (const close of [...streams]) close();
}

function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * The event stream of one room: `retry:`, `event: hello`, then one event per notification and a
 * `: ping` comment every `pingMs` (proxies drop idle connections); ends on `signal` (the client left)
 * or when the reader cancels, and unsubscribes then. `hello` waits (up to 5 s) for the LISTEN, so a
 * notification sent after the client saw it is delivered.
 */
export function roomEventStream(
  roomId: string,
  signal: AbortSignal,
  options: { pingMs?: number; subscribe?: typeof subscribeRoom; ready?: () => Promise<void> } = {},
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const subscribe = options.subscribe ?? subscribeRoom;
  const ready = options.ready ?? (() => roomEventsReady());
  let cleanup = () => {};
  return new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      const send = (text: string) => {
        if (closed) return;
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          cleanup();
        }
      };
      const streams = openStreams();
      let unsubscribe = () => {};
      let ping: ReturnType<typeof setInterval> | undefined;
      const onAbort = () => {
        cleanup();
        try {
          controller.close();
        } catch {
          // already closed or errored
        }
      };
      cleanup = () => {
        if (closed) return;
        closed = true;
        clearInterval(ping);
        unsubscribe();
        signal.removeEventListener('abort', onAbort);
        streams.delete(onAbort);
      };
      if (signal.aborted) {
        closed = true;
        controller.close();
        return;
      }
      signal.addEventListener('abort', onAbort);
      streams.add(onAbort);
      send(`retry: ${RETRY_HINT_MS}\n\n`);
      unsubscribe = subscribe(roomId, (event) => send(frame(event.kind, { at: event.at })));
      // Without a LISTEN (logged by the hub) the stream still opens: pings keep it, events come once it is up.
      void ready()
        .catch(() => {})
        .then(() => send(frame('hello', { at: new Date().toISOString() })));
      ping = setInterval(() => send(': ping\n\n'), options.pingMs ?? PING_MS);
      ping.unref?.();
    },
    cancel() {
      cleanup();
    },
  });
}
