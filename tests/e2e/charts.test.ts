// Charts people can read (issue 14 §4), in a browser, on /o/:slug, /o/:slug/usage and /admin/analytics:
// with JavaScript off each chart is a complete SVG (role="img", axis labels with units, a title) with its
// numbers in a table; with JavaScript on, hovering a chart shows a tooltip with the day's numbers. The admin
// range is chosen with a GET form without JavaScript and exported as CSV. axe and 360 px on every page. Runs
// against the e2e production server and its PostgreSQL database (users, usage and analytics rows are made
// there directly).
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { userActor } from '~/audit/audit.server';
import { createPasswordUser } from '~/auth/test-helpers.server';
import { createOrganization } from '~/orgs/organizations.server';
import { type Connection, connectPostgres } from '~db/client.server';
import { expectAccessible, useBrowser, visit } from './fixtures';

const databaseUrl = inject('e2eDatabaseUrl');
const available = inject('e2eBaseUrl') !== null && databaseUrl !== null;
const describeCharts = available
  ? describe
  : describe.skip.bind(describe, 'Charts in a browser (needs Chromium and PostgreSQL): skipped');

const id = randomBytes(4).toString('hex');
const slug = `charts-${id}`;
const DAY = 86_400_000;
const today = new Date().toISOString().slice(0, 10);
const daysAgo = (n: number) =>
  new Date(Date.parse(`${today}T00:00:00Z`) - n * DAY).toISOString().slice(0, 10);
const firstOfMonth = `${today.slice(0, 8)}01`;

interface Person {
  id: string;
  email: string;
  password: string;
}

