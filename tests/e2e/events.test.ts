// An event end to end in a browser (issue 12): an organizer (OWNER) registers an app from its manifest
// (a bad one is refused on the field), publishes a new version and reads its diff, opens a public room from
// it (a required setting is refused next to its input), activates it and adds two prizes; three other users
// join from /rooms/:id and the organizer's page follows live; the organizer draws winners, which a
// participant's open room page shows live (Server-Sent Events); the participant verifies the draw on the
// server and in the browser; retiring the app is refused while the room uses it; every page fits 360 px.
// The second test does join, draw, revoke (confirmation page), leave and the organizer's forms with
// JavaScript off. Runs against the e2e production server and its PostgreSQL database (the users and the
// organization are made there directly).
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { userActor } from '~/audit/audit.server';
import { createPasswordUser } from '~/auth/test-helpers.server';
import { registerApp } from '~/events/apps.server';
import { createPrize } from '~/events/prizes.server';
import { changeRoomStatus, createRoom } from '~/events/rooms.server';
import { createOrganization } from '~/orgs/organizations.server';
import { type Connection, connectPostgres } from '~db/client.server';
import { expectAccessible, useBrowser, visit } from './fixtures';

const databaseUrl = inject('e2eDatabaseUrl');
const available = inject('e2eBaseUrl') !== null && databaseUrl !== null;
const describeEvents = available
  ? describe
  : describe.skip.bind(describe, 'Events in a browser (needs Chromium and PostgreSQL): skipped');

const id = randomBytes(4).toString('hex');
const slug = `events-${id}`;
const shot = (name: string) => `${process.env.E2E_SCREENSHOTS ?? '/tmp'}/events-${name}.png`;

