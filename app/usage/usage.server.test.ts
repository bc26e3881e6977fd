// Usage ingestion and summaries (SPEC §4, §6, §7): batches validated into 400 JSON (never 500),
// idempotent per (organization, idempotency_key), refused with 403 limit_reached once the UTC month's
// api.call counter reaches the plan's api_calls_per_month (under that counter's row lock: concurrent
// batches cannot both take the last call), and sums by event type for a period.
import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createApiKey } from '~/api-keys/api-keys.server';
import { type ApiContext, authenticateApiRequest } from '~/api-keys/authenticate.server';
import { apiRequest, setApiCallLimit } from '~/api-keys/test-support';
import { call, outcome } from '~/auth/test-helpers.server';
import { usageRollup } from '~/cron/jobs.server';
import { LimitReached } from '~/lib/errors';
import { createProject } from '~/orgs/projects.server';
import { countRows, createOrg, uid } from '~/orgs/test-support';
import { action as usageAction, loader as usageLoader } from '~/routes/api.v1.orgs.$slug.usage';
import { type Database, rowsOf } from '~db/client.server';
import { usageDailyCounters, usageEvents } from '~db/schema';
import { itConcurrent, useAppTestDatabase } from '../../tests/support/db';
import { ingestUsage, utcMonth } from './usage.server';

const t = useAppTestDatabase();

async function setUp() {
  const { organization, owner } = await createOrg(t.db);
  const { key } = await createApiKey(t.db, owner.actor, {
    organizationId: organization.id,
    name: 'Ingest',
    scopes: ['usage:read', 'usage:write'],
  });
  return { organization, owner, key };
}

const post = (slug: string, key: string, json: unknown, body?: string) =>
  call(usageAction, apiRequest(`/api/v1/orgs/${slug}/usage`, key, body ? { body } : { json }), {
    slug,
  }).then(outcome);

const get = (slug: string, key: string, query = '') =>
  call(usageLoader, apiRequest(`/api/v1/orgs/${slug}/usage${query}`, key), { slug }).then(outcome);

/** The context of a POST /usage request, authenticated as the route does (the batch records its api.call). */
const ingestionContext = (slug: string, key: string) =>
  authenticateApiRequest(
    t.db,
    apiRequest(`/api/v1/orgs/${slug}/usage`, key, { method: 'POST' }),
    slug,
    'usage:write',
    {
      recordCall: false,
    },
  );

const countEvents = (organizationId: string, eventType: string) =>
  countRows(
    t.db,
    sql`SELECT count(*) AS n FROM usage_events WHERE organization_id = ${organizationId} AND event_type = ${eventType}`,
  );

/** `n` api.call events at `when` (ISO), as earlier requests would have left them. */
async function seedApiCalls(
  db: Database,
  organizationId: string,
  n: number,
  when = new Date().toISOString(),
) {
  await db.execute(sql`
    INSERT INTO usage_events (organization_id, event_type, quantity, "timestamp")
    SELECT ${organizationId}, 'api.call', 1, ${when}::timestamptz FROM generate_series(1, ${n})`);
}

