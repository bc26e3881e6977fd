// The request path's cost, in SQL statements (issue 9): a signed-in /o/:slug navigation runs the root,
// layout and page loaders, each with its own Request as Remix does, inside one request context.
// Session + user + membership is ONE statement for all three; the dashboard is at most 4 in all.
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWithRequestContext } from '~/lib/request-context.server';
import * as root from '~/root';
import * as orgLayout from '~/routes/o.$slug';
import * as dashboard from '~/routes/o.$slug._index';
import * as members from '~/routes/o.$slug.members';
import * as usage from '~/routes/o.$slug.usage';
import type { Database } from '~db/client.server';
import * as schema from '~db/schema';
import { sessions } from '~db/schema';
import { bindAppDatabase, postgresAvailable, useTestDatabase } from '../../tests/support/db';
import { getPage, type RouteFn, runRoute } from '../../tests/support/routes';
import { createProject } from './projects.server';
import { addMember, cookieFor, createOrg } from './test-support';

const t = useTestDatabase();
const statements: string[] = [];
let client: ReturnType<typeof postgres> | undefined;
let counted: Database;

beforeAll(async () => {
  if (t.driver === 'postgres' && t.url) {
    // A second Drizzle over the same database whose logger counts every statement sent.
    client = postgres(t.url, { max: 2, onnotice: () => {} });
    counted = drizzle(client, { schema, logger: { logQuery: (q) => statements.push(q) } }) as never;
  } else {
    counted = t.db;
  }
  bindAppDatabase(counted, t.driver);
});
afterAll(async () => {
  await client?.end({ timeout: 5 });
});

/** One navigation: every loader gets its own Request (same URL and cookie), all in parallel. */
async function navigate(path: string, cookie: string, pageLoader: RouteFn | undefined) {
  statements.length = 0;
  const loaders = [root.loader as RouteFn, orgLayout.loader as RouteFn, pageLoader];
  const slug = path.split('/')[2]!;
  const outcomes = await runWithRequestContext(() =>
    Promise.all(loaders.map((fn) => runRoute(fn, getPage(path, cookie), { slug }))),
  );
  return { outcomes, count: statements.length, statements: [...statements] };
}

describe.skipIf(!postgresAvailable())('SQL statements per signed-in organization page', () => {
  let slug: string;
  let cookie: string;

  beforeAll(async () => {
    const { organization, owner } = await createOrg(t.db);
    slug = organization.slug;
    await addMember(t.db, organization.id, 'MEMBER');
    await createProject(t.db, owner.actor, {
      organizationId: organization.id,
      name: 'Website',
      slug: 'website',
    });
    cookie = await cookieFor(t.db, owner.id);
    // A session used just now: the once-a-minute last_used_at write is not part of every request.
    await t.db.update(sessions).set({ lastUsedAt: new Date() });
  });

  it('the dashboard: session + user + membership in one statement, at most 4 in all', async () => {
    const { outcomes, count, statements: sent } = await navigate(`/o/${slug}`, cookie, dashboard.loader);
    expect(outcomes.map((o) => o.status)).toEqual([200, 200, 200]);
    expect(sent.filter((q) => q.includes('"sessions"')).length).toBe(1);
    expect(count).toBeLessThanOrEqual(4);
  });

  it('root and layout alone cost two statements on any organization page', async () => {
    for (const [path, page] of [
      [`/o/${slug}/members`, members.loader],
      [`/o/${slug}/usage`, usage.loader],
    ] as const) {
      const { count } = await runWithRequestContext(async () => {
        statements.length = 0;
        await Promise.all(
          [root.loader, orgLayout.loader].map((fn) =>
            runRoute(fn as RouteFn, getPage(path, cookie), { slug }),
          ),
        );
        return { count: statements.length };
      });
      expect(count).toBe(2);
      const full = await navigate(path, cookie, page as RouteFn);
      expect(full.outcomes.every((o) => o.status === 200)).toBe(true);
    }
  });

  it('without a request context each loader validates the session itself (the memo is per request)', async () => {
    statements.length = 0;
    await Promise.all(
      [root.loader, orgLayout.loader].map((fn) =>
        runRoute(fn as RouteFn, getPage(`/o/${slug}`, cookie), { slug }),
      ),
    );
    expect(statements.filter((q) => q.includes('"sessions"')).length).toBe(2);
  });
});
