// Live room updates across instances (issue 12 item 6): two production app processes (A and B) on ONE
// PostgreSQL database; a signed-in organizer watches /rooms/:id/live on A and on B, and one notifyRoom
// sent through another connection (as the instance that made the change would) reaches both streams,
// uncompressed and unbuffered. A third instance stopped with a stream open ends it and drains at once;
// A's and B's streams are closed before they are stopped. Plain HTTP only.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { userActor } from '~/audit/audit.server';
import { createPasswordUser } from '~/auth/test-helpers.server';
import { notifyRoom } from '~/events/live.server';
import { createOrganization } from '~/orgs/organizations.server';
import { type Connection, connectPostgres } from '~db/client.server';
import { apps, rooms } from '~db/schema';
import { cloneTemplate, databaseUrl, dropDatabase, ensureTemplate } from '../support/pg';
import { type Instance, startInstance } from './instances';

// Set by global-setup only when the production build exists and the database is PostgreSQL.
const available = inject('e2eDatabaseUrl') !== null;
const describeInstances = available
  ? describe
  : describe.skip.bind(
      describe,
      'live rooms over several instances (needs the e2e build on PostgreSQL): skipped',
    );

const id = () => randomBytes(4).toString('hex');

async function signIn(instance: Instance, email: string, password: string): Promise<string> {
  const res = await fetch(`${instance.url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: instance.url, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, password, redirectTo: '/orgs' }),
  });
  expect(res.status, `sign-in on ${instance.name}: ${await res.clone().text()}`).toBe(302);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  expect(cookie).not.toBe('');
  return cookie;
}

/** An open /rooms/:id/live stream, read as text as it arrives. */
interface LiveStream {
  response: Response;
  /** Waits until the text received so far contains `needle`; returns everything received. */
  until(needle: string, timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

async function openLive(instance: Instance, roomId: string, cookie?: string): Promise<LiveStream> {
  const abort = new AbortController();
  const response = await fetch(`${instance.url}/rooms/${roomId}/live`, {
    headers: {
      accept: 'text/event-stream',
      'accept-encoding': 'gzip, deflate, br',
      ...(cookie ? { cookie } : {}),
    },
    signal: abort.signal,
  });
  const reader = response.body?.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let pending: Promise<ReadableStreamReadResult<Uint8Array>> | null = null;
  return {
    response,
    async until(needle, timeoutMs = 5_000) {
      if (!reader) throw new Error(`no body (status ${response.status})`);
      const deadline = Date.now() + timeoutMs;
      while (!text.includes(needle)) {
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(`${instance.name}: no ${JSON.stringify(needle)} in ${JSON.stringify(text)}`);
        pending ??= reader.read();
        const chunk = await Promise.race([pending, new Promise<null>((r) => setTimeout(r, left, null))]);
        if (!chunk) continue;
        pending = null;
        if (chunk.done) throw new Error(`${instance.name}: stream ended: ${JSON.stringify(text)}`);
        text += decoder.decode(chunk.value, { stream: true });
      }
      return text;
    },
    async close() {
      abort.abort();
      await reader?.cancel().catch(() => {});
    },
  };
}

describeInstances('live room updates over several instances', () => {
  let dbName: string | undefined;
  let conn: Connection | undefined;
  let a: Instance;
  let b: Instance;
  const streams: LiveStream[] = [];
  const db = () => {
    if (!conn) throw new Error('database not ready');
    return conn.db;
  };

  beforeAll(async () => {
    dbName = await cloneTemplate(await ensureTemplate());
    const url = databaseUrl(dbName);
    conn = connectPostgres(url, { max: 4 });
    [a, b] = await Promise.all([startInstance('A', url), startInstance('B', url)]);
  }, 90_000);

  afterAll(async () => {
    // Open streams would hold the drain: close them first.
    await Promise.all(streams.map((s) => s.close()));
    const codes = await Promise.all([a?.stop(), b?.stop()]);
    await conn?.close();
    if (dbName) await dropDatabase(dbName);
    // Both drained and exited cleanly on SIGTERM.
    expect(codes, `A:\n${a?.output()}\nB:\n${b?.output()}`).toEqual([0, 0]);
  }, 30_000);

  async function privateRoom() {
    const owner = await createPasswordUser(db(), { email: `live-${id()}@example.com` });
    const actor = { ...userActor(owner.id), userId: owner.id };
    const organization = await createOrganization(db(), actor, { name: 'Live Org', slug: `live-${id()}` });
    const appId = `live-app-${id()}`;
    await db()
      .insert(apps)
      .values({ appId, name: 'Live app', manifest: { name: 'Live app' } });
    const [room] = await db()
      .insert(rooms)
      .values({
        appId,
        appManifestVersion: '1.0.0',
        createdBy: owner.id,
        organizationId: organization.id,
        name: 'Live room',
        status: 'ACTIVE',
        startsAt: new Date(),
      })
      .returning();
    if (!room) throw new Error('no room');
    return { owner, room };
  }

  it('a notification sent through another connection reaches the streams on A and on B', async () => {
    const { owner, room } = await privateRoom();
    const cookie = await signIn(a, owner.email, owner.password);

    const onA = await openLive(a, room.id, cookie);
    streams.push(onA);
    expect(onA.response.status).toBe(200);
    expect(onA.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(onA.response.headers.get('cache-control')).toBe('no-store');
    expect(onA.response.headers.get('x-accel-buffering')).toBe('no');
    // Not compressed (the compression middleware would hold events back until a buffer fills).
    expect(onA.response.headers.get('content-encoding')).toBeNull();
    // The session made on A is good on B too.
    const onB = await openLive(b, room.id, cookie);
    streams.push(onB);
    expect(onB.response.status).toBe(200);

    // hello is sent once the instance LISTENs: what is notified from now on is delivered.
    expect(await onA.until('event: hello\n')).toMatch(/^retry: 3000\n\n/);
    await onB.until('event: hello\n');

    await notifyRoom(db(), `other-${id()}`, 'winners');
    await notifyRoom(db(), room.id, 'participants');
    for (const stream of [onA, onB]) {
      const text = await stream.until('event: participants\n', 2_000);
      expect(text).toMatch(/event: participants\ndata: \{"at":"[^"]+"\}\n\n/);
      expect(text).not.toContain('winners');
    }

    await Promise.all([onA.close(), onB.close()]);
  });

  it('an instance stopped (SIGTERM) with a stream open ends the stream and exits 0', async () => {
    const { owner, room } = await privateRoom();
    const c = await startInstance('C', databaseUrl(dbName ?? ''));
    try {
      const cookie = await signIn(c, owner.email, owner.password);
      const onC = await openLive(c, room.id, cookie);
      streams.push(onC);
      await onC.until('event: hello\n');
      const started = Date.now();
      // The browser's EventSource would reconnect (retry: 3000) to another instance.
      const [code, ended] = await Promise.all([
        c.stop(),
        onC.until('never sent', 15_000).then(
          () => 'open',
          (err: Error) => (err.message.includes('stream ended') ? 'ended' : err.message),
        ),
      ]);
      expect(code, c.output()).toBe(0);
      expect(ended).toBe('ended');
      // Not the 25 s drain timeout: the stream did not hold the drain.
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await c.stop();
    }
  }, 90_000);

  it('401 without a session, 404 for a room the user may not see', async () => {
    const { room } = await privateRoom();
    const anonymous = await openLive(a, room.id);
    expect(anonymous.response.status).toBe(401);
    await anonymous.close();

    const stranger = await createPasswordUser(db(), { email: `stranger-${id()}@example.com` });
    const cookie = await signIn(b, stranger.email, stranger.password);
    for (const roomId of [room.id, `c${id()}`]) {
      const refused = await openLive(b, roomId, cookie);
      expect(refused.response.status).toBe(404);
      expect(refused.response.headers.get('content-type')).not.toMatch(/event-stream/);
      await refused.close();
    }
  });
});
