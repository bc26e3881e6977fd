// The printable invoice (SPEC §4 invoices): the page body the invoice route wraps with its own buttons
// (Download PDF / Print / Pay live outside this article). Same blocks, order and strings as the PDF
// (pdf.server.ts, format.ts). No state, no Node APIs, no .server imports: this module reaches the browser.
import { type ReactNode, useId } from 'react';
import type { InvoiceDocument, InvoiceParty } from './document';
import {
  FOOTER_NOTE,
  formatDate,
  formatMoney,
  formatQuantity,
  type StatusTone,
  statusLabel,
  statusTone,
  VOID_NOTE,
} from './format';

const BADGE_TONES: Record<StatusTone, string> = {
  green: 'bg-emerald-50 text-emerald-800 ring-emerald-600/30',
  amber: 'bg-amber-50 text-amber-900 ring-amber-600/30',
  red: 'bg-red-50 text-red-800 ring-red-600/30',
  grey: 'bg-slate-100 text-slate-700 ring-slate-500/30',
};

const STAMP_TONES = {
  PAID: 'text-emerald-700 ring-emerald-700',
  VOID: 'text-slate-500 ring-slate-500',
} as const;

export function InvoiceView({ doc }: { doc: InvoiceDocument }) {
  const money = (cents: number) => formatMoney(cents, doc.currency);
  // Ids from useId: two invoices on one page (or a list) never share a heading id.
  const titleId = useId();
  const billToId = useId();
  return (
    <article
      data-invoice={doc.number}
      aria-labelledby={titleId}
      className="mx-auto w-full max-w-3xl min-w-0 rounded-lg bg-white p-5 text-slate-900 shadow-sm ring-1 ring-slate-200 sm:p-10 print:max-w-none print:rounded-none print:p-0 print:text-black print:shadow-none print:ring-0"
    >
      <header className="flex flex-col gap-8 sm:flex-row sm:items-start sm:justify-between">
        <section aria-label="From" className="min-w-0">
          <Party party={doc.seller} nameClassName="text-lg" />
        </section>

        <div className="min-w-0 sm:text-right">
          <h1
            id={titleId}
            className="text-3xl font-bold tracking-wide text-brand-700 uppercase print:text-black"
          >
            Invoice
          </h1>
          <p className="mt-1 font-semibold break-all tabular-nums">{doc.number}</p>
          <dl className="mt-4 grid grid-cols-[auto_1fr] gap-x-6 gap-y-1.5 text-sm">
            <Meta label="Issued">
              <DateText iso={doc.issuedAt} />
            </Meta>
            <Meta label="Due">
              <DateText iso={doc.dueAt} />
            </Meta>
            <Meta label="Period">
              <time dateTime={doc.periodStart}>{formatDate(doc.periodStart)}</time> –{' '}
              <time dateTime={doc.periodEnd}>{formatDate(doc.periodEnd)}</time>
            </Meta>
            {doc.paidAt ? (
              <Meta label="Paid">
                <DateText iso={doc.paidAt} />
              </Meta>
            ) : null}
            <Meta label="Status">
              <StatusBadge status={doc.status} />
            </Meta>
          </dl>
        </div>
      </header>

      <section
        aria-labelledby={billToId}
        className="mt-8 flex flex-wrap items-start justify-between gap-6 border-t border-slate-200 pt-6 print:border-slate-400"
      >
        <div className="min-w-0">
          <h2
            id={billToId}
            className="text-xs font-semibold tracking-wider text-slate-600 uppercase print:text-black"
          >
            Bill to
          </h2>
          <div className="mt-2">
            <Party party={doc.buyer} nameClassName="text-base" />
          </div>
        </div>
        {doc.status === 'PAID' || doc.status === 'VOID' ? (
          <Stamp status={doc.status} paidAt={doc.paidAt} />
        ) : null}
      </section>

      <section
        aria-label="Line items"
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard (axe scrollable-region-focusable)
        tabIndex={0}
        className="relative -mx-5 mt-8 overflow-x-auto px-5 sm:mx-0 sm:px-0 print:mx-0 print:overflow-visible print:px-0"
      >
        <table className="w-full min-w-[30rem] border-collapse text-sm print:min-w-0">
          <caption className="sr-only">Line items of invoice {doc.number}</caption>
          <thead>
            <tr className="bg-slate-50 text-xs tracking-wide text-slate-600 uppercase print:bg-transparent print:text-black">
              <th scope="col" className="py-2.5 pr-3 pl-3 text-left font-semibold">
                Description
              </th>
              <th scope="col" className="w-16 px-3 py-2.5 text-right font-semibold">
                Qty
              </th>
              <th scope="col" className="w-28 px-3 py-2.5 text-right font-semibold">
                Unit price
              </th>
              <th scope="col" className="w-28 py-2.5 pr-3 pl-3 text-right font-semibold">
                Amount
              </th>
            </tr>
          </thead>
          <tbody>
            {doc.lines.length === 0 ? (
              <tr className="border-b border-slate-200">
                <td colSpan={4} className="px-3 py-3 text-slate-600 print:text-black">
                  No line items.
                </td>
              </tr>
            ) : (
              doc.lines.map((line, i) => (
                <tr
                  // biome-ignore lint/suspicious/noArrayIndexKey: a finalized invoice's lines never reorder
                  key={i}
                  className="border-b border-slate-200 align-top print:break-inside-avoid print:border-slate-400"
                >
                  <td className="px-3 py-3 break-words whitespace-normal">{line.description}</td>
                  <td className="px-3 py-3 text-right tabular-nums">{formatQuantity(line.quantity)}</td>
                  <td className="px-3 py-3 text-right whitespace-nowrap tabular-nums">
                    {money(line.unitPrice)}
                  </td>
                  <td className="px-3 py-3 text-right whitespace-nowrap tabular-nums">
                    {money(line.amount)}
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </section>

      <section aria-label="Totals" className="mt-6 flex justify-end print:break-inside-avoid">
        <div className="w-full sm:w-72">
          <dl className="text-sm">
            <TotalRow label="Subtotal" value={money(doc.subtotal)} />
            <TotalRow label="Tax" value={money(doc.tax)} />
            <TotalRow label="Total" value={money(doc.total)} strong />
            <TotalRow label="Paid" value={money(doc.amountPaid)} />
            <div className="mt-2 flex items-baseline justify-between gap-4 border-t-2 border-slate-900 px-3 pt-3 text-lg font-bold print:border-black">
              <dt>Amount due</dt>
              <dd className="tabular-nums">{money(doc.amountDue)}</dd>
            </div>
          </dl>
          {doc.status === 'VOID' ? (
            <p className="mt-3 px-3 text-right text-sm text-slate-600 print:text-black">{VOID_NOTE}</p>
          ) : null}
        </div>
      </section>

      <footer className="mt-10 border-t border-slate-200 pt-4 text-xs text-slate-600 print:border-slate-400 print:text-black">
        <p>{FOOTER_NOTE}</p>
      </footer>
    </article>
  );
}

function Party({ party, nameClassName }: { party: InvoiceParty; nameClassName: string }) {
  return (
    <>
      <p className={`font-semibold break-words ${nameClassName}`}>{party.name}</p>
      <address className="mt-1 text-sm break-words text-slate-600 not-italic print:text-black">
        {party.address.map((line, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: address lines are plain ordered text
          <span key={i} className="block">
            {line}
          </span>
        ))}
        {party.email ? <span className="block">{party.email}</span> : null}
        {party.taxId ? <span className="block">Tax ID {party.taxId}</span> : null}
      </address>
    </>
  );
}

function Meta({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt className="text-left text-slate-600 print:text-black">{label}</dt>
      <dd className="text-right">{children}</dd>
    </>
  );
}

function DateText({ iso }: { iso: string | null }) {
  return iso ? <time dateTime={iso}>{formatDate(iso)}</time> : formatDate(iso);
}

function StatusBadge({ status }: { status: InvoiceDocument['status'] }) {
  return (
    <span
      data-status={status}
      className={`inline-flex items-center rounded-full px-2.5 py-0.5 text-xs font-semibold ring-1 ring-inset print:bg-transparent print:text-black print:ring-black ${BADGE_TONES[statusTone(status)]}`}
    >
      {statusLabel(status)}
    </span>
  );
}

/** The rubber-stamp look of the PDF; decorative, as the status badge already says it. */
function Stamp({ status, paidAt }: { status: 'PAID' | 'VOID'; paidAt: string | null }) {
  return (
    <div aria-hidden="true" className="flex flex-col items-center gap-1 sm:mr-4">
      <span
        className={`inline-block -rotate-6 rounded-md px-5 py-1.5 text-2xl font-extrabold tracking-widest uppercase ring-[3px] print:text-black print:ring-black ${STAMP_TONES[status]}`}
      >
        {statusLabel(status)}
      </span>
      {status === 'PAID' && paidAt ? (
        <span className="text-xs text-emerald-700 print:text-black">on {formatDate(paidAt)}</span>
      ) : null}
    </div>
  );
}

function TotalRow({ label, value, strong = false }: { label: string; value: string; strong?: boolean }) {
  return (
    <div
      className={`flex items-baseline justify-between gap-4 px-3 py-1.5 ${strong ? 'font-semibold' : 'text-slate-700 print:text-black'}`}
    >
      <dt>{label}</dt>
      <dd className="tabular-nums">{value}</dd>
    </div>
  );
}
