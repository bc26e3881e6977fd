// Paynow payments of invoices against a fake Paynow (tests/fakes/paynow) through the official SDK: web and
// mobile initiation, the result callback over HTTP to POST /webhooks/paynow (hash on the raw body before
// any write, one effect however often or concurrently it arrives), every status Paynow can report, the
// poll path for a callback that never came, and Paynow refusing or unreachable.
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { and, eq, like, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetEnvCache } from '~/env.server';
import { Conflict, UpstreamFailed, ValidationFailed } from '~/lib/errors';
import { countRows, createOrg } from '~/orgs/test-support';
import * as webhookRoute from '~/routes/webhooks.paynow';
import { billingAccounts, invoices, payments, webhookEvents } from '~db/schema';
import {
  type FakePaynow,
  fakePaynowHash,
  type PaynowStatus,
  startFakePaynow,
} from '../../tests/fakes/paynow/server';
import { itConcurrent, useAppTestDatabase } from '../../tests/support/db';
import { accountTotals, refreshBalance } from './ledger.server';
import {
  initiatePaynowPayment,
  isPaynowConfigured,
  normalizeZimbabweMobile,
  type PaynowMethod,
  pollPendingPaynowPayments,
} from './paynow.server';
import { paynowHash } from './paynow-hash';

// The SDK has no type declarations: only its hash function is used here, to cross-check ours.
const { Paynow } = createRequire(import.meta.url)('paynow') as {
  Paynow: new (...args: string[]) => { generateHash(values: Record<string, string>, key: string): string };
};

const INTEGRATION_ID = '20481';
const INTEGRATION_KEY = '3e9fed89-60e1-4ce5-ab6e-6b1eb2d4f977';

const t = useAppTestDatabase();
let fake: FakePaynow;
let app: Server;
let appUrl = '';
const saved: Record<string, string | undefined> = {};
const VARS = ['PAYNOW_INTEGRATION_ID', 'PAYNOW_INTEGRATION_KEY', 'PAYNOW_API_BASE'] as const;

/** The webhook route behind a real HTTP port: the fake Paynow POSTs its results there, as Paynow would. */
async function serveRoute(): Promise<Server> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request = new Request(`http://localhost${req.url}`, {
      method: req.method,
      headers: req.headers as Record<string, string>,
      body: req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.concat(chunks),
    });
    const response = (await webhookRoute.action({ request, params: {}, context: {} } as never)) as Response;
    res.writeHead(response.status, Object.fromEntries(response.headers)).end(await response.text());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

beforeAll(async () => {
  fake = await startFakePaynow({ integrationId: INTEGRATION_ID, integrationKey: INTEGRATION_KEY });
  app = await serveRoute();
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  for (const v of VARS) saved[v] = process.env[v];
  process.env.PAYNOW_INTEGRATION_ID = INTEGRATION_ID;
  process.env.PAYNOW_INTEGRATION_KEY = INTEGRATION_KEY;
  process.env.PAYNOW_API_BASE = fake.url;
  resetEnvCache();
});

afterAll(async () => {
  for (const v of VARS) {
    if (saved[v] === undefined) delete process.env[v];
    else process.env[v] = saved[v];
  }
  resetEnvCache();
  await new Promise((resolve) => app?.close(resolve));
  await fake?.close();
});

let invoiceSeq = 0;

/** An organization with one issued, OPEN invoice of `total` cents; the stored balance owes it. */
async function openInvoice(total = 2500) {
  const { organization, owner } = await createOrg(t.db);
  const [account] = await t.db
    .select()
    .from(billingAccounts)
    .where(eq(billingAccounts.organizationId, organization.id));
  invoiceSeq += 1;
  const now = Date.now();
  const [invoice] = await t.db
    .insert(invoices)
    .values({
      billingAccountId: account!.id,
      invoiceNumber: `INV-2031-${String(invoiceSeq).padStart(6, '0')}`,
      periodStart: new Date(now - 30 * 86_400_000),
      periodEnd: new Date(now),
      subtotal: total,
      total,
      status: 'OPEN',
      issuedAt: new Date(now),
      finalizedAt: new Date(now),
      dueAt: new Date(now + 14 * 86_400_000),
    })
    .returning();
  await refreshBalance(t.db, account!.id);
  return { organization, owner, accountId: account!.id, invoice: invoice! };
}

type Opened = Awaited<ReturnType<typeof openInvoice>>;

