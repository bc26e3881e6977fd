// A stateful fake Paynow (Zimbabwe) for tests: a node:http server speaking Paynow's wire format to the
// official `paynow` SDK. Requests and answers are form-encoded and carry Paynow's hash (SHA-512 over the
// values in order, `hash` excluded, then the integration key; uppercase hex), computed here on its own
// rather than with the app's helper, so a mistake on one side shows.
//
//   POST /interface/initiatetransaction   web checkout      → status=Ok, browserurl, pollurl, hash
//   POST /interface/remotetransaction     express checkout  → status=Ok, instructions, paynowreference, pollurl, hash
//   POST /interface/checkpayment/?guid=…  poll              → reference, paynowreference, amount, status, pollurl, hash
//   GET  /payment/confirmpayment/<guid>   the payer's page (Pay / Cancel buttons, then back to returnurl)
//
// A refused request answers `status=Error&error=<message>` without a hash, as Paynow does.
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type PaynowStatus =
  | 'Created'
  | 'Sent'
  | 'Paid'
  | 'Awaiting Delivery'
  | 'Delivered'
  | 'Cancelled'
  | 'Failed'
  | 'Disputed'
  | 'Refunded';

type Fields = [string, string][];

export interface FakeTransaction {
  guid: string;
  reference: string;
  paynowReference: string;
  /** As the merchant sent it ("25" or "12.5"); answers format it with two decimals. */
  amount: string;
  status: PaynowStatus;
  kind: 'web' | 'mobile';
  /** ecocash / onemoney / innbucks for express checkout. */
  method: string | null;
  phone: string | null;
  authEmail: string;
  additionalInfo: string;
  resultUrl: string;
  returnUrl: string;
  pollUrl: string;
}

export interface FakeRequest {
  method: string;
  path: string;
  /** The decoded form fields, in order. */
  fields: Record<string, string>;
  /** What the fake answered (Paynow's `status` field, or the HTTP failure). */
  answered: string;
}

export interface Delivery {
  url: string;
  status: number;
  body: string;
}

export interface FailureOptions {
  /** error: Paynow's `status=Error` answer · drop: the connection is cut (unreachable) · http500. */
  mode?: 'error' | 'drop' | 'http500';
  message?: string;
  /** How many requests fail (default 1). */
  count?: number;
}

export interface FakePaynow {
  /** http://127.0.0.1:<port>: PAYNOW_API_BASE for the app. */
  readonly url: string;
  readonly transactions: FakeTransaction[];
  readonly requests: FakeRequest[];
  /** The newest transaction with this merchant reference. */
  transaction(reference: string): FakeTransaction;
  /**
   * Moves a transaction to `status` and, unless `deliver: false`, POSTs the signed result to its
   * resulturl, as Paynow does; the delivery's answer is returned.
   */
  complete(
    reference: string,
    status: PaynowStatus,
    options?: { deliver?: boolean },
  ): Promise<Delivery | null>;
  /** The signed result body Paynow would POST for a transaction now (fields may be overridden). */
  resultBody(
    reference: string,
    overrides?: Partial<Record<'reference' | 'amount' | 'status', string>>,
  ): string;
  /** The next request(s), of any kind, fail. `failNext({ count: 0 })` clears pending failures. */
  failNext(options?: FailureOptions): void;
  close(): Promise<void>;
}

export interface FakePaynowOptions {
  integrationId: string;
  integrationKey: string;
  port?: number;
}

/** Paynow's hash; the key is appended lower-cased, as the official SDKs sign and verify. */
export function fakePaynowHash(fields: Fields, integrationKey: string): string {
  const values = fields.filter(([name]) => name.toLowerCase() !== 'hash').map(([, value]) => value);
  return createHash('sha512')
    .update(values.join('') + integrationKey.toLowerCase(), 'utf8')
    .digest('hex')
    .toUpperCase();
}

const signed = (fields: Fields, key: string) =>
  new URLSearchParams([...fields, ['hash', fakePaynowHash(fields, key)]]).toString();

const errorBody = (message: string) =>
  new URLSearchParams([
    ['status', 'Error'],
    ['error', message],
  ]).toString();

const twoDecimals = (amount: string) => Number(amount).toFixed(2);

/** The SDK sends some values through encodeURI before form-encoding them; Paynow reads URLs back. */
const decodedUrl = (value: string) => {
  try {
    return decodeURI(value);
  } catch {
    return value;
  }
};