const manifest = (version: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify(
    {
      name: 'Lucky draw',
      meta: { version },
      settings: {
        rounds: { type: 'number', label: 'Rounds', min: 1, max: 10, default: 1 },
        theme: { type: 'enum', label: 'Theme', options: ['light', 'dark'], required: true },
        ...extra,
      },
      prizeTypes: ['physical', 'voucher'],
    },
    null,
    2,
  );

interface Person {
  id: string;
  email: string;
  password: string;
  name: string;
}

describeEvents('Events in a browser: apps, rooms, joins, draws, verification', () => {
  const browser = useBrowser();
  let conn: Connection | undefined;
  let organizer: Person;
  let organizationId = '';
  const people: Person[] = [];

  beforeAll(async () => {
    conn = connectPostgres(databaseUrl ?? '', { max: 2 });
    const make = async (name: string, prefix: string) => {
      const user = await createPasswordUser(conn!.db, { email: `${prefix}-${id}@example.com`, name });
      return { ...user, name };
    };
    organizer = await make('Olga Organizer', 'events-organizer');
    const organization = await createOrganization(
      conn.db,
      { ...userActor(organizer.id), userId: organizer.id },
      { name: `Events ${id}`, slug },
    );
    organizationId = organization.id;
    for (const name of ['Ada Entrant', 'Ben Entrant', 'Cleo Entrant'])
      people.push(await make(name, `events-${name.split(' ')[0]!.toLowerCase()}`));
  }, 60_000);

  afterAll(async () => {
    await conn?.close();
  });

  async function signedIn(who: Person, javaScriptEnabled = true): Promise<Page> {
    const page = await browser.newPage({ javaScriptEnabled });
    page.setDefaultTimeout(15_000);
    await visit(page, '/login');
    await page.getByLabel('Email').fill(who.email);
    await page.getByLabel('Password').fill(who.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    return page;
  }

  const main = (page: Page) => page.locator('main');
  /** The page at 360 px wide: nothing wider than the phone (wide content scrolls inside its own box). */
  async function expectFitsPhone(page: Page, path: string) {
    await page.setViewportSize({ width: 360, height: 740 });
    await visit(page, path);
    const widths = await page.evaluate(() => [
      document.documentElement.scrollWidth,
      document.documentElement.clientWidth,
    ]);
    expect(widths[0], `${path} is wider than 360 px`).toBeLessThanOrEqual(widths[1]!);
  }

  const flash = (page: Page, text: string) => page.getByRole('status').filter({ hasText: text }).first();

  it('with JavaScript: register an app, open a room, three people join, draw, verify', async () => {
    const page = await signedIn(organizer);
    const apps = `/o/${slug}/apps`;

    // ---- the app: a manifest that fails its schema, then a good one, then a new version
    await visit(page, apps);
    await expect.poll(() => page.getByText('No apps yet.').count()).toBe(1);
    await expectAccessible(page);
    await page.getByLabel('App id').fill(`lucky-${id}`);
    await page.getByLabel('Manifest (JSON)').fill('{"name": "Lucky draw", "meta": {"version": "one"}}');
    await page.getByRole('button', { name: 'Register app' }).click();
    await expect
      .poll(() => page.locator('#register-app-manifest-error').textContent())
      .toContain('meta.version: Use a semantic version like 1.2.0');
    await page.getByLabel('Manifest (JSON)').fill(manifest('1.0.0'));
    await page.getByRole('button', { name: 'Register app' }).click();
    await page.waitForURL(`**${apps}/lucky-${id}`);
    await flash(page, 'registered at version 1.0.0').waitFor();
    await expect(page.getByTestId('app-version').textContent()).resolves.toBe('1.0.0');

    // A version that does not rise is refused next to the form; a higher one is kept with its diff.
    await page
      .getByLabel('Manifest (JSON)')
      .fill(manifest('1.0.0', { greeting: { type: 'string', label: 'Greeting', max: 80 } }));
    await page.getByRole('button', { name: 'Save new version' }).click();
    await expect
      .poll(() => page.locator('#update-app').getByRole('alert').textContent())
      .toContain('must be higher than the current version 1.0.0');
    await page
      .getByLabel('Manifest (JSON)')
      .fill(manifest('1.1.0', { greeting: { type: 'string', label: 'Greeting', max: 80 } }));
    await page.getByRole('button', { name: 'Save new version' }).click();
    await flash(page, 'now at version 1.1.0').waitFor();
    await expect.poll(() => page.getByTestId('app-version').textContent()).toBe('1.1.0');
    const latest = page.locator('[data-version="1.1.0"]');
    await expect(latest.textContent()).resolves.toContain('Changes from version 1.0.0');
    const added = await latest.locator('[data-diff="added"]').allTextContents();
    expect(added.join('\n')).toContain('"greeting"');
    expect(added.join('\n')).toContain('"1.1.0"');
    expect(await latest.locator('[data-diff="removed"]').allTextContents()).toEqual([
      expect.stringContaining('"1.0.0"'),
    ]);
    expect(await page.locator('[data-version="1.0.0"]').textContent()).toContain('The first version.');
    await expectAccessible(page);
    await page.screenshot({ path: shot('app-history'), fullPage: true });
    await visit(page, apps);
    expect(await page.locator(`[data-app="lucky-${id}"]`).textContent()).toContain('Version 1.1.0');
    await page.screenshot({ path: shot('apps'), fullPage: true });

    // ---- the room: the app's settings are inputs; a missing required one is refused next to it
    const rooms = `/o/${slug}/rooms`;
    await visit(page, rooms);
    await expect.poll(() => page.getByText('No rooms yet.').count()).toBe(1);
    expect(await page.locator('#create-room').textContent()).toContain('locks version 1.1.0');
    await page.getByLabel('Name', { exact: true }).fill('Spring raffle');
    await page.getByLabel('Description (optional)').fill('Three prizes, drawn at the end of the day.');
    await page.getByLabel('Public: any signed-in user may join').check();
    await page.getByLabel('Maximum participants (optional)').fill('10');
    await page.getByLabel('Rounds (optional)').fill('3');
    await page.getByRole('button', { name: 'Create room' }).click();
    await expect
      .poll(() => page.locator('#create-room-setting-theme-error').textContent())
      .toContain('Theme is required');
    await expect(page.getByLabel('Name', { exact: true }).inputValue()).resolves.toBe('Spring raffle');
    await page.getByLabel('Theme').selectOption('dark');
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Create room' }).click();
    await page.waitForURL(new RegExp(`${rooms}/[^/]+$`));
    const roomId = new URL(page.url()).pathname.split('/').at(-1)!;
    await flash(page, 'created as a draft').waitFor();

    // ---- organizer view: activate, two prizes
    await expect.poll(() => page.locator('[data-room-status="DRAFT"]').count()).toBe(1);
    await page.getByRole('button', { name: 'Activate room' }).click();
    await expect.poll(() => page.locator('[data-room-status="ACTIVE"]').count()).toBe(1);
    const prizeForm = page.locator('form#create-prize');
    for (const [name, quantity] of [
      ['Grand prize', '2'],
      ['Runner-up', '1'],
    ] as const) {
      await prizeForm.getByLabel('Prize name').fill(name);
      await prizeForm.getByLabel('Quantity').fill(quantity);
      await prizeForm.getByLabel('Type (optional)').selectOption('physical');
      await prizeForm.getByRole('button', { name: 'Add prize' }).click();
      await page.locator(`[data-prize="${name}"]`).waitFor();
    }
    await expect(page.locator('[data-prize="Grand prize"]').textContent()).resolves.toContain(
      'Quantity 2 · 0 drawn · 2 left',
    );
    await expectAccessible(page);

    // ---- three people join from /rooms/:id; the organizer's page follows live
    const participantPages: Page[] = [];
    for (const [i, person] of people.entries()) {
      const theirs = await signedIn(person);
      await visit(theirs, `/rooms/${roomId}`);
      await expect.poll(() => theirs.getByRole('heading', { level: 1 }).textContent()).toBe('Spring raffle');
      if (i === 0) await expectAccessible(theirs);
      await theirs.getByRole('button', { name: 'Join room' }).click();
      await expect.poll(() => theirs.getByText('You have joined this room.').count()).toBe(1);
      expect(await theirs.getByTestId('participant-count').textContent()).toContain(`${i + 1} participant`);
      participantPages.push(theirs);
    }
    await expect.poll(() => page.getByTestId('participant-count').textContent()).toBe('3 of 10');
    expect(await page.locator('[data-participant]').count()).toBe(3);

    // ---- the draw: two winners of the grand prize, shown live on a participant's open page
    const ada = participantPages[0]!;
    await ada.locator('[data-live="on"]').waitFor();
    await page.getByRole('button', { name: 'Draw winners for Grand prize' }).click();
    await expect.poll(() => page.locator('[data-winner]').count()).toBe(2);
    await expect(page.locator('[data-prize="Grand prize"]').textContent()).resolves.toContain(
      'Quantity 2 · 2 drawn · 0 left',
    );
    expect(await page.getByRole('button', { name: 'Draw winners for Grand prize' }).count()).toBe(0);
    await expectAccessible(page);
    await page.screenshot({ path: shot('room-organizer'), fullPage: true });
    await expect.poll(() => ada.locator('[data-winner]').count()).toBe(2);
    await ada.screenshot({ path: shot('room-public'), fullPage: true });

    await visit(page, rooms);
    expect(await page.locator(`[data-room="${roomId}"]`).textContent()).toContain('3 of 10 participants');
    await page.screenshot({ path: shot('rooms'), fullPage: true });

    // ---- a participant verifies a draw: the server's verdict, then the browser's own
    await ada
      .getByRole('link', { name: /^Verify the draw of / })
      .first()
      .click();
    await ada.waitForURL(new RegExp(`/rooms/${roomId}/draws/[^/]+/verify$`));
    await expect
      .poll(() => ada.getByTestId('server-check').textContent())
      .toContain('Verified on the server');
    await expect
      .poll(() => ada.getByTestId('browser-check').textContent())
      .toContain('Verified in your browser');
    await expectAccessible(ada);
    await ada.screenshot({ path: shot('verify'), fullPage: true });

    // The app cannot be retired while the room uses it: seed 001's message, next to the button.
    await visit(page, `${apps}/lucky-${id}`);
    await page.getByRole('button', { name: 'Retire app' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Retire app' }).click();
    await expect
      .poll(() => page.getByRole('alert').filter({ hasText: 'Cannot delete' }).textContent())
      .toBe('Cannot delete app: 1 active room(s) exist.');

    // Every page fits a 360 px phone.
    for (const path of [apps, `${apps}/lucky-${id}`, rooms, `${rooms}/${roomId}`])
      await expectFitsPhone(page, path);
    await expectFitsPhone(ada, `/rooms/${roomId}`);
    await page.screenshot({ path: shot('room-organizer-phone'), fullPage: true });
  }, 240_000);

  it('without JavaScript: join, draw, revoke (after confirming) and draw again, verify, leave, edit', async () => {
    const db = conn!.db;
    const actor = { ...userActor(organizer.id), userId: organizer.id };
    const { app } = await registerApp(db, actor, {
      organizationId,
      appId: `quiet-${id}`,
      manifest: { name: 'Quiet draw', meta: { version: '2.0.0' } },
    });
    const room = await createRoom(db, actor, {
      organizationId,
      appId: app.appId,
      name: 'No-script raffle',
      isPublic: true,
    });
    await changeRoomStatus(db, actor, { organizationId, roomId: room.id, status: 'ACTIVE' });
    await createPrize(db, actor, { organizationId, roomId: room.id, name: 'Mug', quantity: 1 });

    const pages: Page[] = [];
    for (const person of people) {
      const theirs = await signedIn(person, false);
      await visit(theirs, `/rooms/${room.id}`);
      await theirs.getByRole('button', { name: 'Join room' }).click();
      await theirs.waitForURL(`**/rooms/${room.id}`);
      expect(await main(theirs).textContent()).toContain('You have joined this room.');
      pages.push(theirs);
    }
    expect(await pages[2]!.getByTestId('participant-count').textContent()).toContain('3 participants');
    await expectAccessible(pages[0]!);

    const page = await signedIn(organizer, false);
    const here = `/o/${slug}/rooms/${room.id}`;
    await visit(page, here);
    expect(await page.locator('[data-participant]').count()).toBe(3);
    await page.getByRole('button', { name: 'Draw winners for Mug' }).click();
    await page.waitForURL(`**${here}`);
    expect(await flash(page, 'Drew 1 winner').count()).toBe(1);
    expect(await page.locator('[data-winner]').count()).toBe(1);
    const first = (await page.locator('[data-winner] p.font-medium').textContent()) ?? '';
    await expectAccessible(page);

    // Revoking asks first (a confirmation page), then frees the place for another draw.
    await page.getByRole('button', { name: /^Revoke / }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
      `Revoke ${first}’s Mug?`,
    );
    await page.getByRole('button', { name: 'Revoke winner' }).click();
    await page.waitForURL(`**${here}`);
    expect(await page.locator('[data-winner]').count()).toBe(0);
    await page.getByRole('button', { name: 'Draw winners for Mug' }).click();
    await page.waitForURL(`**${here}`);
    expect(await page.locator('[data-winner]').count()).toBe(1);
    // The revoked winner is a candidate again: the new draw picks among all three.
    const second = (await page.locator('[data-winner] p.font-medium').textContent()) ?? '';

    // A participant reloads the room page: the winner is there; the verify page answers without JavaScript.
    const reader = pages[0]!;
    await visit(reader, `/rooms/${room.id}`);
    expect(await reader.locator('[data-winner]').count()).toBe(1);
    await reader.getByRole('link', { name: /^Verify the draw of / }).click();
    await reader.waitForURL(new RegExp(`/rooms/${room.id}/draws/[^/]+/verify$`));
    expect(await reader.getByTestId('server-check').textContent()).toContain(
      `Verified on the server: the draw picks ${second}.`,
    );
    expect(await reader.getByTestId('browser-check').textContent()).toContain('needs JavaScript');
    await reader.screenshot({ path: shot('verify-no-js'), fullPage: true });

    // Leaving works without JavaScript too, and the page offers Join again.
    await reader.getByRole('link', { name: 'No-script raffle' }).click();
    await reader.getByRole('button', { name: 'Leave room' }).click();
    await reader.waitForURL(`**/rooms/${room.id}`);
    expect(await reader.getByRole('button', { name: 'Join room' }).count()).toBe(1);

    // The organizer's forms without JavaScript: an unknown email is refused next to the field; an edit saves.
    await visit(page, here);
    await page.locator('form#add-participant').getByLabel('Email').fill(`nobody-${id}@example.com`);
    await page.getByRole('button', { name: 'Add participant' }).click();
    expect(await page.locator('#add-participant-email-error').textContent()).toContain(
      'No user has this email',
    );
    const edit = page.locator('form#edit-room');
    await page.locator('summary', { hasText: 'Edit room' }).click();
    await edit.getByLabel('Name', { exact: true }).fill('No-script raffle, edited');
    // Two people are in the room (one left): the limit cannot go below that.
    await edit.getByLabel('Maximum participants (optional)').fill('1');
    await edit.getByRole('button', { name: 'Save room' }).click();
    expect(await edit.locator('#edit-room-maxParticipants-error').textContent()).toContain('At least 2');
    await edit.getByLabel('Maximum participants (optional)').fill('5');
    await edit.getByRole('button', { name: 'Save room' }).click();
    await page.waitForURL(`**${here}`);
    expect(await flash(page, 'Room No-script raffle, edited saved.').count()).toBe(1);
    expect(await page.getByTestId('participant-count').textContent()).toBe('2 of 5');
  }, 180_000);
});
