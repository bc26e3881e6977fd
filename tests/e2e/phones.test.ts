// Every main page fits a phone: at 390×844 and 360×740 the page never scrolls sideways (wide tables
// scroll inside their own box). Signed in as an OWNER with something on every page: members with long
// names, a pending invitation, a team, projects, API keys, audit rows and a support ticket.
// Screenshots land in $PHONE_SCREENSHOTS (a folder) when it is set, to look at the pages.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import postgres from 'postgres';
import { afterAll, expect, inject, it } from 'vitest';
import { postForm as post, signUpAndIn } from './accounts';
import { baseUrl, describeBrowser, useBrowser, visit } from './fixtures';
import { openOutbox } from './outbox';

const id = randomBytes(4).toString('hex');
const owner = {
  name: 'Maximiliana Featherstonehaugh-Worthington',
  email: `phone-owner-with-a-long-address-${id}@example.com`,
  password: 'phone-password-123',
};
const slug = `phones-${id}`;
const shots = process.env.PHONE_SCREENSHOTS;

/** Elements wider than the viewport, to say what overflows when the check fails. */
async function overflow(page: Page) {
  return page.evaluate(() => {
    const width = window.innerWidth;
    const doc = document.documentElement.scrollWidth;
    if (doc <= width) return null;
    const culprits: string[] = [];
    for (const el of Array.from(document.querySelectorAll('body *'))) {
      const r = el.getBoundingClientRect();
      if (r.right > width + 1 && culprits.length < 12) {
        let inScroller = false;
        for (let p = el.parentElement; p; p = p.parentElement)
          if (getComputedStyle(p).overflowX === 'auto' || getComputedStyle(p).overflowX === 'scroll')
            inScroller = true;
        if (!inScroller)
          culprits.push(
            `${el.tagName.toLowerCase()}.${(el.getAttribute('class') ?? '').split(' ').slice(0, 3).join('.')} → ${Math.round(r.right)}px`,
          );
      }
    }
    return `${doc}px wide: ${culprits.join('; ')}`;
  });
}

describeBrowser('phones', () => {
  const browser = useBrowser();
  const databaseUrl = inject('e2eDatabaseUrl');
  const sql = databaseUrl ? postgres(databaseUrl, { max: 1, onnotice: () => {} }) : null;
  afterAll(async () => {
    await sql?.end({ timeout: 1 });
  });
  const outbox = openOutbox();
  let setup: Page;
  const paths: string[] = ['/', '/pricing', '/login', '/signup', '/forgot-password'];
  const signedIn: string[] = [];

  it('an OWNER with data on every page', async () => {
    setup = await browser.newPage();
    setup.setDefaultTimeout(10_000);
    await signUpAndIn(setup, owner, outbox);
    await post(setup, '/orgs/new', { name: `Phones and Tablets International ${id}`, slug });
    const base = `/o/${slug}`;

    if (sql) {
      for (const n of [1, 2]) {
        const [u] = await sql<{ id: string }[]>`
          INSERT INTO users (email, name) VALUES (${`colleague-${n}-with-a-long-email-${id}@example.com`},
            ${`Bartholomew Colleague-${n} Longname`}) RETURNING id`;
        await sql`INSERT INTO organization_members (organization_id, user_id, role)
          SELECT id, ${u!.id}, ${n === 1 ? 'ADMIN' : 'MEMBER'} FROM organizations WHERE slug = ${slug}`;
      }
    }
    await post(setup, `${base}/members`, {
      intent: 'invite',
      email: `invited-person-with-a-long-address-${id}@example.com`,
      role: 'MEMBER',
    });
    await post(setup, `${base}/teams`, { intent: 'create', name: 'Customer Success and Onboarding' });
    await post(setup, `${base}/projects`, {
      intent: 'create',
      name: 'Website relaunch with a rather long name',
      slug: 'website-relaunch-with-a-rather-long-slug',
      description: 'Everything about the new website.',
    });
    for (const name of ['Billing exporter for the finance team', 'Nightly usage sync']) {
      await post(setup, `${base}/api-keys`, {
        intent: 'create',
        name,
        scopes: 'usage:read',
        expiresInDays: '30',
        rateLimit: '1000',
      });
    }
    const ticket = await post(setup, `${base}/support`, {
      subject: 'Exports of very large reports are cut off after ten thousand rows',
      description: 'Steps: open Reports, export everything as CSV.',
      priority: 'HIGH',
    });
    const ticketPath = ticket;
    expect(ticketPath).toMatch(new RegExp(`^${base}/support/[a-z0-9]+$`));
    await visit(setup, `${base}/projects`);
    const edit = await setup.getByRole('link', { name: /^Edit Website/ }).getAttribute('href');

    signedIn.push(
      '/orgs',
      '/orgs/new',
      base,
      ...['members', 'invitations', 'teams', 'projects', 'usage', 'modules', 'audit', 'api-keys'].map(
        (p) => `${base}/${p}`,
      ),
      `${base}/support`,
      ticketPath,
      edit ?? `${base}/projects`,
      `${base}/billing`,
      `${base}/settings`,
      ...['profile', 'password', 'accounts', 'sessions', 'delete-account'].map((p) => `/settings/${p}`),
    );
  });

  for (const [width, height] of [
    [390, 844],
    [360, 740],
  ] as const) {
    it(`at ${width} px no page scrolls sideways`, async () => {
      expect(signedIn.length, 'setup did not finish').toBeGreaterThan(10);
      const state = await setup.context().storageState();
      const context = await setup.context().browser()!.newContext({
        baseURL: baseUrl(),
        viewport: { width, height },
        storageState: state,
      });
      const anonymous = await setup
        .context()
        .browser()!
        .newContext({ baseURL: baseUrl(), viewport: { width, height } });
      const failures: string[] = [];
      try {
        for (const [ctx, list] of [
          [anonymous, paths],
          [context, signedIn],
        ] as const) {
          const page = await ctx.newPage();
          for (const path of list) {
            await visit(page, path);
            const wide = await overflow(page);
            if (wide) failures.push(`${path}: ${wide}`);
            if (shots) {
              mkdirSync(shots, { recursive: true });
              const name = `${width}${path.replaceAll('/', '_').replace(id, '') || '_home'}.png`;
              await page.screenshot({ path: `${shots}/${name}`, fullPage: true });
            }
          }
        }
      } finally {
        await context.close();
        await anonymous.close();
      }
      expect(failures, failures.join('\n')).toEqual([]);
    });
  }
});
