// Paynow payments of invoices (seed 002: PAYNOW_ECOCASH, PAYNOW_ONEMONEY, PAYNOW_INNBUCKS, PAYNOW_VISA,
// PAYNOW_MASTERCARD) through the official `paynow` SDK, with the ledger (ledger.server.ts) as the one
// place money moves.
//
// - Initiation: the PENDING payment is committed first (account lock, open amount), then Paynow is asked
//   outside any transaction (no HTTP call holds a row lock). Its poll URL is the payment's external_id.
//   Paynow refusing or unreachable: the payment is settled FAILED and the caller gets UpstreamFailed.
// - Result callback and poll: the same status update, verified (hash), claimed once in webhook_events
//   (provider 'paynow', event id `<paynowreference>:<status>`) in the transaction that settles the
//   payment, so a callback, its retries and a poll that saw the same status apply once.
// - Never settled: an unknown reference, an amount other than the payment's, a status that is not final.
//   Each is recorded on the ledger row with the reason.

import { createRequire } from 'node:module';
import { and, asc, eq, inArray, isNotNull, lt, sql } from 'drizzle-orm';
import { z } from 'zod';
import { type Actor, systemActor } from '~/audit/audit.server';
import {
  claimWebhookEvent,
  finishWebhookEvent,
  type LedgerEvent,
  recordWebhookFailure,
} from '~/billing/webhook-ledger.server';
import { deliverSoon } from '~/email/outbox.server';
import { env } from '~/env.server';
import { Conflict, NotFound, UpstreamFailed, ValidationFailed } from '~/lib/errors';
import type { Database } from '~db/client.server';
import { invoices, payments, webhookEvents } from '~db/schema';
import {
  coveredAmount,
  insertPayment,
  lockBillingAccount,
  payableInvoice,
  settlePayment,
} from './ledger.server';
import { hasValidPaynowHash, parsePaynowMessage } from './paynow-hash';
import { PAYNOW_METHODS, type PaynowMethod } from './paynow-methods';

// ---- the SDK ------------------------------------------------------------------------------------------
// `paynow` ships compiled JavaScript without type declarations; these are the parts used, as its src/
// declares them.

interface SdkPayment {
  reference: string;
  authEmail: string;
  add(title: string, amount: number, quantity?: number): SdkPayment;
  total(): number;
}

interface SdkInitResponse {
  success: boolean;
  hasRedirect: boolean;
  redirectUrl?: string;
  error?: string;
  pollUrl?: string;
  instructions?: string;
  /** Lower-cased by the SDK ("ok", "paid", "awaiting delivery", "error"). */
  status: string;
  isInnbucks: boolean;
  innbucks_info?: { authorizationcode: string; deep_link_url: string; expires_at: string }[];
}

declare class SdkPaynow {
  constructor(integrationId: string, integrationKey: string, resultUrl: string, returnUrl: string);
  integrationId: string;
  integrationKey: string;
  createPayment(reference: string, authEmail: string): SdkPayment;
  send(payment: SdkPayment): Promise<SdkInitResponse | null | undefined>;
  sendMobile(payment: SdkPayment, phone: string, method: string): Promise<SdkInitResponse | null | undefined>;
  init(payment: SdkPayment): Promise<SdkInitResponse | null | undefined>;
  initMobile(payment: SdkPayment, phone: string, method: string): Promise<SdkInitResponse | null | undefined>;
  validate(payment: SdkPayment): void;
  isValidEmail(email: string): boolean;
  build(payment: SdkPayment): Record<string, string>;
  buildMobile(payment: SdkPayment, phone: string, method: string): Record<string, string>;
  parse(body: string): SdkInitResponse | null;
  parseQuery(body: string): Record<string, string>;
  pollTransaction(url: string): Promise<SdkInitResponse | null>;
}

const { Paynow } = createRequire(import.meta.url)('paynow') as { Paynow: typeof SdkPaynow };

/** An SDK answer with every field Paynow sent (the SDK's own object keeps only some; poll: the status). */
type PaynowAnswer = SdkInitResponse & { fields: Record<string, string> };

const REQUEST_TIMEOUT_MS = 20_000;