describeCharts('Charts in a browser: dashboard, usage, admin analytics', () => {
  const browser = useBrowser();
  let conn: Connection | undefined;
  let owner: Person;
  let admin: Person;

  beforeAll(async () => {
    conn = connectPostgres(databaseUrl ?? '', { max: 2 });
    const db = conn.db;
    owner = await createPasswordUser(db, { email: `charts-owner-${id}@example.com`, name: 'Chad Charts' });
    admin = await createPasswordUser(db, { email: `charts-admin-${id}@example.com`, name: 'Ada Admin' });
    await db.execute(sql`UPDATE users SET role = 'ADMIN' WHERE id = ${admin.id}`);
    const organization = await createOrganization(
      db,
      { ...userActor(owner.id), userId: owner.id },
      { name: `Charts ${id}`, slug },
    );
    // This month: 4 API calls on its first day and 6 today, and two event types.
    await db.execute(sql`
      INSERT INTO usage_events (organization_id, event_type, quantity, "timestamp")
      SELECT ${organization.id}, 'api.call', 1, ${`${firstOfMonth}T08:00:00Z`}::timestamptz FROM generate_series(1, 4)
      UNION ALL
      SELECT ${organization.id}, 'api.call', 1, now() - interval '1 second' FROM generate_series(1, 6)
      UNION ALL
      SELECT ${organization.id}, 'report.export', 12, now() - interval '1 second'
      UNION ALL
      SELECT ${organization.id}, 'sms.sent', 5, now() - interval '1 second'`);
    // What the analytics-rollup job recorded on the last three days.
    for (const [n, mrr, active, churn, revenue, customers] of [
      [2, 290000, 100, null, 120000, 3],
      [1, 295800, 102, 0.01, 98000, 4],
      [0, 301600, 104, 0.0098, 150500, 2],
    ] as const) {
      const date = daysAgo(n);
      await db.execute(sql`
        INSERT INTO analytics (date, metric, value)
        SELECT ${date}::date, m.metric, m.value::numeric FROM (VALUES
          ('mrr', ${String(mrr)}), ('active_subscriptions', ${String(active)}), ('revenue', ${String(revenue)}),
          ('new_customers', ${String(customers)}), ('churn_rate', ${churn === null ? null : String(churn)})
        ) AS m(metric, value)
        WHERE m.value IS NOT NULL
        ON CONFLICT (date, metric) DO UPDATE SET value = EXCLUDED.value`);
    }
  }, 60_000);

  afterAll(async () => {
    await conn?.close();
  });

  async function signedIn(who: Person, javaScriptEnabled: boolean): Promise<Page> {
    const page = await browser.newPage({ javaScriptEnabled });
    page.setDefaultTimeout(15_000);
    await visit(page, '/login');
    await page.getByLabel('Email').fill(who.email);
    await page.getByLabel('Password').fill(who.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    return page;
  }

  /** The chart titled `title`: its figure. */
  const chart = (page: Page, title: string) =>
    page
      .locator('figure[data-chart]')
      .filter({ has: page.getByRole('heading', { name: title, exact: true }) });

  /** The chart is a labelled SVG with both axis labels, and its table holds `rows` rows (one containing `cell`). */
  async function expectCompleteChart(
    page: Page,
    title: string,
    { xLabel, yLabel, rows, cell }: { xLabel: string; yLabel: string; rows: number; cell?: [string, string] },
  ) {
    const figure = chart(page, title);
    await expect(figure.count(), title).resolves.toBe(1);
    const svg = figure.locator('svg[role="img"]');
    await expect(svg.getAttribute('viewBox')).resolves.toBe('0 0 400 250');
    const labelledBy = (await svg.getAttribute('aria-labelledby'))?.split(' ') ?? [];
    expect(labelledBy).toHaveLength(2);
    await expect(page.locator(`[id="${labelledBy[0]}"]`).textContent()).resolves.toBe(title);
    await expect(svg.locator('text', { hasText: xLabel }).count(), `${title}: x axis label`).resolves.toBe(1);
    await expect(svg.locator('text', { hasText: yLabel }).count(), `${title}: y axis label`).resolves.toBe(1);
    // Every category carries its numbers as a native tooltip (hover without JavaScript).
    await expect(svg.locator('rect[data-chart-point] title').count()).resolves.toBe(rows);
    await expect(figure.locator('table tbody tr').count(), `${title}: table rows`).resolves.toBe(rows);
    if (cell) {
      const [category, value] = cell;
      await expect(figure.locator(`tr[data-category="${category}"]`).textContent()).resolves.toContain(value);
    }
  }

  /** Hovers the chart's plot (right of centre) until its tooltip shows; answers the tooltip's text. */
  async function hoverTooltip(page: Page, title: string): Promise<string> {
    const figure = chart(page, title);
    const svg = figure.locator('svg[role="img"]');
    await svg.scrollIntoViewIfNeeded();
    const box = await svg.boundingBox();
    if (!box) throw new Error(`${title}: no box`);
    const tooltip = figure.locator('[data-chart-tooltip]');
    // Until hydration the pointer finds no handler: move again until the tooltip appears.
    await expect
      .poll(
        async () => {
          await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.4);
          await page.mouse.move(box.x + box.width * 0.97, box.y + box.height * 0.4, { steps: 3 });
          return tooltip.count();
        },
        { timeout: 15_000 },
      )
      .toBe(1);
    await expect(tooltip.isVisible()).resolves.toBe(true);
    const text = (await tooltip.textContent()) ?? '';
    await page.mouse.move(0, 0);
    await expect.poll(() => tooltip.count()).toBe(0);
    return text;
  }

  async function expectFitsPhone(page: Page) {
    await page.setViewportSize({ width: 360, height: 740 });
    const [scroll, client] = await page.evaluate(() => [
      document.documentElement.scrollWidth,
      document.documentElement.clientWidth,
    ]);
    expect(scroll, `${page.url()} is wider than 360 px`).toBeLessThanOrEqual(client!);
    const svgWidth = await page
      .locator('figure[data-chart] svg')
      .first()
      .evaluate((e) => e.getBoundingClientRect().width);
    expect(svgWidth).toBeGreaterThan(250);
    expect(svgWidth).toBeLessThanOrEqual(360);
  }

  const monthDays = Number(today.slice(8));
  const monthLabel = new Date(`${firstOfMonth}T00:00:00Z`).toLocaleString('en-US', {
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });

  for (const javaScriptEnabled of [false, true]) {
    const js = javaScriptEnabled ? 'on' : 'off';

    it(`the dashboard: API calls against the limit line and the top event types (JavaScript ${js})`, async () => {
      const page = await signedIn(owner, javaScriptEnabled);
      await visit(page, `/o/${slug}`);
      const calls = `API calls in ${monthLabel}, running total`;
      await expectCompleteChart(page, calls, {
        xLabel: `Day of ${monthLabel} (UTC)`,
        yLabel: 'API calls',
        rows: monthDays,
        cell: [today, '10'],
      });
      // The free plan's 1,000 calls a month: the limit line, named in the legend.
      const figure = chart(page, calls);
      await expect(figure.locator('[data-chart-limit] text').textContent()).resolves.toBe(
        'Monthly limit: 1,000',
      );
      await expect(figure.getByRole('list', { name: /Legend/ }).textContent()).resolves.toContain(
        'Monthly limit',
      );
      await expect(figure.textContent()).resolves.toContain('10 of 1,000 API calls used');
      const top = `Top event types, ${monthLabel}`;
      await expectCompleteChart(page, top, {
        xLabel: 'Event type',
        yLabel: 'Quantity this month',
        rows: 2,
        cell: ['report.export', '12'],
      });
      await expect(chart(page, top).locator('tbody tr').first().getAttribute('data-category')).resolves.toBe(
        'report.export',
      );
      if (javaScriptEnabled) {
        expect(await hoverTooltip(page, calls)).toMatch(/API calls so far:\s*10.*Monthly limit: 1,000/s);
        expect(await hoverTooltip(page, top)).toMatch(/sms\.sent.*Quantity:\s*5/s);
      }
      await expectAccessible(page);
      await expectFitsPhone(page);
    });

    it(`the usage page: API calls per day as bars with axes (JavaScript ${js})`, async () => {
      const page = await signedIn(owner, javaScriptEnabled);
      await visit(page, `/o/${slug}/usage`);
      const perDay = `API calls per day, ${monthLabel}`;
      await expectCompleteChart(page, perDay, {
        xLabel: `Day of ${monthLabel} (UTC)`,
        yLabel: 'API calls per day',
        rows: monthDays,
        cell: [today, today === firstOfMonth ? '10' : '6'],
      });
      await expect(
        chart(page, perDay).locator('svg rect[data-chart-point] title').last().textContent(),
      ).resolves.toMatch(today === firstOfMonth ? /: 10 API calls$/ : /: 6 API calls$/);
      await expectCompleteChart(page, `API calls in ${monthLabel}, running total`, {
        xLabel: `Day of ${monthLabel} (UTC)`,
        yLabel: 'API calls',
        rows: monthDays,
      });
      if (javaScriptEnabled) {
        expect(await hoverTooltip(page, perDay)).toMatch(
          today === firstOfMonth ? /API calls:\s*10/ : /API calls:\s*6/,
        );
      }
      await expectAccessible(page);
      await expectFitsPhone(page);
    });

    it(`/admin/analytics: MRR, subscriptions, churn and revenue over a chosen range, CSV (JavaScript ${js})`, async () => {
      const page = await signedIn(admin, javaScriptEnabled);
      await visit(page, '/admin/analytics');
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Analytics');
      await expectCompleteChart(page, 'Monthly recurring revenue', {
        xLabel: 'Day (UTC)',
        yLabel: 'MRR (USD)',
        rows: 30,
        cell: [today, '$3,016.00'],
      });
      await expectCompleteChart(page, 'Active subscriptions', {
        xLabel: 'Day (UTC)',
        yLabel: 'Subscriptions',
        rows: 30,
        cell: [today, '104'],
      });
      await expectCompleteChart(page, 'Churn rate', {
        xLabel: 'Day (UTC)',
        yLabel: 'Churn (% per day)',
        rows: 30,
        cell: [daysAgo(1), '1%'],
      });
      await expectCompleteChart(page, 'Revenue per day', {
        xLabel: 'Day (UTC)',
        yLabel: 'Revenue (USD)',
        rows: 30,
        cell: [today, '$1,505.00'],
      });
      // A day the job did not record reads "not recorded", not 0.
      await expect(
        chart(page, 'Churn rate')
          .locator(`tr[data-category="${daysAgo(2)}"]`)
          .textContent(),
      ).resolves.toContain('not recorded');

      // The range form is a GET form: it works without JavaScript and the URL keeps the range.
      await page.getByLabel('From (UTC)').fill(daysAgo(2));
      await page.getByLabel('To (UTC)').fill(today);
      await page.getByRole('button', { name: 'Show' }).click();
      await page.waitForURL((u) => u.searchParams.get('from') === daysAgo(2));
      await expect.poll(() => chart(page, 'Monthly recurring revenue').locator('tbody tr').count()).toBe(3);
      // A reversed range: 400, the message beside the field, the default range shown.
      await visit(page, `/admin/analytics?from=${today}&to=${daysAgo(3)}`, 400);
      await expect(page.locator('#analytics-from-error').textContent()).resolves.toContain('on or before');
      await expect(chart(page, 'Monthly recurring revenue').locator('tbody tr').count()).resolves.toBe(30);

      await visit(page, `/admin/analytics?from=${daysAgo(2)}&to=${today}`);
      const csv = await page.context().request.get(`/admin/analytics.csv?from=${daysAgo(2)}&to=${today}`);
      expect(csv.status()).toBe(200);
      expect(csv.headers()['content-type']).toBe('text/csv; charset=utf-8');
      expect((await csv.text()).split('\r\n')).toEqual([
        'date,mrr_cents,active_subscriptions,new_customers,churn_rate,revenue_cents',
        `${daysAgo(2)},290000,100,3,,120000`,
        `${daysAgo(1)},295800,102,4,0.01,98000`,
        `${today},301600,104,2,0.0098,150500`,
        '',
      ]);
      await expect(page.getByRole('link', { name: 'Download CSV' }).getAttribute('href')).resolves.toBe(
        `/admin/analytics.csv?from=${daysAgo(2)}&to=${today}`,
      );
      if (javaScriptEnabled) {
        expect(await hoverTooltip(page, 'Monthly recurring revenue')).toMatch(/MRR:\s*\$3,016\.00/);
        expect(await hoverTooltip(page, 'Churn rate')).toMatch(/Churn rate:\s*0\.98%/);
      }
      await expectAccessible(page);
      await expectFitsPhone(page);
    });
  }
});
