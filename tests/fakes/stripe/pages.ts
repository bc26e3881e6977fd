// The hosted pages a customer sees: Checkout, the customer portal, an invoice and a receipt. Plain HTML forms
// (no JavaScript), inline CSS, readable on a 360 px phone. Page actions run inside core.capture like
// API requests, so the events they cause are delivered before the redirect is answered.
import { completeCheckoutSession, expireIfOverdue, successRedirect } from './checkout';
import type { Core } from './core';
import type { StripeObject } from './fixtures';
import { StripeApiError } from './form';
import { formatAmount, formatDate, formatInterval, type Recurring } from './objects';
import { periodOf, productNameOf, subscriptionPrice, updateSubscription } from './subscriptions';

export interface PageResponse {
  status: number;
  /** A 303 to this location. */
  redirect?: string;
  contentType?: string;
  body?: string | Buffer;
}

const esc = (value: unknown) =>
  String(value ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

/** Only http(s) URLs become links; anything else (javascript:, garbage) is left out. */
const safeHref = (url: unknown): string | null => {
  try {
    const parsed = new URL(String(url));
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? String(url) : null;
  } catch {
    return null;
  }
};

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f6f9fc;color:#1a1f36}
main{max-width:440px;margin:0 auto;padding:24px 16px}
h1{font-size:22px;line-height:1.3;margin:8px 0 4px}
h2{font-size:18px;margin:0 0 4px}
h3{font-size:15px;margin:16px 0 0}
.card{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(26,31,54,.15);padding:20px;margin:16px 0}
.badge{display:inline-block;font-size:12px;font-weight:700;text-transform:uppercase;letter-spacing:.04em;background:#ffde92;color:#5f3a00;border-radius:4px;padding:2px 6px}
.price{font-size:30px;font-weight:700;margin:4px 0}
.price small{font-size:15px;font-weight:400;color:#596171}
.muted{color:#596171;font-size:14px}
.note{background:#fff8e6;border-left:3px solid #c77c02;padding:8px 12px;font-size:14px;margin:12px 0}
.error{background:#fdecec;border-left:3px solid #c0123c;padding:8px 12px;margin:12px 0}
dl{display:grid;grid-template-columns:auto 1fr;gap:2px 12px;margin:12px 0;font-size:14px}
dt{color:#596171}dd{margin:0}
table{width:100%;border-collapse:collapse;font-size:14px}
td,th{padding:6px 0;text-align:left;vertical-align:top}td.num,th.num{text-align:right;white-space:nowrap;padding-left:8px}
tfoot td{border-top:1px solid #e3e8ee;font-weight:700}
form{margin:12px 0 0}
button{display:block;width:100%;min-height:44px;border:0;border-radius:6px;background:#635bff;color:#fff;font:inherit;font-weight:600;cursor:pointer}
button.secondary{background:#fff;color:#4b44d6;border:1px solid #c9cdd8}
a{color:#4b44d6}
a:focus-visible,button:focus-visible{outline:3px solid #8c86ff;outline-offset:2px}
.actions{margin-top:16px;text-align:center}
`;

function page(title: string, content: string, status = 200): PageResponse {
  const body = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<p><span class="badge">Test mode</span> <span class="muted">Fake Stripe: nothing is charged.</span></p>
${content}
</main>
</body>
</html>
`;
  return { status, contentType: 'text/html; charset=utf-8', body };
}

const messagePage = (title: string, heading: string, message: string, link: string | null, status: number) =>
  page(
    title,
    `<h1>${esc(heading)}</h1><div class="card"><p>${esc(message)}</p>${
      link ? `<p><a href="${esc(link)}">Return</a></p>` : ''
    }</div>`,
    status,
  );

const perInterval = (price: StripeObject) =>
  `${formatAmount(price.unit_amount, price.currency)} <small>per ${esc(formatInterval(price.recurring as Recurring))}</small>`;

const perIntervalText = (price: StripeObject) =>
  `${formatAmount(price.unit_amount, price.currency)} per ${formatInterval(price.recurring as Recurring)}`;

// ---------------------------------------------------------------------------------------------------
// Checkout

const CHECKOUT_TITLE = 'Fake Stripe Checkout';

function checkoutPage(core: Core, session: StripeObject): PageResponse {
  const payment = session.mode === 'payment';
  if (session.status === 'expired')
    return messagePage(
      CHECKOUT_TITLE,
      'This checkout session has expired',
      payment ? 'Start again from the site to pay.' : 'Start again from the site to subscribe.',
      safeHref(session.cancel_url),
      200,
    );
  if (session.status === 'complete')
    return messagePage(
      CHECKOUT_TITLE,
      'This checkout session is complete',
      payment ? 'Your payment was received.' : 'Your subscription is active.',
      safeHref(successRedirect(session)),
      200,
    );
  const request = core.checkoutRequests.get(session.id);
  const items = (request?.lineItems ?? []).map((li) => ({
    price: core.checkoutPrice(li.price),
    quantity: li.quantity,
  }));
  const first = items[0];
  if (!first)
    return messagePage(CHECKOUT_TITLE, 'Nothing to pay', 'This session has no line items.', null, 400);
  const names = items.map((i) => productNameOf(core, i.price));
  if (payment) return paymentPage(core, session, items, names);
  const total = items.reduce((sum, i) => sum + i.price.unit_amount * i.quantity, 0);
  const interval = formatInterval(first.price.recurring as Recurring);
  const trialDays = request?.trialPeriodDays ?? null;
  const lines = items
    .map(
      (i, n) =>
        `<tr><td>${esc(names[n])}${i.quantity > 1 ? ` × ${i.quantity}` : ''}</td><td class="num">${esc(
          perIntervalText({ ...i.price, unit_amount: i.price.unit_amount * i.quantity }),
        )}</td></tr>`,
    )
    .join('');
  const cancel = safeHref(session.cancel_url);
  const email =
    session.customer_email ?? (session.customer ? core.state.customers.get(session.customer)?.email : null);
  return page(
    CHECKOUT_TITLE,
    `<h1>Subscribe to ${esc(names.join(', '))}</h1>
<div class="card">
<p class="price">${formatAmount(total, first.price.currency)} <small>per ${esc(interval)}</small></p>
${
  trialDays
    ? `<p class="note">${trialDays}-day free trial. Then ${esc(formatAmount(total, first.price.currency))} per ${esc(
        interval,
      )}, starting ${esc(formatDate(core.now() + trialDays * 86_400))}.</p>`
    : ''
}
<table aria-label="Order summary"><tbody>${lines}</tbody>
<tfoot><tr><td>Due today</td><td class="num">${esc(formatAmount(trialDays ? 0 : total, first.price.currency))}</td></tr></tfoot></table>
${email ? `<p class="muted">Billed to ${esc(email)} · Visa ending in 4242</p>` : '<p class="muted">Visa ending in 4242</p>'}
<form method="post" action="/checkout/${esc(session.id)}/pay"><button type="submit">Subscribe</button></form>
${cancel ? `<p class="actions"><a href="${esc(cancel)}">Cancel</a></p>` : ''}
</div>`,
  );
}

/** Payment mode: one amount, due now, and a Pay button. A declined earlier attempt is shown. */
function paymentPage(
  core: Core,
  session: StripeObject,
  items: { price: StripeObject; quantity: number }[],
  names: string[],
): PageResponse {
  const currency = session.currency as string;
  const lines = items
    .map(
      (i, n) =>
        `<tr><td>${esc(names[n])}${i.quantity > 1 ? ` × ${i.quantity}` : ''}</td><td class="num">${esc(
          formatAmount(i.price.unit_amount * i.quantity, currency),
        )}</td></tr>`,
    )
    .join('');
  const intent = session.payment_intent ? core.state.paymentIntents.get(session.payment_intent) : undefined;
  const declined = intent?.last_payment_error?.message as string | undefined;
  const cancel = safeHref(session.cancel_url);
  const email =
    session.customer_email ?? (session.customer ? core.state.customers.get(session.customer)?.email : null);
  return page(
    CHECKOUT_TITLE,
    `<h1>Pay ${esc(names.join(', '))}</h1>
${declined ? `<p class="error" role="alert">${esc(declined)} Try again or use another card.</p>` : ''}
<div class="card">
<p class="price">${esc(formatAmount(session.amount_total, currency))}</p>
<table aria-label="Order summary"><tbody>${lines}</tbody>
<tfoot><tr><td>Total due</td><td class="num">${esc(formatAmount(session.amount_total, currency))}</td></tr></tfoot></table>
${email ? `<p class="muted">Billed to ${esc(email)} · Visa ending in 4242</p>` : '<p class="muted">Visa ending in 4242</p>'}
<form method="post" action="/checkout/${esc(session.id)}/pay"><button type="submit">Pay</button></form>
${cancel ? `<p class="actions"><a href="${esc(cancel)}">Cancel</a></p>` : ''}
</div>`,
  );
}

function payCheckout(core: Core, session: StripeObject): PageResponse {
  try {
    completeCheckoutSession(core, session);
  } catch (err) {
    if (!(err instanceof StripeApiError)) throw err;
    return messagePage(CHECKOUT_TITLE, 'This checkout session cannot be paid', err.message, null, 400);
  }
  return { status: 303, redirect: successRedirect(session) };
}

// ---------------------------------------------------------------------------------------------------
// Customer portal

const PORTAL_TITLE = 'Fake Stripe customer portal';
const ADVERB: Record<string, string> = { day: 'daily', week: 'weekly', month: 'monthly', year: 'yearly' };

/** Every other active recurring price in the subscription's currency, labelled by product. */
function switchOptions(core: Core, sub: StripeObject): { price: StripeObject; label: string }[] {
  const current = sub.items.data[0]?.price.id;
  const prices = [...core.state.prices.values()].filter((p) => {
    const product = core.state.products.get(p.product);
    return p.active && p.type === 'recurring' && p.currency === sub.currency && product?.active !== false;
  });
  const perProduct = new Map<string, number>();
  for (const p of prices) perProduct.set(p.product, (perProduct.get(p.product) ?? 0) + 1);
  return prices
    .filter((p) => p.id !== current)
    .map((price) => {
      const name = productNameOf(core, price);
      const r = price.recurring as Recurring;
      // Two prices of one product (monthly, yearly) need more than the product name to tell apart.
      const suffix =
        (perProduct.get(price.product) ?? 0) > 1
          ? ` (${r.interval_count === 1 ? ADVERB[r.interval] : `every ${formatInterval(r)}`})`
          : '';
      return { price, label: `Switch to ${name}${suffix}` };
    });
}

function subscriptionCard(core: Core, portalId: string, sub: StripeObject): string {
  const item = sub.items.data[0];
  const price = item.price;
  const name = productNameOf(core, price);
  const { end } = periodOf(sub);
  const hidden = `<input type="hidden" name="subscription" value="${esc(sub.id)}">`;
  const action = (path: string) => `/portal/${esc(portalId)}/${path}`;
  const cancels = sub.cancel_at_period_end || sub.cancel_at !== null;
  const status = String(sub.status).replaceAll('_', ' ');
  const options = switchOptions(core, sub)
    .map(
      (o) =>
        `<form method="post" action="${action('switch')}">${hidden}<input type="hidden" name="price" value="${esc(
          o.price.id,
        )}"><button type="submit" class="secondary">${esc(o.label)}</button><span class="muted">${esc(
          perIntervalText(o.price),
        )}</span></form>`,
    )
    .join('\n');
  return `<section class="card" aria-labelledby="h-${esc(sub.id)}">
<h2 id="h-${esc(sub.id)}">${esc(name)}</h2>
<p class="price">${perInterval({ ...price, unit_amount: price.unit_amount * item.quantity })}</p>
<dl><dt>Status</dt><dd>${esc(status[0]?.toUpperCase() + status.slice(1))}</dd>
${sub.status === 'trialing' && sub.trial_end ? `<dt>Trial ends</dt><dd>${esc(formatDate(sub.trial_end))}</dd>` : ''}
<dt>${cancels ? 'Access until' : 'Renews on'}</dt><dd>${esc(formatDate(cancels && sub.cancel_at ? sub.cancel_at : end))}</dd></dl>
${cancels ? `<p class="note">Cancels at period end, on ${esc(formatDate(sub.cancel_at ?? end))}.</p>` : ''}
${
  cancels
    ? `<form method="post" action="${action('renew')}">${hidden}<button type="submit">Renew plan</button></form>`
    : `<form method="post" action="${action('cancel')}">${hidden}<button type="submit" class="secondary">Cancel plan</button></form>`
}
${options ? `<h3>Change plan</h3>\n${options}` : ''}
</section>`;
}

const liveSubscriptionsOf = (core: Core, customerId: string) =>
  [...core.state.subscriptions.values()].filter(
    (s) => s.customer === customerId && !['canceled', 'incomplete_expired'].includes(s.status),
  );

function portalPage(core: Core, session: StripeObject, error?: string): PageResponse {
  const customer = core.state.customers.get(session.customer);
  const subs = liveSubscriptionsOf(core, session.customer);
  const back = safeHref(session.return_url);
  const who = [customer?.name, customer?.email].filter(Boolean).join(' · ');
  return page(
    PORTAL_TITLE,
    `<h1>${esc(PORTAL_TITLE)}</h1>
${who ? `<p class="muted">${esc(who)}</p>` : ''}
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
${subs.length ? subs.map((s) => subscriptionCard(core, session.id, s)).join('\n') : '<div class="card"><p>No current subscriptions.</p></div>'}
${back ? `<p class="actions"><a href="${esc(back)}">Return to ${esc(new URL(back).host)}</a></p>` : ''}`,
    error ? 400 : 200,
  );
}

function portalAction(core: Core, session: StripeObject, action: string, form: StripeObject): PageResponse {
  const subs = liveSubscriptionsOf(core, session.customer);
  const wanted =
    typeof form.subscription === 'string' ? form.subscription : subs.length === 1 ? subs[0]?.id : null;
  const sub = subs.find((s) => s.id === wanted);
  if (!sub) return portalPage(core, session, 'That subscription is not one of yours, or it has ended.');
  try {
    if (action === 'cancel') updateSubscription(core, sub, { cancel_at_period_end: true });
    else if (action === 'renew') updateSubscription(core, sub, { cancel_at_period_end: false });
    else {
      const price = subscriptionPrice(core, String(form.price ?? ''), 'price', sub.currency);
      // Stripe's default portal configuration: the change applies now, prorated on the next invoice.
      updateSubscription(core, sub, {
        items: [{ id: sub.items.data[0].id, price: price.id }],
        proration_behavior: 'create_prorations',
      });
    }
  } catch (err) {
    if (!(err instanceof StripeApiError)) throw err;
    return portalPage(core, session, err.message);
  }
  return { status: 303, redirect: `/portal/${session.id}` };
}

// ---------------------------------------------------------------------------------------------------
// Invoices

function invoicePage(core: Core, invoice: StripeObject): PageResponse {
  const rows = invoice.lines.data
    .map(
      (l: StripeObject) =>
        `<tr><td>${esc(l.description)}<br><span class="muted">${esc(formatDate(l.period.start))} – ${esc(
          formatDate(l.period.end),
        )}</span></td><td class="num">${esc(formatAmount(l.amount, l.currency))}</td></tr>`,
    )
    .join('');
  const customer = core.state.customers.get(invoice.customer);
  return page(
    `Invoice ${invoice.number ?? invoice.id}`,
    `<h1>Invoice ${esc(invoice.number ?? invoice.id)}</h1>
<div class="card">
<p class="price">${esc(formatAmount(invoice.amount_due, invoice.currency))} <small>${esc(invoice.status)}</small></p>
<dl><dt>Billed to</dt><dd>${esc(customer?.email ?? invoice.customer)}</dd><dt>Date</dt><dd>${esc(formatDate(invoice.created))}</dd></dl>
<table aria-label="Invoice lines"><tbody>${rows}</tbody>
<tfoot><tr><td>Total</td><td class="num">${esc(formatAmount(invoice.total, invoice.currency))}</td></tr></tfoot></table>
<p class="actions"><a href="/invoices/${esc(invoice.id)}/pdf">Download PDF</a></p>
</div>`,
  );
}

/** A charge's receipt (`receipt_url` of a Checkout payment). */
function receiptPage(charge: StripeObject): PageResponse {
  const refunded = charge.amount_refunded
    ? `<dt>Refunded</dt><dd>${esc(formatAmount(charge.amount_refunded, charge.currency))}</dd>`
    : '';
  return page(
    'Receipt',
    `<h1>Receipt</h1>
<div class="card">
<p class="price">${esc(formatAmount(charge.amount, charge.currency))} <small>${esc(charge.paid ? 'paid' : 'failed')}</small></p>
<dl><dt>Date</dt><dd>${esc(formatDate(charge.created))}</dd>
${charge.billing_details?.email ? `<dt>Paid by</dt><dd>${esc(charge.billing_details.email)}</dd>` : ''}
${refunded}</dl>
</div>`,
  );
}

/** A one-page PDF (Helvetica, no images) with the invoice's main lines: enough for a download link to work. */
function invoicePdf(invoice: StripeObject): PageResponse {
  const pdfText = (s: string) => s.replace(/[^\x20-\x7e]/g, '?').replace(/[\\()]/g, (c) => `\\${c}`);
  const textLines = [
    `Invoice ${invoice.number ?? invoice.id}`,
    `Status: ${invoice.status}`,
    ...invoice.lines.data.map((l: StripeObject) => `${l.description}: ${formatAmount(l.amount, l.currency)}`),
    `Total: ${formatAmount(invoice.total, invoice.currency)}`,
    'Fake Stripe test invoice',
  ];
  const stream = `BT /F1 12 Tf 50 790 Td 16 TL ${textLines.map((t) => `(${pdfText(t)}) '`).join(' ')} ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let pdf = '%PDF-1.4\n';
  const offsets = objects.map((object, i) => {
    const offset = pdf.length;
    pdf += `${i + 1} 0 obj\n${object}\nendobj\n`;
    return offset;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  pdf += offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return { status: 200, contentType: 'application/pdf', body: Buffer.from(pdf, 'latin1') };
}

// ---------------------------------------------------------------------------------------------------

/** A hosted page, or null when the path is none of them. Runs inside core.capture. */
export function handlePage(
  core: Core,
  method: string,
  pathname: string,
  form: StripeObject,
): PageResponse | null {
  const [, kind, id, action, extra] = pathname.split('/');
  if (!kind || !id || extra !== undefined) return null;
  if (kind === 'checkout') {
    const session = core.state.checkoutSessions.get(id);
    if (!session)
      return messagePage(CHECKOUT_TITLE, 'Checkout session not found', `No such session: ${id}`, null, 404);
    expireIfOverdue(core, session);
    if (method === 'GET' && action === undefined) return checkoutPage(core, session);
    if (method === 'POST' && action === 'pay') return payCheckout(core, session);
    return null;
  }
  if (kind === 'portal') {
    const session = core.state.portalSessions.get(id);
    if (!session)
      return messagePage(PORTAL_TITLE, 'Portal session not found', `No such session: ${id}`, null, 404);
    if (method === 'GET' && action === undefined) return portalPage(core, session);
    if (method === 'POST' && (action === 'cancel' || action === 'renew' || action === 'switch'))
      return portalAction(core, session, action, form);
    return null;
  }
  if (kind === 'invoices' && method === 'GET') {
    const invoice = core.state.invoices.get(id);
    if (!invoice) return messagePage('Invoice', 'Invoice not found', `No such invoice: ${id}`, null, 404);
    if (action === undefined) return invoicePage(core, invoice);
    if (action === 'pdf') return invoicePdf(invoice);
  }
  if (kind === 'receipts' && method === 'GET' && action === undefined) {
    const charge = core.state.charges.get(id);
    if (!charge) return messagePage('Receipt', 'Receipt not found', `No such charge: ${id}`, null, 404);
    return receiptPage(charge);
  }
  return null;
}

/** What a hosted page shows for a failNext() aimed at it: the error, and the session left as it was. */
export function failurePage(pathname: string, status: number, message: string): PageResponse {
  const title = pathname.startsWith('/portal/') ? PORTAL_TITLE : CHECKOUT_TITLE;
  return messagePage(title, 'Something went wrong', message, null, status);
}