/**
 * The SDK with the two things it does not let a caller change: its initiate URLs are constants of
 * www.paynow.co.zw (PAYNOW_API_BASE points them elsewhere), and `init`/`initMobile` log and swallow a
 * failed request (here it is thrown, with a timeout). The request fields, their hash, parsing and
 * verifying Paynow's answer and polling stay the SDK's own code; `parse` only keeps the fields too.
 */
class PaynowClient extends Paynow {
  constructor(
    private readonly apiBase: string,
    integrationId: string,
    integrationKey: string,
    resultUrl: string,
    returnUrl: string,
  ) {
    super(integrationId, integrationKey, resultUrl, returnUrl);
  }

  override async init(payment: SdkPayment) {
    this.validate(payment);
    return this.post('/interface/initiatetransaction', this.build(payment));
  }

  override async initMobile(payment: SdkPayment, phone: string, method: string) {
    this.validate(payment);
    if (!this.isValidEmail(payment.authEmail))
      throw new Error('Paynow needs a valid email for mobile payments.');
    return this.post('/interface/remotetransaction', this.buildMobile(payment, phone, method));
  }

  override parse(body: string): PaynowAnswer | null {
    const answer = super.parse(body);
    return answer && Object.assign(answer, { fields: this.parseQuery(body) });
  }