const MOBILE_METHODS = new Set(['ecocash', 'onemoney', 'innbucks']);

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakePaynow(options: FakePaynowOptions): Promise<FakePaynow> {
  const { integrationId, integrationKey } = options;
  const transactions: FakeTransaction[] = [];
  const requests: FakeRequest[] = [];
  let failures: { mode: 'error' | 'drop' | 'http500'; message: string; count: number } | null = null;
  let nextReference = 9_000_000;
  let base = '';

  const find = (reference: string) => {
    const found = transactions.filter((t) => t.reference === reference).at(-1);
    if (!found) throw new Error(`fake Paynow: no transaction with reference ${reference}`);
    return found;
  };

  const statusFields = (t: FakeTransaction, overrides: Partial<Record<string, string>> = {}): Fields => [
    ['reference', overrides.reference ?? t.reference],
    ['paynowreference', t.paynowReference],
    ['amount', overrides.amount ?? twoDecimals(t.amount)],
    ['status', overrides.status ?? t.status],
    ['pollurl', t.pollUrl],
  ];

  /** Checks an initiate request the way Paynow does; the message of the first problem, or null. */
  function problemOf(fields: Fields, mobile: boolean): string | null {
    const f = Object.fromEntries(fields);
    if (f.id !== integrationId) return 'Invalid Id.';
    if (!f.hash || f.hash !== fakePaynowHash(fields, integrationKey)) return 'Hashes Mismatch';
    if (!f.reference) return 'Missing reference.';
    if (!/^\d+(\.\d{1,2})?$/.test(f.amount ?? '') || Number(f.amount) <= 0) return 'Invalid amount field';
    if (!f.resulturl || !f.returnurl) return 'Missing resulturl or returnurl.';
    if (mobile) {
      if (!MOBILE_METHODS.has(f.method ?? '')) return `Invalid payment method: ${f.method ?? ''}`;
      if (!/^07\d{8}$/.test(f.phone ?? '')) return 'Invalid mobile number.';
      if (!f.authemail) return 'Missing authemail.';
    }
    return null;
  }

  function initiate(fields: Fields, mobile: boolean): string {
    const problem = problemOf(fields, mobile);
    if (problem) return errorBody(problem);
    const f = Object.fromEntries(fields);
    const guid = randomUUID();
    nextReference += 1;
    const t: FakeTransaction = {
      guid,
      reference: f.reference ?? '',
      paynowReference: String(nextReference),
      amount: f.amount ?? '0',
      status: mobile ? 'Sent' : 'Created',
      kind: mobile ? 'mobile' : 'web',
      method: mobile ? (f.method ?? null) : null,
      phone: mobile ? (f.phone ?? null) : null,
      authEmail: f.authemail ?? '',
      additionalInfo: f.additionalinfo ?? '',
      resultUrl: decodedUrl(f.resulturl ?? ''),
      returnUrl: decodedUrl(f.returnurl ?? ''),
      pollUrl: `${base}/interface/checkpayment/?guid=${guid}`,
    };
    transactions.push(t);
    if (!mobile)
      return signed(
        [
          ['status', 'Ok'],
          ['browserurl', `${base}/payment/confirmpayment/${guid}`],
          ['pollurl', t.pollUrl],
        ],
        integrationKey,
      );
    const answer: Fields = [['status', 'Ok']];
    if (t.method === 'innbucks')
      answer.push(
        ['authorizationcode', String(100_000_000 + nextReference)],
        ['authorizationexpires', new Date(Date.now() + 10 * 60_000).toISOString()],
      );
    else
      answer.push([
        'instructions',
        `Dial *151# and approve the payment of ${twoDecimals(t.amount)} on ${t.phone}.`,
      ]);
    answer.push(['paynowreference', t.paynowReference], ['pollurl', t.pollUrl]);
    return signed(answer, integrationKey);
  }

  async function deliver(t: FakeTransaction): Promise<Delivery> {
    const response = await fetch(t.resultUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: signed(statusFields(t), integrationKey),
    });
    return { url: t.resultUrl, status: response.status, body: await response.text() };
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', base);
    const path = url.pathname.toLowerCase().replace(/\/+$/, '');
    const body = await readBody(req);
    const fields: Fields = [...new URLSearchParams(body)];
    const record: FakeRequest = {
      method: req.method ?? 'GET',
      path,
      fields: Object.fromEntries(fields),
      answered: '',
    };
    requests.push(record);
    const send = (status: number, text: string, type = 'text/html; charset=utf-8') => {
      record.answered ||= new URLSearchParams(text).get('status') ?? String(status);
      res.writeHead(status, { 'Content-Type': type }).end(text);
    };

    if (failures && failures.count > 0 && !path.startsWith('/payment/')) {
      failures.count -= 1;
      const { mode, message } = failures;
      if (failures.count === 0) failures = null;
      if (mode === 'drop') {
        record.answered = 'dropped';
        req.socket.destroy();
        return;
      }
      if (mode === 'http500') return send(500, 'Internal Server Error', 'text/plain');
      return send(200, errorBody(message));
    }

    if (req.method === 'POST' && path === '/interface/initiatetransaction')
      return send(200, initiate(fields, false));
    if (req.method === 'POST' && path === '/interface/remotetransaction')
      return send(200, initiate(fields, true));
    if (req.method === 'POST' && path === '/interface/checkpayment') {
      const t = transactions.find((x) => x.guid === url.searchParams.get('guid'));
      if (!t) return send(200, errorBody('Transaction not found.'));
      return send(200, signed(statusFields(t), integrationKey));
    }
    const page = /^\/payment\/confirmpayment\/([0-9a-f-]+)$/.exec(path);
    const t = page ? transactions.find((x) => x.guid === page[1]) : undefined;
    if (t && req.method === 'GET') {
      const html = `<!doctype html><title>Fake Paynow</title><h1>Pay ${twoDecimals(t.amount)}</h1>
<p>${t.additionalInfo}</p><p>Status: ${t.status}</p>
<form method="post"><button name="status" value="Paid">Pay</button><button name="status" value="Cancelled">Cancel</button></form>`;
      return send(200, html);
    }
    if (t && req.method === 'POST') {
      const status = new URLSearchParams(body).get('status') === 'Paid' ? 'Paid' : 'Cancelled';
      t.status = status;
      await deliver(t).catch(() => null);
      record.answered = status;
      res.writeHead(303, { Location: t.returnUrl }).end();
      return;
    }
    send(404, 'Not found', 'text/plain');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    transactions,
    requests,
    transaction: find,
    async complete(reference, status, { deliver: post = true } = {}) {
      const t = find(reference);
      t.status = status;
      return post ? deliver(t) : null;
    },
    resultBody(reference, overrides = {}) {
      return signed(statusFields(find(reference), overrides), integrationKey);
    },
    failNext({
      mode = 'error',
      message = 'Paynow is temporarily unable to process this request.',
      count = 1,
    } = {}) {
      failures = count > 0 ? { mode, message, count } : null;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
