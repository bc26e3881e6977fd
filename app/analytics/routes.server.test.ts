// The chart pages through their route modules: /admin/analytics and its CSV for ADMIN only (SUPPORT 403 with
// the reason, everyone else 404), a bad range is a 400 with the message beside the field; the dashboard's
// usage charts read this month's API calls per day and the top event types.
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { addMember, cookieFor, createOrg, createUser } from '~/orgs/test-support';
import * as analyticsRoute from '~/routes/admin.analytics/route';
import * as csvRoute from '~/routes/admin.analytics[.csv]/route';
import * as dashboardRoute from '~/routes/o.$slug._index';
import * as usageRoute from '~/routes/o.$slug.usage';
import { monthDaysUpTo } from '~/usage/usage.server';
import { users } from '~db/schema';
import { useAppTestDatabase } from '../../tests/support/db';
import { getPage, runRoute } from '../../tests/support/routes';
import { addDays, utcDay } from './rollup.server';
import { dashboardUsage } from './usage-charts.server';

const t = useAppTestDatabase();

async function staffCookie(role: 'ADMIN' | 'SUPPORT' | 'CUSTOMER') {
  const user = await createUser(t.db);
  await t.db.execute(sql`UPDATE ${users} SET role = ${role}::user_role WHERE id = ${user.id}`);
  return cookieFor(t.db, user.id);
}

const today = utcDay(new Date());

async function csv(path: string, cookie?: string) {
  try {
    return (await csvRoute.loader({ request: getPage(path, cookie), params: {}, context: {} })) as Response;
  } catch (e) {
    if (e instanceof Response) return e;
    throw e;
  }
}

describe('/admin/analytics', () => {
  it('shows ADMIN one row per day of the chosen range, with what the rollup recorded', async () => {
    await t.db.execute(
      sql`INSERT INTO analytics (date, metric, value) VALUES (${today}::date, 'mrr', 2900), (${today}::date, 'revenue', -150)`,
    );
    const cookie = await staffCookie('ADMIN');
    const page = await runRoute(analyticsRoute.loader, getPage('/admin/analytics', cookie), {});
    expect(page.status).toBe(200);
    const days = (page.data as { days: { date: string; mrr: number | null; revenue: number | null }[] }).days;
    expect(days).toHaveLength(30);
    expect(days.at(-1)).toMatchObject({ date: today, mrr: 2900, revenue: -150 });
    expect(days[0]).toMatchObject({ date: addDays(today, -29), mrr: null });

    const chosen = await runRoute(
      analyticsRoute.loader,
      getPage(`/admin/analytics?from=${addDays(today, -2)}&to=${today}`, cookie),
      {},
    );
    expect((chosen.data as { days: unknown[] }).days).toHaveLength(3);
  });

  it('answers a bad range with 400, the message beside the field and the default range', async () => {
    const cookie = await staffCookie('ADMIN');
    for (const [query, field, message] of [
      ['from=2026-02-30', 'from', /valid date/],
      ['from=yesterday&to=now', 'from', /date like/],
      [`from=${today}&to=${addDays(today, -1)}`, 'from', /on or before/],
      ['from=2024-01-01&to=2026-01-01', 'from', /at most 400 days/],
      ['from=1990-01-01&to=2026-01-01', 'from', /at most/],
    ] as const) {
      const r = await runRoute(analyticsRoute.loader, getPage(`/admin/analytics?${query}`, cookie), {});
      expect(r.status, query).toBe(400);
      const d = r.data as { errors: Record<string, string>; days: unknown[] };
      expect(d.errors[field], query).toMatch(message);
      expect(d.days).toHaveLength(30);
    }
  });

  it('refuses SUPPORT with 403 and the reason; customers and visitors get 404', async () => {
    const support = await runRoute(
      analyticsRoute.loader,
      getPage('/admin/analytics', await staffCookie('SUPPORT')),
      {},
    );
    expect(support.status).toBe(403);
    expect(support.text).toMatch(/business analytics/);
    const customer = await runRoute(
      analyticsRoute.loader,
      getPage('/admin/analytics', await staffCookie('CUSTOMER')),
      {},
    );
    expect(customer.status).toBe(404);
    expect((await runRoute(analyticsRoute.loader, getPage('/admin/analytics'), {})).status).toBe(404);
  });
});

