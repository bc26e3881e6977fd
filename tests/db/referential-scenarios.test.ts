// SPEC §5 scenarios: cascades that must work through restricting paths, and the refusals that keep
// history. Raw SQL on purpose: this is what the database guarantees whatever the code does.
// Runs on PostgreSQL 15 and on PGlite.
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { useTestDatabase } from '../support/db';
import { describeEachDriver } from './drivers';
import {
  addLineItem,
  addMember,
  addParticipant,
  count,
  createApiKey,
  createApp,
  createBillingAccount,
  createCredit,
  createInvoice,
  createOrder,
  createOrganization,
  createPayment,
  createPlan,
  createPrize,
  createProject,
  createRefund,
  createRoom,
  createService,
  createSubscription,
  createTeam,
  createUser,
  createWinner,
  FK_CODES,
  failureCode,
  finalizeInvoice,
  one,
  uid,
  writeAudit,
} from './factories';

describeEachDriver('SPEC §5 referential scenarios', (driver) => {
  const t = useTestDatabase(driver);

  async function roomWithWinner() {
    const db = t.db;
    const organizer = await createUser(db);
    const player = await createUser(db);
    const org = await createOrganization(db);
    const app = await createApp(db, org);
    const room = await createRoom(db, org, organizer, app);
    const participant = await addParticipant(db, room, player);
    const prize = await createPrize(db, room);
    const winner = await createWinner(db, room, prize, participant);
    return { organizer, player, org, app, room, participant, prize, winner };
  }

  it('deleting a room with prizes and winners succeeds and removes them', async () => {
    const { room, prize, winner, participant } = await roomWithWinner();
    await t.db.execute(sql`DELETE FROM rooms WHERE id = ${room}`);
    expect(await count(t.db, 'prizes', sql`id = ${prize}`)).toBe(0);
    expect(await count(t.db, 'winners', sql`id = ${winner}`)).toBe(0);
    expect(await count(t.db, 'participants', sql`id = ${participant}`)).toBe(0);
  });

  it('deleting a prize that has winners fails with a foreign-key error', async () => {
    const { prize } = await roomWithWinner();
    expect(FK_CODES).toContain(await failureCode(t.db, sql`DELETE FROM prizes WHERE id = ${prize}`));
    expect(await count(t.db, 'prizes', sql`id = ${prize}`)).toBe(1);
  });

  it('deleting a user who organized a room is refused', async () => {
    const { organizer, room } = await roomWithWinner();
    expect(FK_CODES).toContain(await failureCode(t.db, sql`DELETE FROM users WHERE id = ${organizer}`));
    expect(await count(t.db, 'rooms', sql`id = ${room}`)).toBe(1);
  });

  it('deleting a plan with subscriptions is refused', async () => {
    const plan = await createPlan(t.db);
    const org = await createOrganization(t.db);
    await createSubscription(t.db, org, plan);
    expect(FK_CODES).toContain(await failureCode(t.db, sql`DELETE FROM plans WHERE id = ${plan}`));
    const unused = await createPlan(t.db);
    await t.db.execute(sql`DELETE FROM plans WHERE id = ${unused}`);
    expect(await count(t.db, 'plans', sql`id = ${unused}`)).toBe(0);
  });

  it('a participant who left (soft-deleted) can rejoin; an active one cannot join twice', async () => {
    const { room, player, participant } = await roomWithWinner();
    expect(
      await failureCode(t.db, sql`INSERT INTO participants (room_id, user_id) VALUES (${room}, ${player})`),
    ).toBe('23505');
    await t.db.execute(sql`UPDATE participants SET deleted_at = now() WHERE id = ${participant}`);
    await t.db.execute(sql`INSERT INTO participants (room_id, user_id) VALUES (${room}, ${player})`);
    expect(await count(t.db, 'participants', sql`room_id = ${room} AND user_id = ${player}`)).toBe(2);
  });

  it('deleting an organization removes everything of it in one statement, finalized invoices included', async () => {
    const db = t.db;
    const owner = await createUser(db);
    const org = await createOrganization(db);
    await addMember(db, org, owner, 'OWNER');
    const team = await createTeam(db, org);
    await db.execute(sql`INSERT INTO team_members (team_id, user_id) VALUES (${team}, ${owner})`);
    const project = await createProject(db, org);
    const subscription = await createSubscription(db, org);
    const account = await createBillingAccount(db, org);
    const service = await createService(db, org);
    const invoice = await createInvoice(db, account, { subscriptionId: subscription });
    await addLineItem(db, invoice, service);
    await finalizeInvoice(db, invoice);
    const draft = await createInvoice(db, account, { periodStart: '2025-06-01T00:00:00Z' });
    const payment = await createPayment(db, account, invoice);
    const credit = await createCredit(db, account);
    const key = await createApiKey(db, org, owner);
    await db.execute(
      sql`INSERT INTO usage_events (organization_id, api_key_id, project_id, event_type) VALUES (${org}, ${key}, ${project}, 'api.call')`,
    );
    await db.execute(
      sql`INSERT INTO organization_modules (organization_id, module_key) VALUES (${org}, 'crm')`,
    );
    const ticket = (
      await one<{ id: string }>(
        db,
        sql`INSERT INTO support_tickets (organization_id, customer_id, subject, description) VALUES (${org}, ${owner}, 'Help', 'Please') RETURNING id`,
      )
    ).id;
    await db.execute(
      sql`INSERT INTO support_messages (ticket_id, sender_id, message) VALUES (${ticket}, ${owner}, 'hi')`,
    );

    // Its app is used by another organization's room; its own room has prizes and winners.
    const app = await createApp(db, org);
    const other = await createOrganization(db);
    const otherRoom = await createRoom(db, other, owner, app);
    const room = await createRoom(db, org, owner, app);
    const participant = await addParticipant(db, room, await createUser(db));
    const prize = await createPrize(db, room);
    await createWinner(db, room, prize, participant);
    const audit = await writeAudit(db, owner, org);
    // Store orders bought for it, one with a refund: order history outlives the organization.
    const { order } = await createOrder(db, owner, org);
    const refund = await createRefund(db, order);

    await db.execute(sql`DELETE FROM organizations WHERE id = ${org}`);

    const gone: Array<[string, ReturnType<typeof sql>]> = [
      ['organization_members', sql`organization_id = ${org}`],
      ['teams', sql`id = ${team}`],
      ['team_members', sql`team_id = ${team}`],
      ['projects', sql`id = ${project}`],
      ['subscriptions', sql`id = ${subscription}`],
      ['billing_accounts', sql`id = ${account}`],
      ['services', sql`id = ${service}`],
      ['invoices', sql`id IN (${invoice}, ${draft})`],
      ['invoice_line_items', sql`invoice_id = ${invoice}`],
      ['payments', sql`id = ${payment}`],
      ['credits', sql`id = ${credit}`],
      ['api_keys', sql`id = ${key}`],
      ['usage_events', sql`organization_id = ${org}`],
      ['organization_modules', sql`organization_id = ${org}`],
      ['support_tickets', sql`id = ${ticket}`],
      ['support_messages', sql`ticket_id = ${ticket}`],
      ['rooms', sql`id = ${room}`],
      ['prizes', sql`id = ${prize}`],
      ['winners', sql`room_id = ${room}`],
      ['participants', sql`id = ${participant}`],
    ];
    for (const [table, where] of gone) expect(await count(db, table, where), table).toBe(0);

    // What outlives it: the app (now unowned) and the other organization's room; the audit trail.
    const appRow = await one<{ organization_id: string | null }>(
      db,
      sql`SELECT organization_id FROM apps WHERE app_id = ${app}`,
    );
    expect(appRow.organization_id).toBeNull();
    expect(await count(db, 'rooms', sql`id = ${otherRoom}`)).toBe(1);
    expect(await count(db, 'audit_logs', sql`id = ${audit}`)).toBe(1);
    const orderRow = await one<{ organization_id: string | null }>(
      db,
      sql`SELECT organization_id FROM orders WHERE id = ${order}`,
    );
    expect(orderRow.organization_id).toBeNull();
    expect(await count(db, 'order_items', sql`order_id = ${order}`)).toBe(1);
    expect(await count(db, 'refunds', sql`id = ${refund}`)).toBe(1);
  });

  it('store history is kept: an order with refunds, a buyer with orders, a product that was sold', async () => {
    const buyer = await createUser(t.db);
    const { order, product, price } = await createOrder(t.db, buyer, null);
    await createRefund(t.db, order);
    expect(FK_CODES).toContain(await failureCode(t.db, sql`DELETE FROM orders WHERE id = ${order}`));
    expect(FK_CODES).toContain(await failureCode(t.db, sql`DELETE FROM users WHERE id = ${buyer}`));
    expect(FK_CODES).toContain(await failureCode(t.db, sql`DELETE FROM products WHERE id = ${product}`));
    expect(FK_CODES).toContain(await failureCode(t.db, sql`DELETE FROM prices WHERE id = ${price}`));
    expect(await count(t.db, 'orders', sql`id = ${order}`)).toBe(1);
  });

  it('deleting a user with audit rows keeps the rows and nulls their user_id', async () => {
    const user = await createUser(t.db);
    const audit = await writeAudit(t.db, user);
    await t.db.execute(sql`DELETE FROM users WHERE id = ${user}`);
    const row = await one<{ user_id: string | null; action: string }>(
      t.db,
      sql`SELECT user_id, action FROM audit_logs WHERE id = ${audit}`,
    );
    expect(row).toEqual({ user_id: null, action: 'test.action' });
  });

  it('deleting a user cascades to accounts, sessions, memberships and API keys', async () => {
    const user = await createUser(t.db);
    const org = await createOrganization(t.db);
    await addMember(t.db, org, user);
    await createApiKey(t.db, org, user);
    await t.db.execute(
      sql`INSERT INTO accounts (user_id, provider_id, account_id) VALUES (${user}, 'github', ${`gh-${uid()}`})`,
    );
    await t.db.execute(
      sql`INSERT INTO sessions (id, user_id, expires_at, active_organization_id) VALUES (${`s-${uid()}`}, ${user}, now() + interval '1 day', ${org})`,
    );
    await t.db.execute(sql`DELETE FROM users WHERE id = ${user}`);
    for (const table of ['accounts', 'sessions', 'organization_members', 'api_keys'])
      expect(await count(t.db, table, sql`user_id = ${user}`), table).toBe(0);
  });

  it("a session's active organization becomes NULL when the organization goes", async () => {
    const user = await createUser(t.db);
    const org = await createOrganization(t.db);
    const id = `s-${uid()}`;
    await t.db.execute(
      sql`INSERT INTO sessions (id, user_id, expires_at, active_organization_id) VALUES (${id}, ${user}, now() + interval '1 day', ${org})`,
    );
    await t.db.execute(sql`DELETE FROM organizations WHERE id = ${org}`);
    const row = await one<{ active_organization_id: string | null }>(
      t.db,
      sql`SELECT active_organization_id FROM sessions WHERE id = ${id}`,
    );
    expect(row.active_organization_id).toBeNull();
  });
});