describe('POST /api/v1/orgs/:slug/usage', () => {
  it('accepts a batch, links projects, keeps timestamps and data, counts one api.call', async () => {
    const { organization, owner, key } = await setUp();
    const project = await createProject(t.db, owner.actor, {
      organizationId: organization.id,
      name: 'P',
      slug: `p-${uid()}`,
    });
    const res = await post(organization.slug, key, {
      events: [
        { eventType: 'pos.transaction', quantity: 3, projectId: project.id, eventData: { till: 4 } },
        { eventType: 'sms.sent', quantity: 1, timestamp: '2020-01-02T03:04:05Z' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ accepted: 2, duplicates: 0 });
    const rows = await t.db
      .select()
      .from(usageEvents)
      .where(
        and(eq(usageEvents.organizationId, organization.id), eq(usageEvents.eventType, 'pos.transaction')),
      );
    expect(rows[0]).toMatchObject({ quantity: 3, projectId: project.id, eventData: { till: 4 } });
    const [sms] = await t.db
      .select()
      .from(usageEvents)
      .where(and(eq(usageEvents.organizationId, organization.id), eq(usageEvents.eventType, 'sms.sent')));
    expect(sms?.timestamp.toISOString()).toBe('2020-01-02T03:04:05.000Z');
    expect(await countEvents(organization.id, 'api.call')).toBe(1);
    // The batch's own statement kept the daily counters too, each event on its own UTC day.
    const daily = await t.db
      .select({
        day: usageDailyCounters.day,
        eventType: usageDailyCounters.eventType,
        quantity: usageDailyCounters.quantity,
      })
      .from(usageDailyCounters)
      .where(eq(usageDailyCounters.organizationId, organization.id));
    const today = new Date().toISOString().slice(0, 10);
    expect(daily.sort((a, b) => a.eventType.localeCompare(b.eventType))).toEqual([
      { day: today, eventType: 'api.call', quantity: 1 },
      { day: today, eventType: 'pos.transaction', quantity: 3 },
      { day: '2020-01-02', eventType: 'sms.sent', quantity: 1 },
    ]);
  });

  it('is idempotent per (organization, idempotency key), across batches and inside one', async () => {
    const { organization, key } = await setUp();
    const batch = {
      events: [
        { eventType: 'job.run', quantity: 1, idempotencyKey: 'a' },
        { eventType: 'job.run', quantity: 1, idempotencyKey: 'b' },
        { eventType: 'job.run', quantity: 1 },
      ],
    };
    expect((await post(organization.slug, key, batch)).data).toEqual({ accepted: 3, duplicates: 0 });
    expect((await post(organization.slug, key, batch)).data).toEqual({ accepted: 1, duplicates: 2 });
    const inside = {
      events: [
        { eventType: 'job.run', quantity: 5, idempotencyKey: 'c' },
        { eventType: 'job.run', quantity: 5, idempotencyKey: 'c' },
      ],
    };
    expect((await post(organization.slug, key, inside)).data).toEqual({ accepted: 1, duplicates: 1 });
    expect(await countEvents(organization.id, 'job.run')).toBe(5);
    // The same key in another organization is another event.
    const other = await setUp();
    expect((await post(other.organization.slug, other.key, batch)).data).toEqual({
      accepted: 3,
      duplicates: 0,
    });
  });

  it('answers 400 validation_failed JSON for every malformed batch, never 500', async () => {
    const { organization, key } = await setUp();
    const foreign = await setUp();
    const foreignProject = await createProject(t.db, foreign.owner.actor, {
      organizationId: foreign.organization.id,
      name: 'F',
      slug: `f-${uid()}`,
    });
    const ok = { eventType: 'e', quantity: 1 };
    const cases: [string, unknown, string?][] = [
      ['not json', undefined, '{"events": ['],
      ['no events', {}],
      ['events not an array', { events: 'x' }],
      ['empty batch', { events: [] }],
      ['1001 events', { events: Array.from({ length: 1001 }, () => ok) }],
      ['quantity 0', { events: [{ eventType: 'e', quantity: 0 }] }],
      ['negative quantity', { events: [{ eventType: 'e', quantity: -2 }] }],
      ['fractional quantity', { events: [{ eventType: 'e', quantity: 1.5 }] }],
      ['quantity as text', { events: [{ eventType: 'e', quantity: '3' }] }],
      ['no event type', { events: [{ quantity: 1 }] }],
      ['api.call is the platform’s', { events: [{ eventType: 'api.call', quantity: 1 }] }],
      ['bad timestamp', { events: [{ ...ok, timestamp: 'yesterday' }] }],
      ['future timestamp', { events: [{ ...ok, timestamp: '2999-01-01T00:00:00Z' }] }],
      ['eventData not an object', { events: [{ ...ok, eventData: [1, 2] }] }],
      ['unknown project', { events: [ok, { ...ok, projectId: 'c000000000000000000000000' }] }],
      ['another organization’s project', { events: [{ ...ok, projectId: foreignProject.id }] }],
    ];
    for (const [name, json, body] of cases) {
      const res = await post(organization.slug, key, json, body);
      expect(res.status, name).toBe(400);
      expect(res.data, name).toMatchObject({
        error: { code: 'validation_failed', message: expect.any(String) },
      });
    }
    const unknownProject = await post(organization.slug, key, {
      events: [ok, { ...ok, projectId: 'c000000000000000000000000' }],
    });
    expect((unknownProject.data as { error: { message: string } }).error.message).toContain(
      'events.1.projectId',
    );
    expect(await countEvents(organization.id, 'e')).toBe(0);
    // Each of those requests was authenticated: each counts one api.call.
    expect(await countEvents(organization.id, 'api.call')).toBe(cases.length + 1);
  });

  it('accepts exactly 1000 events', async () => {
    const { organization, key } = await setUp();
    const res = await post(organization.slug, key, {
      events: Array.from({ length: 1000 }, (_, i) => ({
        eventType: 'bulk',
        quantity: 1,
        idempotencyKey: `k${i}`,
      })),
    });
    expect(res.data).toEqual({ accepted: 1000, duplicates: 0 });
  });
});

describe('api_calls_per_month (SPEC §6)', () => {
  it('refuses with 403 limit_reached naming the limit and the upgrade path once the month is used up', async () => {
    const { organization, key } = await setUp();
    await setApiCallLimit(t.db, organization.id, 5);
    await seedApiCalls(t.db, organization.id, 3);
    // Last month's calls do not count.
    const lastMonth = new Date(utcMonth().from.getTime() - 86_400_000).toISOString();
    await seedApiCalls(t.db, organization.id, 50, lastMonth);
    const batch = { events: [{ eventType: 'e', quantity: 1 }] };
    expect((await post(organization.slug, key, batch)).status).toBe(200); // 4th call
    expect((await post(organization.slug, key, batch)).status).toBe(200); // 5th call
    const refused = await post(organization.slug, key, batch);
    expect(refused.status).toBe(403);
    expect(refused.data).toMatchObject({ error: { code: 'limit_reached' } });
    const { message } = (refused.data as { error: { message: string } }).error;
    expect(message).toContain('5 API calls per month');
    expect(message).toContain(`/o/${organization.slug}/billing`);
    // The refused batch stored nothing and did not count as a call.
    expect(await countEvents(organization.id, 'e')).toBe(2);
    const month = await get(organization.slug, key);
    expect(month.status).toBe(200); // reading is not ingestion
    expect((month.data as { apiCalls: unknown }).apiCalls).toMatchObject({ used: 6, limit: 5 });
  });

  itConcurrent('concurrent batches cannot both take the last API call', async () => {
    const { organization, key } = await setUp();
    await setApiCallLimit(t.db, organization.id, 10);
    await seedApiCalls(t.db, organization.id, 9);
    const contexts: ApiContext[] = [];
    for (let i = 0; i < 4; i++) {
      contexts.push(await ingestionContext(organization.slug, key));
    }
    const results = await Promise.allSettled(
      contexts.map((c, i) =>
        ingestUsage(t.db, c, { events: [{ eventType: 'race', quantity: 1, idempotencyKey: `r${i}` }] }),
      ),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(3);
    for (const r of lost) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(LimitReached);
    expect(await countEvents(organization.id, 'api.call')).toBe(10);
    expect(await countEvents(organization.id, 'race')).toBe(1);
  });

  itConcurrent(
    'a batch waits for the one holding the month’s api.call counter, then finds the month used up',
    async () => {
      const { organization, key } = await setUp();
      await setApiCallLimit(t.db, organization.id, 3);
      await seedApiCalls(t.db, organization.id, 2);
      const context = () => ingestionContext(organization.slug, key);
      const [first, second] = [await context(), await context()];
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let ingested!: () => void;
      const firstIngested = new Promise<void>((resolve) => {
        ingested = resolve;
      });
      // The first batch takes the last call and keeps its transaction open.
      const a = t.db.transaction(async (tx) => {
        const result = await ingestUsage(tx, first, { events: [{ eventType: 'race', quantity: 1 }] });
        ingested();
        await gate;
        return result;
      });
      await firstIngested;
      let settled = false;
      const b = ingestUsage(t.db, second, { events: [{ eventType: 'race', quantity: 1 }] }).finally(() => {
        settled = true;
      });
      b.catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Without the lock the second would have read 2 committed calls and passed by now.
      expect(settled).toBe(false);
      release();
      await expect(a).resolves.toEqual({ accepted: 1, duplicates: 0 });
      await expect(b).rejects.toBeInstanceOf(LimitReached);
      expect(await countEvents(organization.id, 'api.call')).toBe(3);
    },
  );

  itConcurrent(
    'ingestion does not hold the organization row: other writes of the organization go on',
    async () => {
      const { organization, key } = await setUp();
      const context = await ingestionContext(organization.slug, key);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let ingested!: () => void;
      const open = new Promise<void>((resolve) => {
        ingested = resolve;
      });
      const batch = t.db.transaction(async (tx) => {
        await ingestUsage(tx, context, { events: [{ eventType: 'held', quantity: 1 }] });
        ingested();
        await gate;
      });
      await open;
      // The lock every count-based rule takes (lockOrganization); NOWAIT fails at once (55P03) if held.
      const locked = await t.db
        .transaction((tx) =>
          tx.execute(
            sql`SELECT id FROM organizations WHERE id = ${organization.id} FOR NO KEY UPDATE NOWAIT`,
          ),
        )
        .then(() => false)
        .catch(() => true);
      release();
      await batch;
      expect(locked).toBe(false);
    },
  );

  itConcurrent(
    'counters equal the sums of the events after concurrent batches; usage-rollup finds no drift',
    async () => {
      const { organization, key } = await setUp();
      const context = () => ingestionContext(organization.slug, key);
      const contexts = await Promise.all(Array.from({ length: 6 }, context));
      await Promise.all(
        contexts.map((c, i) =>
          ingestUsage(t.db, c, {
            events: Array.from({ length: 50 }, (_, j) => ({
              eventType: ['alpha', 'beta', 'gamma'][(i + j) % 3]!,
              quantity: 1 + ((i * j) % 5),
              // Every other batch repeats keys of the batch before: duplicates must not count.
              idempotencyKey: `k-${i - (i % 2)}-${j}`,
            })),
          }),
        ),
      );
      const sums = rowsOf<{ event_type: string; quantity: string; events: string }>(
        await t.db.execute(sql`
        SELECT event_type, sum(quantity) AS quantity, count(*) AS events FROM usage_events
         WHERE organization_id = ${organization.id} GROUP BY event_type ORDER BY event_type`),
      ).map((r) => [r.event_type, Number(r.quantity), Number(r.events)]);
      const counters = rowsOf<{ event_type: string; quantity: string; events: string }>(
        await t.db.execute(sql`
        SELECT event_type, quantity, events FROM usage_counters
         WHERE organization_id = ${organization.id} ORDER BY event_type`),
      ).map((r) => [r.event_type, Number(r.quantity), Number(r.events)]);
      expect(counters).toEqual(sums);
      expect(sums.find((r) => r[0] === 'api.call')?.[1]).toBe(6);
      const { counters: corrected } = (await usageRollup.run(t.db, { now: new Date() })) as {
        counters: number;
      };
      expect(corrected).toBe(0);
    },
  );

  it('unlimited (null) is never refused and reads as null; a large number is a real limit', async () => {
    const { organization, key } = await setUp();
    await setApiCallLimit(t.db, organization.id, null);
    await seedApiCalls(t.db, organization.id, 20);
    const res = await post(organization.slug, key, { events: [{ eventType: 'e', quantity: 1 }] });
    expect(res.status).toBe(200);
    expect(((await get(organization.slug, key)).data as { apiCalls: unknown }).apiCalls).toMatchObject({
      limit: null,
    });
    // 999 was seed 000's way of writing "unlimited", shown so but enforced as 999: now it is just 999.
    await setApiCallLimit(t.db, organization.id, 22); // 20 seeded + a batch + a read: used up
    expect((await post(organization.slug, key, { events: [{ eventType: 'e', quantity: 1 }] })).status).toBe(
      403,
    );
  });

  it('the seeded Enterprise plan is unlimited in the table itself (migration 0010)', async () => {
    const [row] = rowsOf<{ limits: Record<string, unknown> }>(
      await t.db.execute(sql`SELECT limits FROM plans WHERE key = 'yearly'`),
    );
    expect(row?.limits).toMatchObject({ modules: null, members: null, api_calls_per_month: null });
  });
});

describe('GET /api/v1/orgs/:slug/usage', () => {
  it('sums quantity and counts events by type for the current UTC month by default', async () => {
    const { organization, key } = await setUp();
    const month = utcMonth();
    const inMonth = new Date(month.from.getTime() + 3_600_000).toISOString();
    const before = new Date(month.from.getTime() - 1).toISOString();
    await post(organization.slug, key, {
      events: [
        { eventType: 'pos.transaction', quantity: 2, timestamp: inMonth },
        { eventType: 'pos.transaction', quantity: 5 },
        { eventType: 'sms.sent', quantity: 7 },
        { eventType: 'pos.transaction', quantity: 100, timestamp: before },
      ],
    });
    const res = await get(organization.slug, key);
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({
      organization: organization.slug,
      period: { from: month.from.toISOString(), to: month.to.toISOString() },
      totals: [
        // The POST and this GET: two api.call events.
        { eventType: 'api.call', quantity: 2, events: 2 },
        { eventType: 'pos.transaction', quantity: 7, events: 2 },
        { eventType: 'sms.sent', quantity: 7, events: 1 },
      ],
      apiCalls: { used: 2, limit: 1000, plan: 'free' },
    });

    const last = await get(
      organization.slug,
      key,
      `?from=${new Date(month.from.getTime() - 86_400_000).toISOString().slice(0, 10)}&to=${month.from.toISOString()}`,
    );
    expect((last.data as { totals: unknown }).totals).toEqual([
      { eventType: 'pos.transaction', quantity: 100, events: 1 },
    ]);
  });

  it('400 for a bad period', async () => {
    const { organization, key } = await setUp();
    for (const query of [
      '?from=yesterday',
      '?from=2025-02-01&to=2025-01-01',
      '?from=2020-01-01&to=2025-01-01',
    ]) {
      const res = await get(organization.slug, key, query);
      expect(res.status, query).toBe(400);
      expect(res.data).toMatchObject({ error: { code: 'validation_failed' } });
    }
  });

  it('answers 405 JSON to other methods', async () => {
    const { organization, key } = await setUp();
    const res = await call(
      usageAction,
      apiRequest(`/api/v1/orgs/${organization.slug}/usage`, key, { method: 'DELETE' }),
      { slug: organization.slug },
    ).then(outcome);
    expect(res.status).toBe(405);
    expect(res.data).toMatchObject({ error: { code: 'method_not_allowed' } });
  });
});