function pay(
  o: Opened,
  method: PaynowMethod = 'PAYNOW_VISA',
  extra: { phone?: string; email?: string } = {},
) {
  return initiatePaynowPayment(t.db, o.owner.actor, {
    invoiceId: o.invoice.id,
    method,
    email: 'payer@example.com',
    returnUrl: `http://localhost/pay/${o.invoice.id}`,
    resultUrl: `${appUrl}/webhooks/paynow`,
    ...extra,
  });
}

async function paymentRow(id: string) {
  const [row] = await t.db.select().from(payments).where(eq(payments.id, id));
  return row!;
}

async function invoiceRow(id: string) {
  const [row] = await t.db.select().from(invoices).where(eq(invoices.id, id));
  return row!;
}

async function balanceOf(accountId: string) {
  const [row] = await t.db.select().from(billingAccounts).where(eq(billingAccounts.id, accountId));
  return row!.balance;
}

interface Answer {
  status: number;
  body: {
    received?: boolean;
    duplicate?: boolean;
    outcome?: string;
    note?: string | null;
    error?: { message: string };
  };
}

async function postResult(body: string): Promise<Answer> {
  const response = await fetch(`${appUrl}/webhooks/paynow`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body,
  });
  return { status: response.status, body: await response.json() };
}

const parsed = (delivery: { status: number; body: string } | null): Answer => ({
  status: delivery!.status,
  body: JSON.parse(delivery!.body),
});

const receivedAudits = (paymentId: string) =>
  countRows(
    t.db,
    sql`SELECT count(*) AS n FROM audit_logs WHERE entity_id = ${paymentId} AND action = 'payment.received'`,
  );

const ledgerRows = (paynowReference: string) =>
  t.db
    .select()
    .from(webhookEvents)
    .where(and(eq(webhookEvents.provider, 'paynow'), like(webhookEvents.eventId, `${paynowReference}:%`)));

describe('the hash', () => {
  it('is the one the SDK computes, and the fake computes it independently the same way', () => {
    const fields: [string, string][] = [
      ['reference', 'pay_1'],
      ['paynowreference', '9000123'],
      ['amount', '25.00'],
      ['status', 'Paid'],
      ['pollurl', 'http://127.0.0.1/interface/checkpayment/?guid=abc'],
    ];
    const sdk = new Paynow(INTEGRATION_ID, INTEGRATION_KEY, '', '');
    const expected = sdk.generateHash(Object.fromEntries(fields), INTEGRATION_KEY);
    expect(expected).toMatch(/^[0-9A-F]{128}$/);
    expect(paynowHash(fields, INTEGRATION_KEY)).toBe(expected);
    expect(fakePaynowHash(fields, INTEGRATION_KEY)).toBe(expected);
    expect(paynowHash(fields, 'another-key')).not.toBe(expected);
  });
});