describe('/admin/analytics.csv', () => {
  it('exports the range as CSV (cents, fractions) for ADMIN', async () => {
    const day = addDays(today, -400);
    await t.db.execute(
      sql`INSERT INTO analytics (date, metric, value) VALUES (${day}::date, 'churn_rate', 0.0125), (${day}::date, 'active_subscriptions', 80)`,
    );
    // Longer than the page allows: the export takes up to ten years.
    const r = await csv(
      `/admin/analytics.csv?from=${addDays(day, -1)}&to=${today}`,
      await staffCookie('ADMIN'),
    );
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(r.headers.get('content-disposition')).toContain(`analytics-${addDays(day, -1)}-to-${today}.csv`);
    const lines = (await r.text()).split('\r\n');
    expect(lines[0]).toBe('date,mrr_cents,active_subscriptions,new_customers,churn_rate,revenue_cents');
    expect(lines[1]).toBe(`${addDays(day, -1)},,,,,`);
    expect(lines[2]).toBe(`${day},,80,,0.0125,`);
    expect(lines).toHaveLength(404); // header, 402 days, and the empty string after the last line break
  });

  it('answers 400 to a bad range, 403 to SUPPORT, 404 to everyone else', async () => {
    const bad = await csv('/admin/analytics.csv?from=9999-99-99', await staffCookie('ADMIN'));
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/date/);
    expect((await csv('/admin/analytics.csv', await staffCookie('SUPPORT'))).status).toBe(403);
    expect((await csv('/admin/analytics.csv', await staffCookie('CUSTOMER'))).status).toBe(404);
    expect((await csv('/admin/analytics.csv')).status).toBe(404);
  });
});

describe('usage charts of /o/:slug and /o/:slug/usage', () => {
  it('reads API calls per day this month (zeros included) and the top event types without api.call', async () => {
    const { organization, owner } = await createOrg(t.db);
    const now = new Date();
    const firstOfMonth = `${today.slice(0, 8)}01`;
    await t.db.execute(sql`
      INSERT INTO usage_events (organization_id, event_type, quantity, "timestamp") VALUES
        (${organization.id}, 'api.call', 1, ${`${firstOfMonth}T00:00:00.000Z`}::timestamptz),
        (${organization.id}, 'api.call', 1, ${`${today}T00:00:01.000Z`}::timestamptz),
        (${organization.id}, 'api.call', 1, ${`${today}T00:00:02.000Z`}::timestamptz),
        (${organization.id}, 'report.export', 7, ${`${today}T00:00:00.000Z`}::timestamptz),
        (${organization.id}, 'sms.sent', 7, ${`${today}T00:00:00.000Z`}::timestamptz),
        (${organization.id}, 'email.sent', 40, ${`${today}T00:00:00.000Z`}::timestamptz),
        (${organization.id}, 'api.call', 9, ${`${addDays(firstOfMonth, -1)}T23:59:59.999Z`}::timestamptz)`);
    // Another organization's usage is not shown.
    const other = await createOrg(t.db);
    await t.db.execute(
      sql`INSERT INTO usage_events (organization_id, event_type, quantity) VALUES (${other.organization.id}, 'api.call', 5)`,
    );
    const usage = await dashboardUsage(t.db, owner.actor, organization.id, now);
    expect(usage.month).toBe(today.slice(0, 7));
    expect(usage.daily.map((d) => d.day)).toEqual(monthDaysUpTo(now));
    const calls = Object.fromEntries(usage.daily.map((d) => [d.day, d.calls]));
    expect(today === firstOfMonth ? calls[today] : calls[firstOfMonth]).toBe(today === firstOfMonth ? 3 : 1);
    if (today !== firstOfMonth) expect(calls[today]).toBe(2);
    expect(usage.daily.reduce((s, d) => s + d.calls, 0)).toBe(3);
    expect(usage.topEvents).toEqual([
      { eventType: 'email.sent', quantity: 40 },
      { eventType: 'report.export', quantity: 7 },
      { eventType: 'sms.sent', quantity: 7 },
    ]);

    const cookie = await cookieFor(t.db, owner.id);
    const page = await runRoute(dashboardRoute.loader, getPage(`/o/${organization.slug}`, cookie), {
      slug: organization.slug,
    });
    expect(page.status).toBe(200);
    // The dashboard's one statement carries the same data.
    expect((page.data as { dashboard: { usage: typeof usage } }).dashboard.usage).toEqual(usage);
    expect(
      (page.data as { dashboard: { plan: { limits: { api_calls_per_month: number } } } }).dashboard.plan
        .limits.api_calls_per_month,
    ).toBe(1000);

    // A BILLING member still lands on billing; the usage page is open to them.
    const billing = await addMember(t.db, organization.id, 'BILLING');
    const billingCookie = await cookieFor(t.db, billing.id);
    const redirected = await runRoute(
      dashboardRoute.loader,
      getPage(`/o/${organization.slug}`, billingCookie),
      {
        slug: organization.slug,
      },
    );
    expect(redirected.location).toBe(`/o/${organization.slug}/billing`);
    const usagePage = await runRoute(
      usageRoute.loader,
      getPage(`/o/${organization.slug}/usage`, billingCookie),
      {
        slug: organization.slug,
      },
    );
    expect(usagePage.status).toBe(200);
  });
});