  private async post(path: string, data: Record<string, string>) {
    const response = await fetch(`${this.apiBase.replace(/\/+$/, '')}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(data),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`Paynow answered HTTP ${response.status}.`);
    return this.parse(await response.text());
  }
}

/** Paynow is on when both the integration id and key are set. */
export function isPaynowConfigured(): boolean {
  const e = env();
  return Boolean(e.PAYNOW_INTEGRATION_ID && e.PAYNOW_INTEGRATION_KEY);
}

function paynowConfig() {
  const e = env();
  if (!e.PAYNOW_INTEGRATION_ID || !e.PAYNOW_INTEGRATION_KEY)
    throw new Conflict('Paynow is not configured on this installation.');
  return { id: e.PAYNOW_INTEGRATION_ID, key: e.PAYNOW_INTEGRATION_KEY, base: e.PAYNOW_API_BASE };
}

function clientFor(resultUrl: string, returnUrl: string): PaynowClient {
  const c = paynowConfig();
  return new PaynowClient(c.base, c.id, c.key, resultUrl, returnUrl);
}

// ---- methods and phone numbers ------------------------------------------------------------------------

export { PAYNOW_METHODS, type PaynowMethod };

/** Express checkout: Paynow prompts the payer's phone; the value is Paynow's `method` field. */
export const PAYNOW_MOBILE_METHODS = {
  PAYNOW_ECOCASH: 'ecocash',
  PAYNOW_ONEMONEY: 'onemoney',
  PAYNOW_INNBUCKS: 'innbucks',
} as const;
export type PaynowMobileMethod = keyof typeof PAYNOW_MOBILE_METHODS;

/** Card payments: the payer is redirected to Paynow's page. */
export const PAYNOW_WEB_METHODS = ['PAYNOW_VISA', 'PAYNOW_MASTERCARD'] as const;

export const isPaynowMethod = (method: string): method is PaynowMethod =>
  (PAYNOW_METHODS as readonly string[]).includes(method);
export const isMobileMethod = (method: string): method is PaynowMobileMethod =>
  method in PAYNOW_MOBILE_METHODS;

/** Which networks' numbers a wallet works with (EcoCash is Econet's, OneMoney NetOne's; InnBucks any). */
const NETWORK_PREFIXES: Record<PaynowMobileMethod, { prefixes: string[]; name: string } | null> = {
  PAYNOW_ECOCASH: { prefixes: ['077', '078'], name: 'EcoCash numbers start with 077 or 078.' },
  PAYNOW_ONEMONEY: { prefixes: ['071'], name: 'OneMoney numbers start with 071.' },
  PAYNOW_INNBUCKS: null,
};

/** 0771234567, 077 123 4567, +263 77 123 4567, 263771234567 → 0771234567; null if not a Zimbabwe mobile. */
export function normalizeZimbabweMobile(raw: string): string | null {
  const compact = raw.replace(/[\s().-]/g, '');
  const local = compact.replace(/^(?:\+|00)?263/, '0');
  return /^07[1378]\d{7}$/.test(local) ? local : null;
}

function phoneFor(method: PaynowMobileMethod, raw: string | undefined): string {
  const invalid = (message: string) => new ValidationFailed(message, { phone: [message] });
  if (!raw) throw invalid('A mobile number is needed to pay by mobile money.');
  const phone = normalizeZimbabweMobile(raw);
  if (!phone) throw invalid('Enter a Zimbabwe mobile number, like 0771234567.');
  const network = NETWORK_PREFIXES[method];
  if (network && !network.prefixes.some((p) => phone.startsWith(p))) throw invalid(network.name);
  return phone;
}

// ---- initiation ---------------------------------------------------------------------------------------

export const paynowPaymentSchema = z.object({
  invoiceId: z.string().trim().min(1).max(64),
  method: z.enum(PAYNOW_METHODS),
  phone: z.string().trim().max(32).optional(),
  email: z.string().trim().email().max(254),
  /** Where Paynow sends the payer back (web) — the payment link page. */
  returnUrl: z.string().url(),
  /** Where Paynow POSTs the result: `<APP_URL>/webhooks/paynow`. */
  resultUrl: z.string().url(),
});
export type PaynowPaymentInput = z.input<typeof paynowPaymentSchema>;

export interface PaynowInitiation {
  paymentId: string;
  /** Web (Visa, Mastercard): Paynow's page to send the payer to. */
  redirectUrl?: string;
  /** Mobile: what the payer does next (approve the prompt on the phone, or the InnBucks code). */
  instructions?: string;
}

/** Cents → the dollars Paynow's cart item takes (integer cents / 100 is exact to two decimals). */
const dollars = (cents: number) => Number((cents / 100).toFixed(2));

/** Paynow's own capitalisation of a status (the SDK lower-cases its answers; callbacks keep the case). */
const PAYNOW_STATUSES = [
  'Ok',
  'Error',
  'Created',
  'Sent',
  'Paid',
  'Awaiting Delivery',
  'Delivered',
  'Cancelled',
  'Failed',
  'Disputed',
  'Refunded',
] as const;
export function paynowStatusName(status: string): string {
  const trimmed = status.trim();
  return PAYNOW_STATUSES.find((s) => s.toLowerCase() === trimmed.toLowerCase()) ?? trimmed;
}

/** Emails settlePayment queued (receipts, restored service) to send after the commit, when it reports them. */
function emailsOf(settled: object): string[] {
  const ids = (settled as { emailIds?: unknown }).emailIds;
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
}

function failureOf(err: unknown): string {
  const name = (err as { name?: string })?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return 'Paynow did not answer in time.';
  if (err instanceof TypeError) return 'Paynow could not be reached.';
  const message = err instanceof Error ? err.message : String(err);
  if (/hashes do not match/i.test(message)) return "Paynow's answer could not be verified (hash mismatch).";
  return message;
}

/**
 * Starts paying what is still open on an invoice through Paynow. Whoever may pay the invoice (the payment
 * link's holder) is decided by the caller; this checks the invoice is payable and the input is valid.
 */
export async function initiatePaynowPayment(
  db: Database,
  actor: Actor,
  input: PaynowPaymentInput,
): Promise<PaynowInitiation> {
  const data = paynowPaymentSchema.parse(input);
  const client = clientFor(data.resultUrl, data.returnUrl);
  const mobile = isMobileMethod(data.method) ? data.method : null;
  const phone = mobile ? phoneFor(mobile, data.phone) : null;
  if (mobile && !client.isValidEmail(data.email)) {
    const message =
      'Paynow needs a plain email address (letters, digits, dots and dashes) for mobile payments.';
    throw new ValidationFailed(message, { email: [message] });
  }

  const { payment, invoiceNumber } = await db.transaction(async (tx) => {
    const [found] = await tx
      .select({ id: invoices.id, billingAccountId: invoices.billingAccountId })
      .from(invoices)
      .where(eq(invoices.id, data.invoiceId));
    if (!found) throw new NotFound('Invoice not found.');
    await lockBillingAccount(tx, found.billingAccountId);
    // payableInvoice's Conflicts name the reason (paid, void, not issued); insertPayment checks again.
    const invoice = await payableInvoice(tx, found.id);
    const open = invoice.total - (await coveredAmount(tx, invoice.id));
    if (open <= 0)
      throw new Conflict(
        `Invoice ${invoice.invoiceNumber} is covered already: a payment of it is still pending. Try again once it completes or fails.`,
      );
    const payment = await insertPayment(tx, actor, {
      billingAccountId: invoice.billingAccountId,
      invoiceId: invoice.id,
      amount: open,
      method: data.method,
      status: 'PENDING',
    });
    return { payment, invoiceNumber: invoice.invoiceNumber ?? invoice.id };
  });

  const cart = client
    .createPayment(payment.id, data.email)
    .add(`Invoice ${invoiceNumber}`, dollars(payment.amount));
  let answer: SdkInitResponse | null | undefined;
  let failure: string | null = null;
  try {
    answer =
      mobile && phone
        ? await client.sendMobile(cart, phone, PAYNOW_MOBILE_METHODS[mobile])
        : await client.send(cart);
  } catch (err) {
    failure = failureOf(err);
  }
  if (!failure) {
    if (!answer) failure = 'Paynow sent no answer.';
    else if (!answer.success) failure = answer.error?.trim() || 'Paynow refused the payment.';
    else if (!answer.pollUrl) failure = 'Paynow did not return a poll URL.';
    else if (!mobile && !answer.redirectUrl) failure = 'Paynow did not return a payment page.';
  }
  if (failure || !answer?.pollUrl) {
    const errorMessage = failure ?? 'Paynow did not return a poll URL.';
    const settled = await db.transaction((tx) =>
      settlePayment(tx, actor, payment.id, { status: 'FAILED', externalStatus: 'Error', errorMessage }),
    );
    deliverSoon(db, emailsOf(settled));
    throw new UpstreamFailed(`Paynow could not start the payment: ${errorMessage}`);
  }

  // A callback may have settled the payment already (mobile prompts are fast): its status is kept.
  await db
    .update(payments)
    .set({
      externalId: answer.pollUrl,
      externalStatus: sql`CASE WHEN ${payments.status} = 'PENDING' THEN ${paynowStatusName(answer.status)} ELSE ${payments.externalStatus} END`,
    })
    .where(eq(payments.id, payment.id));

  if (!mobile) return { paymentId: payment.id, redirectUrl: answer.redirectUrl };
  const code = answer.innbucks_info?.[0]?.authorizationcode;
  const instructions =
    answer.instructions?.trim() ||
    (code
      ? `Open InnBucks and pay with the code ${code}.`
      : `Approve the payment of ${(payment.amount / 100).toFixed(2)} ${payment.currency} on the phone ${phone}.`);
  return { paymentId: payment.id, instructions };
}

// ---- status updates: the result callback and the poll -------------------------------------------------

export type PaynowOutcome = 'APPLIED' | 'IGNORED';

export interface PaynowResult {
  /** This status of this transaction was processed before: nothing was done. */
  duplicate: boolean;
  outcome: PaynowOutcome;
  note: string | null;
}

/** Paynow's status → the payment's final status; null: not final yet (nothing to do). */
const FINAL_STATUS: Record<string, 'PAID' | 'CANCELED' | 'FAILED' | null> = {
  Paid: 'PAID',
  'Awaiting Delivery': 'PAID',
  Delivered: 'PAID',
  Cancelled: 'CANCELED',
  Failed: 'FAILED',
  Disputed: 'FAILED',
  Created: null,
  Sent: null,
};

interface StatusUpdate {
  reference: string;
  paynowReference: string;
  amount: string;
  /** Paynow's capitalisation (paynowStatusName). */
  status: string;
  /** What Paynow sent, for the ledger row. */
  payload: Record<string, string>;
}

const statusFields = z.object({
  reference: z.string().trim().min(1).max(255),
  paynowreference: z.string().trim().min(1).max(255),
  amount: z.string().trim().min(1).max(32),
  status: z.string().trim().min(1).max(64),
});

function statusUpdateOf(fields: Record<string, string>): StatusUpdate {
  const lower = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k.toLowerCase(), v]));
  const parsed = statusFields.safeParse(lower);
  if (!parsed.success)
    throw new ValidationFailed(
      `The Paynow status update is missing ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}.`,
    );
  return {
    reference: parsed.data.reference,
    paynowReference: parsed.data.paynowreference,
    amount: parsed.data.amount,
    status: paynowStatusName(parsed.data.status),
    payload: fields,
  };
}

/**
 * The status update in a result callback's raw body, or ValidationFailed (400) for a missing or wrong
 * hash or missing fields. Nothing is read from the database or written before this passes.
 */
export function verifyPaynowResult(rawBody: string): StatusUpdate {
  const { key } = paynowConfig();
  const fields = parsePaynowMessage(rawBody);
  if (!fields.some(([name]) => name.toLowerCase() === 'hash'))
    throw new ValidationFailed('The Paynow result has no hash.');
  if (!hasValidPaynowHash(fields, key))
    throw new ValidationFailed(
      'The Paynow result hash does not match: it was not sent by Paynow or was changed.',
    );
  return statusUpdateOf(Object.fromEntries(fields));
}

/** "12.50" → 1250; null for anything that is not a plain amount with at most two decimals. */
function centsOf(amount: string): number | null {
  const m = /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(amount.trim());
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

interface Effect {
  outcome: PaynowOutcome;
  note: string | null;
  /** A payment became final. */
  settled: boolean;
  emailIds: string[];
  /** How loudly an ignored update is logged: staff should look at an error. */
  log?: 'warn' | 'error';
}

const ignored = (note: string, log?: 'warn' | 'error'): Effect => ({
  outcome: 'IGNORED',
  note,
  settled: false,
  emailIds: [],
  log,
});

async function applyToPayment(tx: Database, update: StatusUpdate): Promise<Effect> {
  const [payment] = await tx.select().from(payments).where(eq(payments.id, update.reference));
  if (!payment) return ignored(`No payment has the reference ${update.reference}.`, 'warn');
  if (!isPaynowMethod(payment.method))
    return ignored(`Payment ${payment.id} is a ${payment.method} payment, not a Paynow one.`, 'error');
  const cents = centsOf(update.amount);
  if (cents !== payment.amount)
    return ignored(
      `Amount mismatch: Paynow reports ${update.amount} for payment ${payment.id}, which is ${(payment.amount / 100).toFixed(2)}. Not settled.`,
      'error',
    );
  const final = FINAL_STATUS[update.status];
  if (final === undefined) return ignored(`Paynow status "${update.status}" is not acted on.`, 'warn');
  if (final === null) {
    await tx
      .update(payments)
      .set({ externalStatus: update.status })
      .where(and(eq(payments.id, payment.id), eq(payments.status, 'PENDING')));
    return ignored(`Paynow status ${update.status}: the payment is not complete yet.`);
  }
  const result = await settlePayment(tx, systemActor, payment.id, {
    status: final,
    externalStatus: update.status,
    errorMessage: final === 'PAID' ? null : `Paynow reported the payment ${update.status.toLowerCase()}.`,
  });
  if (!result.changed) {
    const now = result.payment.status;
    // Money Paynow says it received on a payment we closed (e.g. FAILED after a timeout) needs a person.
    return now === final
      ? ignored(`The payment is ${now} already.`)
      : ignored(
          `Paynow reports ${update.status} but the payment is ${now}: not changed; check it with Paynow.`,
          'error',
        );
  }
  return { outcome: 'APPLIED', note: null, settled: true, emailIds: emailsOf(result), log: undefined };
}

/** Applies a verified status update once (callback or poll). Throws (→ 500, Paynow retries) on a failure. */
async function applyStatusUpdate(
  db: Database,
  source: 'result' | 'poll',
  update: StatusUpdate,
): Promise<PaynowResult & { settled: boolean }> {
  const eventId = `${update.paynowReference}:${update.status}`;
  const entry: LedgerEvent = { provider: 'paynow', eventId, type: source, payload: update.payload };
  try {
    const result = await db.transaction(async (tx) => {
      // Claim: a new row, or one whose earlier processing failed. A processed row is not returned.
      const claimed = await claimWebhookEvent(tx, entry);
      if (!claimed) {
        const [done] = await tx
          .select({ outcome: webhookEvents.outcome })
          .from(webhookEvents)
          .where(and(eq(webhookEvents.provider, 'paynow'), eq(webhookEvents.eventId, eventId)));
        return {
          duplicate: true,
          ...ignored('This status of the transaction was processed already; nothing changed.'),
          outcome: done?.outcome === 'APPLIED' ? ('APPLIED' as const) : ('IGNORED' as const),
        };
      }
      const effect = await applyToPayment(tx, update);
      await finishWebhookEvent(tx, claimed, effect.outcome, effect.note);
      return { duplicate: false, ...effect };
    });
    if (!result.duplicate && result.log) console[result.log](`[paynow] ${source} ${eventId}: ${result.note}`);
    deliverSoon(db, result.emailIds);
    return {
      duplicate: result.duplicate,
      outcome: result.outcome,
      note: result.note,
      settled: result.settled,
    };
  } catch (err) {
    await recordWebhookFailure(db, entry, err);
    throw err;
  }
}

/** Paynow's result callback (POST to the result URL, form-encoded): verified, then applied once. */
export async function handlePaynowResult(db: Database, rawBody: string): Promise<PaynowResult> {
  const update = verifyPaynowResult(rawBody);
  const { settled: _settled, ...result } = await applyStatusUpdate(db, 'result', update);
  return result;
}

/**
 * The admin webhook ledger's "re-process" (issue 14): a stored status update (verified when it arrived)
 * through the same claim-and-apply path as the callback or the poll that brought it.
 */
export async function reprocessPaynowEvent(
  db: Database,
  type: string,
  payload: unknown,
): Promise<PaynowResult> {
  const fields = Object.fromEntries(
    Object.entries((payload ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
  );
  const { settled: _settled, ...result } = await applyStatusUpdate(
    db,
    type === 'poll' ? 'poll' : 'result',
    statusUpdateOf(fields),
  );
  return result;
}

class PollTimeout extends Error {}

/** The SDK's poll has no timeout of its own. */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PollTimeout(`Paynow did not answer within ${ms / 1000} s.`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Asks Paynow about PENDING Paynow payments whose callback has not come (initiated more than
 * `olderThanSeconds` ago, oldest first) and settles them like the callback would. `polled`: how many
 * Paynow answered about; one it does not answer about (outage, error) stays PENDING for the next run.
 */
export async function pollPendingPaynowPayments(
  db: Database,
  options: { olderThanSeconds?: number; limit?: number } = {},
): Promise<{ polled: number; settled: number }> {
  const { olderThanSeconds = 60, limit = 100 } = options;
  if (!isPaynowConfigured()) return { polled: 0, settled: 0 };
  const due = await db
    .select({ id: payments.id, pollUrl: payments.externalId })
    .from(payments)
    .where(
      and(
        eq(payments.status, 'PENDING'),
        inArray(payments.method, [...PAYNOW_METHODS]),
        isNotNull(payments.externalId),
        lt(payments.initiatedAt, sql`now() - make_interval(secs => ${olderThanSeconds}::double precision)`),
      ),
    )
    .orderBy(asc(payments.initiatedAt))
    .limit(limit);
  const client = clientFor('', '');
  let polled = 0;
  let settled = 0;
  for (const payment of due) {
    let answer: PaynowAnswer | null;
    try {
      answer = (await withTimeout(
        client.pollTransaction(payment.pollUrl as string),
        REQUEST_TIMEOUT_MS,
      )) as PaynowAnswer | null;
    } catch (err) {
      // Paynow unreachable or failing (the SDK's HTTP client threw, or no answer in time): the others
      // would fail too, so this run stops; a bad answer to one poll (hash mismatch) only skips that one.
      const outage = (err as { isAxiosError?: boolean }).isAxiosError || err instanceof PollTimeout;
      console.warn(
        `[paynow] poll of payment ${payment.id} failed: ${failureOf(err)}${outage ? '; stopping this run' : ''}`,
      );
      if (outage) break;
      continue;
    }
    if (!answer || answer.status === 'error') {
      console.warn(`[paynow] poll of payment ${payment.id}: Paynow answered ${answer?.error ?? 'nothing'}`);
      continue;
    }
    polled += 1;
    try {
      const update = statusUpdateOf(answer.fields);
      if (update.reference !== payment.id) {
        console.error(
          `[paynow] the poll URL of payment ${payment.id} answers for reference ${update.reference}`,
        );
        continue;
      }
      if ((await applyStatusUpdate(db, 'poll', update)).settled) settled += 1;
    } catch (err) {
      console.error(`[paynow] poll of payment ${payment.id} could not be applied`, err);
    }
  }
  return { polled, settled };
}