describe('initiation', () => {
  it('is configured by the id and the key', () => {
    expect(isPaynowConfigured()).toBe(true);
  });

  it('web (Visa): a PENDING payment of what is open, Paynow told the amount in dollars, the poll URL stored, the redirect returned', async () => {
    const o = await openInvoice(2550);
    const result = await pay(o, 'PAYNOW_VISA');
    const tx = fake.transaction(result.paymentId);
    expect(result.redirectUrl).toBe(`${fake.url}/payment/confirmpayment/${tx.guid}`);
    expect(result.instructions).toBeUndefined();
    const sent = fake.requests.filter((r) => r.path === '/interface/initiatetransaction').at(-1)!;
    expect(sent.fields).toMatchObject({ id: INTEGRATION_ID, reference: result.paymentId, amount: '25.5' });
    expect(sent.fields.additionalinfo).toContain('Invoice');
    expect(tx.kind).toBe('web');
    const payment = await paymentRow(result.paymentId);
    expect(payment).toMatchObject({
      status: 'PENDING',
      amount: 2550,
      method: 'PAYNOW_VISA',
      invoiceId: o.invoice.id,
      externalId: tx.pollUrl,
      externalStatus: 'Ok',
    });
  });

  it('mobile (EcoCash): the phone normalised and sent with the method, the instructions returned', async () => {
    const o = await openInvoice(1000);
    const result = await pay(o, 'PAYNOW_ECOCASH', { phone: '+263 77 123 4567' });
    const tx = fake.transaction(result.paymentId);
    expect(tx).toMatchObject({
      kind: 'mobile',
      method: 'ecocash',
      phone: '0771234567',
      authEmail: 'payer@example.com',
    });
    expect(result.redirectUrl).toBeUndefined();
    expect(result.instructions).toContain('0771234567');
    const payment = await paymentRow(result.paymentId);
    expect(payment).toMatchObject({
      status: 'PENDING',
      amount: 1000,
      externalId: tx.pollUrl,
      externalStatus: 'Ok',
    });
  });

  it('mobile (InnBucks): the authorization code becomes the instructions', async () => {
    const o = await openInvoice(700);
    const result = await pay(o, 'PAYNOW_INNBUCKS', { phone: '0712345678' });
    expect(fake.transaction(result.paymentId).method).toBe('innbucks');
    expect(result.instructions).toMatch(/InnBucks .*code \d{9}/);
  });

  it('refuses a bad phone with 400 and creates no payment', async () => {
    const o = await openInvoice();
    const cases: [PaynowMethod, string | undefined, RegExp][] = [
      ['PAYNOW_ECOCASH', undefined, /mobile number is needed/],
      ['PAYNOW_ECOCASH', '12345', /Zimbabwe mobile number/],
      ['PAYNOW_ECOCASH', '0241234567', /Zimbabwe mobile number/],
      ['PAYNOW_ONEMONEY', '0771234567', /OneMoney numbers start with 071/],
      ['PAYNOW_ECOCASH', '0711234567', /EcoCash numbers start with 077 or 078/],
    ];
    for (const [method, phone, message] of cases) {
      const err = await pay(o, method, { phone }).catch((e: unknown) => e);
      expect(err, `${method} ${phone}`).toBeInstanceOf(ValidationFailed);
      expect((err as ValidationFailed).status).toBe(400);
      expect((err as ValidationFailed).message).toMatch(message);
      expect((err as ValidationFailed).fieldErrors?.phone).toBeDefined();
    }
    expect(
      await countRows(t.db, sql`SELECT count(*) AS n FROM payments WHERE invoice_id = ${o.invoice.id}`),
    ).toBe(0);
    expect(normalizeZimbabweMobile('078-123-4567')).toBe('0781234567');
    expect(normalizeZimbabweMobile('263731234567')).toBe('0731234567');
  });

  it('paying an invoice already paid is a Conflict, and nothing is sent to Paynow', async () => {
    const o = await openInvoice(1200);
    const first = await pay(o);
    await fake.complete(first.paymentId, 'Paid');
    expect((await invoiceRow(o.invoice.id)).status).toBe('PAID');
    const before = fake.requests.length;
    const err = await pay(o).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Conflict);
    expect((err as Conflict).message).toMatch(/already paid/);
    expect(fake.requests.length).toBe(before);
    expect(
      await countRows(t.db, sql`SELECT count(*) AS n FROM payments WHERE invoice_id = ${o.invoice.id}`),
    ).toBe(1);
  });

  it('a second initiation while one is pending is a Conflict that says so', async () => {
    const o = await openInvoice();
    await pay(o);
    await expect(pay(o)).rejects.toThrow(/still pending/);
  });

  it('Paynow answering Error: UpstreamFailed with its message, the payment FAILED, and the invoice payable again', async () => {
    const o = await openInvoice(900);
    fake.failNext({ message: 'Invalid amount field' });
    const err = await pay(o).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamFailed);
    expect((err as UpstreamFailed).status).toBe(502);
    expect((err as UpstreamFailed).message).toContain('Invalid amount field');
    const [failed] = await t.db.select().from(payments).where(eq(payments.invoiceId, o.invoice.id));
    expect(failed).toMatchObject({
      status: 'FAILED',
      errorMessage: 'Invalid amount field',
      externalId: null,
    });
    expect(failed!.failedAt).not.toBeNull();
    const retry = await pay(o);
    expect((await paymentRow(retry.paymentId)).status).toBe('PENDING');
  });

  it('Paynow unreachable: UpstreamFailed that a person can read, the payment FAILED', async () => {
    const o = await openInvoice(800);
    fake.failNext({ mode: 'drop' });
    const err = await pay(o, 'PAYNOW_ONEMONEY', { phone: '0712345678' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamFailed);
    expect((err as UpstreamFailed).message).toMatch(/Paynow could not be reached/);
    const [failed] = await t.db.select().from(payments).where(eq(payments.invoiceId, o.invoice.id));
    expect(failed).toMatchObject({ status: 'FAILED', errorMessage: 'Paynow could not be reached.' });
  });
});

