// SPEC §6 rules that the database enforces by triggers (immutable invoices, append-only audit log),
// SPEC §5 same-tenant triggers, and the CHECK constraints. Runs on PostgreSQL 15 and on PGlite.
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
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
  createInvoice,
  createOrder,
  createOrganization,
  createPrize,
  createProject,
  createRoom,
  createService,
  createSubscription,
  createTeam,
  createUser,
  failureCode,
  finalizeInvoice,
  one,
  writeAudit,
} from './factories';

const REFUSED = expect.stringMatching(/^(23|42|P0)/);

describeEachDriver('SPEC §6 database rules', (driver) => {
  const t = useTestDatabase(driver);

  describe('finalized invoices', () => {
    let org: string;
    let account: string;
    let service: string;
    let invoice: string;
    let line: string;
    let subscription: string;

    beforeAll(async () => {
      org = await createOrganization(t.db);
      subscription = await createSubscription(t.db, org);
      account = await createBillingAccount(t.db, org);
      service = await createService(t.db, org);
      invoice = await createInvoice(t.db, account, {
        subscriptionId: subscription,
        periodStart: '2026-03-01T00:00:00Z',
      });
      line = await addLineItem(t.db, invoice, service);
      await finalizeInvoice(t.db, invoice);
    });

    it('a draft invoice may change freely', async () => {
      const draft = await createInvoice(t.db, account, { periodStart: '2026-04-01T00:00:00Z' });
      await t.db.execute(sql`UPDATE invoices SET subtotal = 2000, total = 2000 WHERE id = ${draft}`);
      await addLineItem(t.db, draft, service, 2000);
      await t.db.execute(sql`DELETE FROM invoices WHERE id = ${draft}`);
      expect(await count(t.db, 'invoices', sql`id = ${draft}`)).toBe(0);
    });

    it('refuses changes to amounts, number, period and ownership', async () => {
      for (const change of [
        sql`UPDATE invoices SET subtotal = 1, total = 1 WHERE id = ${invoice}`,
        sql`UPDATE invoices SET tax = 100, total = 1600 WHERE id = ${invoice}`,
        sql`UPDATE invoices SET invoice_number = 'INV-2026-999999' WHERE id = ${invoice}`,
        sql`UPDATE invoices SET period_start = period_start - interval '1 day' WHERE id = ${invoice}`,
        sql`UPDATE invoices SET finalized_at = NULL WHERE id = ${invoice}`,
        sql`UPDATE invoices SET status = 'DRAFT' WHERE id = ${invoice}`,
        sql`UPDATE invoices SET subscription_id = NULL WHERE id = ${invoice}`,
      ]) {
        expect(await failureCode(t.db, change)).toEqual(REFUSED);
      }
      const row = await one<{ total: number; amount_due: number }>(
        t.db,
        sql`SELECT total, amount_due FROM invoices WHERE id = ${invoice}`,
      );
      expect(row).toEqual({ total: 1500, amount_due: 1500 });
    });

    it('allows payment progress: status, amount_paid, paid_at, payment token, pdf_url', async () => {
      await t.db.execute(
        sql`UPDATE invoices SET status = 'PARTIAL', amount_paid = 500, payment_token_hash = 'h1',
                   payment_token_expires_at = now() + interval '1 day', pdf_url = 'https://example.com/i.pdf'
            WHERE id = ${invoice}`,
      );
      const row = await one<{ amount_due: number; status: string }>(
        t.db,
        sql`SELECT amount_due, status FROM invoices WHERE id = ${invoice}`,
      );
      expect(row).toEqual({ amount_due: 1000, status: 'PARTIAL' });
      await t.db.execute(sql`UPDATE invoices SET status = 'OPEN', amount_paid = 0 WHERE id = ${invoice}`);
    });

    it('refuses inserting, changing and deleting line items of a finalized invoice', async () => {
      expect(
        await failureCode(t.db, sql`UPDATE invoice_line_items SET description = 'x' WHERE id = ${line}`),
      ).toEqual(REFUSED);
      expect(await failureCode(t.db, sql`DELETE FROM invoice_line_items WHERE id = ${line}`)).toEqual(
        REFUSED,
      );
      expect(
        await failureCode(
          t.db,
          sql`INSERT INTO invoice_line_items (invoice_id, description, quantity, unit_price, amount) VALUES (${invoice}, 'extra', 1, 1, 1)`,
        ),
      ).toEqual(REFUSED);
      expect(
        await failureCode(t.db, sql`UPDATE invoice_line_items SET service_id = NULL WHERE id = ${line}`),
      ).toEqual(REFUSED);
    });

    it("a line item's service may go (service_id becomes NULL), and a subscription's deletion unlinks the invoice", async () => {
      const otherService = await createService(t.db, org);
      const inv = await createInvoice(t.db, account, {
        subscriptionId: subscription,
        periodStart: '2026-05-01T00:00:00Z',
      });
      const item = await addLineItem(t.db, inv, otherService);
      await finalizeInvoice(t.db, inv);
      await t.db.execute(sql`DELETE FROM services WHERE id = ${otherService}`);
      const row = await one<{ service_id: string | null }>(
        t.db,
        sql`SELECT service_id FROM invoice_line_items WHERE id = ${item}`,
      );
      expect(row.service_id).toBeNull();

      const org2 = await createOrganization(t.db);
      const sub2 = await createSubscription(t.db, org2);
      const acc2 = await createBillingAccount(t.db, org2);
      const inv2 = await createInvoice(t.db, acc2, { subscriptionId: sub2 });
      await finalizeInvoice(t.db, inv2);
      await t.db.execute(sql`DELETE FROM subscriptions WHERE id = ${sub2}`);
      const row2 = await one<{ subscription_id: string | null }>(
        t.db,
        sql`SELECT subscription_id FROM invoices WHERE id = ${inv2}`,
      );
      expect(row2.subscription_id).toBeNull();
    });

    it('refuses deleting a finalized invoice, and deleting a billing account while its organization exists', async () => {
      expect(await failureCode(t.db, sql`DELETE FROM invoices WHERE id = ${invoice}`)).toEqual(REFUSED);
      expect(await failureCode(t.db, sql`DELETE FROM billing_accounts WHERE id = ${account}`)).toEqual(
        REFUSED,
      );
      expect(await count(t.db, 'invoices', sql`id = ${invoice}`)).toBe(1);
    });

    it('refuses TRUNCATE of invoices, invoice_line_items and audit_logs', async () => {
      for (const table of ['invoices', 'invoice_line_items', 'audit_logs']) {
        expect(await failureCode(t.db, sql`TRUNCATE ${sql.identifier(table)} CASCADE`), table).toEqual(
          REFUSED,
        );
      }
      expect(await count(t.db, 'invoices', sql`id = ${invoice}`)).toBe(1);
    });

    it('checks total = subtotal + tax and amount = quantity * unit_price', async () => {
      expect(
        await failureCode(
          t.db,
          sql`INSERT INTO invoices (billing_account_id, period_start, period_end, subtotal, tax, total)
              VALUES (${account}, '2027-01-01', '2027-02-01', 100, 10, 100)`,
        ),
      ).toBe('23514');
      const draft = await createInvoice(t.db, account, { periodStart: '2027-03-01T00:00:00Z' });
      expect(
        await failureCode(
          t.db,
          sql`INSERT INTO invoice_line_items (invoice_id, description, quantity, unit_price, amount) VALUES (${draft}, 'x', 2, 100, 100)`,
        ),
      ).toBe('23514');
    });

    it('one local invoice per billing account and period', async () => {
      expect(
        await failureCode(
          t.db,
          sql`INSERT INTO invoices (billing_account_id, period_start, period_end, subtotal, tax, total)
              VALUES (${account}, '2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z', 1, 0, 1)`,
        ),
      ).toBe('23505');
    });
  });

  describe('audit_logs is append-only', () => {
    it('refuses UPDATE and DELETE, including nulling user_id while the user exists', async () => {
      const user = await createUser(t.db);
      const id = await writeAudit(t.db, user);
      expect(await failureCode(t.db, sql`UPDATE audit_logs SET action = 'forged' WHERE id = ${id}`)).toEqual(
        REFUSED,
      );
      expect(await failureCode(t.db, sql`UPDATE audit_logs SET user_id = NULL WHERE id = ${id}`)).toEqual(
        REFUSED,
      );
      expect(await failureCode(t.db, sql`DELETE FROM audit_logs WHERE id = ${id}`)).toEqual(REFUSED);
      expect(
        await count(t.db, 'audit_logs', sql`id = ${id} AND action = 'test.action' AND user_id = ${user}`),
      ).toBe(1);
    });
  });

  describe('same-tenant references are refused', () => {
    it('usage events: project and API key of another organization', async () => {
      const user = await createUser(t.db);
      const a = await createOrganization(t.db);
      const b = await createOrganization(t.db);
      const projectB = await createProject(t.db, b);
      const keyB = await createApiKey(t.db, b, user);
      expect(
        await failureCode(
          t.db,
          sql`INSERT INTO usage_events (organization_id, project_id, event_type) VALUES (${a}, ${projectB}, 'api.call')`,
        ),
      ).toEqual(REFUSED);
      expect(
        await failureCode(
          t.db,
          sql`INSERT INTO usage_events (organization_id, api_key_id, event_type) VALUES (${a}, ${keyB}, 'api.call')`,
        ),
      ).toEqual(REFUSED);
    });

    it("invitations and team members: another organization's team, a non-member", async () => {
      const user = await createUser(t.db);
      const a = await createOrganization(t.db);
      const b = await createOrganization(t.db);
      await addMember(t.db, a, user, 'OWNER');
      const teamB = await createTeam(t.db, b);
      expect(
        await failureCode(
          t.db,
          sql`INSERT INTO invitations (organization_id, email, inviter_id, team_id, token_hash, expires_at)
              VALUES (${a}, 'x@example.com', ${user}, ${teamB}, ${`h-${a}`}, now() + interval '1 day')`,
        ),
      ).toEqual(REFUSED);
      expect(
        await failureCode(t.db, sql`INSERT INTO team_members (team_id, user_id) VALUES (${teamB}, ${user})`),
      ).toEqual(REFUSED);
    });

    it("payments and line items: another account's invoice, another organization's service", async () => {
      const a = await createOrganization(t.db);
      const b = await createOrganization(t.db);
      const accountA = await createBillingAccount(t.db, a);
      const accountB = await createBillingAccount(t.db, b);
      const invoiceB = await createInvoice(t.db, accountB);
      const serviceB = await createService(t.db, b);
      expect(
        await failureCode(
          t.db,
          sql`INSERT INTO payments (billing_account_id, invoice_id, amount, method, status)
              VALUES (${accountA}, ${invoiceB}, 100, 'STRIPE_CARD', 'PAID')`,
        ),
      ).toEqual(REFUSED);
      const invoiceA = await createInvoice(t.db, accountA);
      expect(
        await failureCode(
          t.db,
          sql`INSERT INTO invoice_line_items (invoice_id, service_id, description, quantity, unit_price, amount)
              VALUES (${invoiceA}, ${serviceB}, 'x', 1, 100, 100)`,
        ),
      ).toEqual(REFUSED);
    });

    it('winners: a prize or participant of another room', async () => {
      const user = await createUser(t.db);
      const org = await createOrganization(t.db);
      const app = await createApp(t.db, org);
      const room1 = await createRoom(t.db, org, user, app);
      const room2 = await createRoom(t.db, org, user, app);
      const p1 = await addParticipant(t.db, room1, user);
      const prize2 = await createPrize(t.db, room2);
      expect(
        await failureCode(
          t.db,
          sql`INSERT INTO winners (room_id, prize_id, participant_id) VALUES (${room1}, ${prize2}, ${p1})`,
        ),
      ).toEqual(REFUSED);
      expect(
        await failureCode(
          t.db,
          sql`INSERT INTO winners (room_id, prize_id, participant_id) VALUES (${room2}, ${prize2}, ${p1})`,
        ),
      ).toEqual(REFUSED);
    });
  });

  describe('CHECK constraints', () => {
    it('emails are stored lower-case', async () => {
      expect(await failureCode(t.db, sql`INSERT INTO users (email) VALUES ('Upper@Example.com')`)).toBe(
        '23514',
      );
    });

    it('money and quantities cannot be negative', async () => {
      const org = await createOrganization(t.db);
      const account = await createBillingAccount(t.db, org);
      expect(
        await failureCode(
          t.db,
          sql`INSERT INTO credits (billing_account_id, amount, reason) VALUES (${account}, 0, 'x')`,
        ),
      ).toBe('23514');
      expect(
        await failureCode(
          t.db,
          sql`INSERT INTO payments (billing_account_id, amount, method, status) VALUES (${account}, -5, 'STRIPE_CARD', 'PAID')`,
        ),
      ).toBe('23514');
      const user = await createUser(t.db);
      const app = await createApp(t.db, org);
      const room = await createRoom(t.db, org, user, app);
      expect(
        await failureCode(t.db, sql`INSERT INTO prizes (room_id, name, quantity) VALUES (${room}, 'p', 0)`),
      ).toBe('23514');
    });

    it("seed 003's store CHECKs reject bad rows", async () => {
      const buyer = await createUser(t.db);
      const { order, product, price } = await createOrder(t.db, buyer, null);
      const bad = [
        sql`INSERT INTO order_items (order_id, product_id, price_id, quantity, unit_price, total_price) VALUES (${order}, ${product}, ${price}, 0, 100, 0)`,
        sql`INSERT INTO order_items (order_id, product_id, price_id, quantity, unit_price, total_price) VALUES (${order}, ${product}, ${price}, 2, 100, 150)`,
        sql`UPDATE orders SET total_amount = -1 WHERE id = ${order}`,
        sql`UPDATE products SET base_price = -1 WHERE id = ${product}`,
        sql`UPDATE products SET stock_quantity = -1 WHERE id = ${product}`,
        sql`UPDATE products SET download_limit = -2 WHERE id = ${product}`,
        sql`INSERT INTO product_reviews (product_id, user_id, rating, content) VALUES (${product}, ${buyer}, 6, 'too good')`,
        sql`INSERT INTO product_reviews (product_id, user_id, rating, content) VALUES (${product}, ${buyer}, 0, 'too bad')`,
        sql`INSERT INTO refunds (order_id, stripe_refund_id, amount, reason, status)
            VALUES (${order}, 're_zero', 0, (enum_range(NULL::refund_reason))[1], (enum_range(NULL::refund_status))[1])`,
        sql`INSERT INTO discounts (code, name) VALUES ('NEITHER', 'neither percent nor amount')`,
        sql`INSERT INTO discounts (code, name, percent_off, amount_off) VALUES ('BOTH', 'both', 10, 100)`,
        sql`INSERT INTO discounts (code, name, percent_off) VALUES ('ZERO', 'zero percent', 0)`,
        sql`INSERT INTO discounts (code, name, percent_off) VALUES ('OVER', 'over 100', 100.5)`,
        sql`INSERT INTO discounts (code, name, amount_off) VALUES ('NOAMOUNT', 'zero amount', 0)`,
        sql`INSERT INTO discounts (code, name, amount_off, max_uses) VALUES ('NEGUSES', 'negative uses', 100, -1)`,
      ];
      for (const query of bad) expect(await failureCode(t.db, query)).toBe('23514');
      // The boundaries themselves are fine.
      await t.db.execute(
        sql`UPDATE products SET download_limit = -1, stock_quantity = 0 WHERE id = ${product}`,
      );
      await t.db.execute(
        sql`INSERT INTO discounts (code, name, percent_off) VALUES (${`FULL-${order}`}, 'all of it', 100)`,
      );
    });
  });
});