describe('the result callback (POST /webhooks/paynow)', () => {
  it('Paid with a good hash: payment PAID, invoice PAID in full, the balance follows; the same callback again changes nothing', async () => {
    const o = await openInvoice(2500);
    expect(await balanceOf(o.accountId)).toBe(-2500);
    const { paymentId } = await pay(o, 'PAYNOW_ECOCASH', { phone: '0771234567' });
    const answer = parsed(await fake.complete(paymentId, 'Paid'));
    expect(answer).toEqual({
      status: 200,
      body: { received: true, duplicate: false, outcome: 'APPLIED', note: null },
    });

    const payment = await paymentRow(paymentId);
    expect(payment).toMatchObject({ status: 'PAID', externalStatus: 'Paid' });
    expect(payment.completedAt).not.toBeNull();
    const invoice = await invoiceRow(o.invoice.id);
    expect(invoice).toMatchObject({ status: 'PAID', amountPaid: 2500, amountDue: 0 });
    expect(invoice.paidAt).not.toBeNull();
    expect(await balanceOf(o.accountId)).toBe(0);
    expect((await accountTotals(t.db, o.accountId)).balance).toBe(0);
    const [row] = await ledgerRows(fake.transaction(paymentId).paynowReference);
    expect(row).toMatchObject({ type: 'result', outcome: 'APPLIED', attempts: 1 });
    expect(row!.processedAt).not.toBeNull();
    expect(row!.payload).toMatchObject({ reference: paymentId, status: 'Paid', amount: '25.00' });

    const again = await postResult(fake.resultBody(paymentId));
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ received: true, duplicate: true, outcome: 'APPLIED' });
    expect(await receivedAudits(paymentId)).toBe(1);
    expect((await paymentRow(paymentId)).updatedAt).toEqual(payment.updatedAt);
    expect(await balanceOf(o.accountId)).toBe(0);
    expect(await ledgerRows(fake.transaction(paymentId).paynowReference)).toHaveLength(1);
  });

  itConcurrent('10 concurrent identical callbacks: one effect, one payment.received audit row', async () => {
    const o = await openInvoice(3000);
    const { paymentId } = await pay(o);
    await fake.complete(paymentId, 'Paid', { deliver: false });
    const body = fake.resultBody(paymentId);
    const answers = await Promise.all(Array.from({ length: 10 }, () => postResult(body)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(answers.filter((a) => a.body.duplicate === false)).toHaveLength(1);
    expect(answers.filter((a) => a.body.duplicate === true)).toHaveLength(9);
    expect(await receivedAudits(paymentId)).toBe(1);
    expect(await invoiceRow(o.invoice.id)).toMatchObject({ status: 'PAID', amountPaid: 3000 });
    expect(await balanceOf(o.accountId)).toBe(0);
  });

  it('a bad hash, a missing hash, a tampered amount: 400 and no ledger row, the payment still PENDING', async () => {
    const o = await openInvoice(2500);
    const { paymentId } = await pay(o);
    await fake.complete(paymentId, 'Paid', { deliver: false });
    const good = fake.resultBody(paymentId);
    const paynowReference = fake.transaction(paymentId).paynowReference;

    const forged = good.replace(/hash=[0-9A-F]+/, `hash=${'A'.repeat(128)}`);
    const missing = good.replace(/&hash=[0-9A-F]+/, '');
    const tampered = good.replace('amount=25.00', 'amount=1.00');
    const doubled = `${good}&amount=25.00`;
    expect(tampered).not.toBe(good);
    for (const body of [forged, missing, tampered, doubled, '', 'not a form']) {
      const answer = await postResult(body);
      expect(answer.status, body).toBe(400);
      expect(answer.body.error?.message).toBeTruthy();
    }
    expect(await ledgerRows(paynowReference)).toHaveLength(0);
    expect(
      await countRows(
        t.db,
        sql`SELECT count(*) AS n FROM webhook_events WHERE payload->>'reference' = ${paymentId}`,
      ),
    ).toBe(0);
    expect((await paymentRow(paymentId)).status).toBe('PENDING');
    expect((await postResult(good)).body.outcome).toBe('APPLIED');
  });

  it('a signed amount that is not the payment amount: IGNORED with the mismatch recorded, never settled', async () => {
    const o = await openInvoice(2500);
    const { paymentId } = await pay(o);
    const answer = await postResult(fake.resultBody(paymentId, { amount: '1.00', status: 'Paid' }));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ duplicate: false, outcome: 'IGNORED' });
    expect(answer.body.note).toMatch(/Amount mismatch: Paynow reports 1.00 .* which is 25.00/);
    const [row] = await ledgerRows(fake.transaction(paymentId).paynowReference);
    expect(row).toMatchObject({ outcome: 'IGNORED', error: answer.body.note });
    expect((await paymentRow(paymentId)).status).toBe('PENDING');
    expect((await invoiceRow(o.invoice.id)).amountPaid).toBe(0);
  });

  it('Cancelled: payment CANCELED, invoice unchanged; a second initiation then works and can be paid', async () => {
    const o = await openInvoice(1500);
    const first = await pay(o, 'PAYNOW_MASTERCARD');
    expect(parsed(await fake.complete(first.paymentId, 'Cancelled')).body.outcome).toBe('APPLIED');
    expect(await paymentRow(first.paymentId)).toMatchObject({
      status: 'CANCELED',
      externalStatus: 'Cancelled',
    });
    expect(await invoiceRow(o.invoice.id)).toMatchObject({ status: 'OPEN', amountPaid: 0 });
    expect(await balanceOf(o.accountId)).toBe(-1500);

    const second = await pay(o, 'PAYNOW_VISA');
    expect(second.paymentId).not.toBe(first.paymentId);
    expect(await paymentRow(second.paymentId)).toMatchObject({ status: 'PENDING', amount: 1500 });
    await fake.complete(second.paymentId, 'Paid');
    expect(await invoiceRow(o.invoice.id)).toMatchObject({ status: 'PAID', amountPaid: 1500 });
  });

  it('maps every status Paynow reports', async () => {
    const cases: [PaynowStatus, string, 'APPLIED' | 'IGNORED'][] = [
      ['Paid', 'PAID', 'APPLIED'],
      ['Awaiting Delivery', 'PAID', 'APPLIED'],
      ['Delivered', 'PAID', 'APPLIED'],
      ['Cancelled', 'CANCELED', 'APPLIED'],
      ['Failed', 'FAILED', 'APPLIED'],
      ['Disputed', 'FAILED', 'APPLIED'],
      ['Created', 'PENDING', 'IGNORED'],
      ['Sent', 'PENDING', 'IGNORED'],
      ['Refunded', 'PENDING', 'IGNORED'],
    ];
    for (const [status, paymentStatus, outcome] of cases) {
      const o = await openInvoice(400);
      const { paymentId } = await pay(o);
      const answer = parsed(await fake.complete(paymentId, status));
      expect(answer.body.outcome, status).toBe(outcome);
      const payment = await paymentRow(paymentId);
      expect(payment.status, status).toBe(paymentStatus);
      if (paymentStatus === 'PAID') expect((await invoiceRow(o.invoice.id)).status).toBe('PAID');
      else expect((await invoiceRow(o.invoice.id)).amountPaid).toBe(0);
      if (paymentStatus === 'FAILED') expect(payment.errorMessage).toContain(status.toLowerCase());
      if (status === 'Sent' || status === 'Created') {
        expect(answer.body.note).toMatch(/not complete yet/);
        expect(payment.externalStatus).toBe(status);
      }
    }
  });

  it('Awaiting Delivery then Paid (two statuses, two ledger rows): one effect', async () => {
    const o = await openInvoice(600);
    const { paymentId } = await pay(o);
    expect(parsed(await fake.complete(paymentId, 'Awaiting Delivery')).body.outcome).toBe('APPLIED');
    const paid = parsed(await fake.complete(paymentId, 'Paid'));
    expect(paid.body).toMatchObject({
      duplicate: false,
      outcome: 'IGNORED',
      note: 'The payment is PAID already.',
    });
    expect(await ledgerRows(fake.transaction(paymentId).paynowReference)).toHaveLength(2);
    expect(await receivedAudits(paymentId)).toBe(1);
  });

  it('an unknown reference is IGNORED and recorded', async () => {
    const o = await openInvoice(500);
    const { paymentId } = await pay(o);
    const answer = await postResult(fake.resultBody(paymentId, { reference: 'no-such-payment' }));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ duplicate: false, outcome: 'IGNORED' });
    expect(answer.body.note).toContain('no-such-payment');
    const [row] = await ledgerRows(fake.transaction(paymentId).paynowReference);
    expect(row).toMatchObject({ outcome: 'IGNORED' });
    expect(row!.payload).toMatchObject({ reference: 'no-such-payment' });
    expect((await paymentRow(paymentId)).status).toBe('PENDING');
  });

  it('answers 405 to GET and 404 when Paynow is not configured', async () => {
    expect((await fetch(`${appUrl}/webhooks/paynow`)).status).toBe(405);
    delete process.env.PAYNOW_INTEGRATION_KEY;
    resetEnvCache();
    try {
      const answer = await postResult('reference=x&hash=y');
      expect(answer.status).toBe(404);
      expect(answer.body.error?.message).toMatch(/Paynow is not enabled/);
    } finally {
      process.env.PAYNOW_INTEGRATION_KEY = INTEGRATION_KEY;
      resetEnvCache();
    }
  });
});

describe('polling', () => {
  it('settles a payment whose callback never came; a late callback then changes nothing', async () => {
    const o = await openInvoice(2000);
    const { paymentId } = await pay(o, 'PAYNOW_ECOCASH', { phone: '0781234567' });
    await fake.complete(paymentId, 'Paid', { deliver: false });

    const young = await pollPendingPaynowPayments(t.db, { olderThanSeconds: 3600 });
    expect(young).toEqual({ polled: 0, settled: 0 });
    expect((await paymentRow(paymentId)).status).toBe('PENDING');

    const result = await pollPendingPaynowPayments(t.db, { olderThanSeconds: 0 });
    expect(result.polled).toBeGreaterThanOrEqual(1);
    expect(result.settled).toBeGreaterThanOrEqual(1);
    expect(await paymentRow(paymentId)).toMatchObject({ status: 'PAID', externalStatus: 'Paid' });
    expect(await invoiceRow(o.invoice.id)).toMatchObject({ status: 'PAID', amountPaid: 2000 });
    const [row] = await ledgerRows(fake.transaction(paymentId).paynowReference);
    expect(row).toMatchObject({ type: 'poll', outcome: 'APPLIED' });

    const late = parsed(await fake.complete(paymentId, 'Paid'));
    expect(late.body).toMatchObject({ duplicate: true });
    expect(await receivedAudits(paymentId)).toBe(1);
    expect(await balanceOf(o.accountId)).toBe(0);
  });

  it('a Paynow outage leaves payments PENDING; the next poll settles them', async () => {
    const o = await openInvoice(1100);
    const { paymentId } = await pay(o);
    await fake.complete(paymentId, 'Cancelled', { deliver: false });
    fake.failNext({ mode: 'drop', count: 1000 });
    try {
      const down = await pollPendingPaynowPayments(t.db, { olderThanSeconds: 0 });
      expect(down).toEqual({ polled: 0, settled: 0 });
      expect((await paymentRow(paymentId)).status).toBe('PENDING');
      fake.failNext({ mode: 'error', count: 1000 });
      expect(await pollPendingPaynowPayments(t.db, { olderThanSeconds: 0 })).toEqual({
        polled: 0,
        settled: 0,
      });
    } finally {
      fake.failNext({ count: 0 });
    }
    expect((await paymentRow(paymentId)).status).toBe('PENDING');
    await pollPendingPaynowPayments(t.db, { olderThanSeconds: 0 });
    expect(await paymentRow(paymentId)).toMatchObject({ status: 'CANCELED', externalStatus: 'Cancelled' });
  });

  it('a poll that sees a status not final yet keeps the payment PENDING and records it once', async () => {
    const o = await openInvoice(1300);
    const { paymentId } = await pay(o, 'PAYNOW_ECOCASH', { phone: '0771112222' });
    await pollPendingPaynowPayments(t.db, { olderThanSeconds: 0 });
    await pollPendingPaynowPayments(t.db, { olderThanSeconds: 0 });
    expect(await paymentRow(paymentId)).toMatchObject({ status: 'PENDING', externalStatus: 'Sent' });
    const rows = await ledgerRows(fake.transaction(paymentId).paynowReference);
    expect(rows.map((r) => [r.eventId.split(':')[1], r.outcome])).toEqual([['Sent', 'IGNORED']]);
  });
});
