// Formatting shared by the two invoice renderers (pdf.server.ts and invoice-view.tsx), so the page and
// the PDF print the same strings. Browser-safe: no Node APIs. Dates are shown in UTC on purpose — the
// server-rendered page, the hydrated page and the PDF must agree whatever the viewer's time zone.
import type { InvoiceDocument } from './document';

type Status = InvoiceDocument['status'];

const moneyFormats = new Map<string, Intl.NumberFormat>();

/** Integer cents → "$1,234.56" (en-US, the currency's own symbol). */
export function formatMoney(cents: number, currency = 'USD'): string {
  const code = currency.toUpperCase();
  let format = moneyFormats.get(code);
  if (!format) {
    format = new Intl.NumberFormat('en-US', { style: 'currency', currency: code });
    moneyFormats.set(code, format);
  }
  return format.format(cents / 100);
}

const quantityFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 4 });

/** 1 → "1", 1500 → "1,500", 0.5 → "0.5". */
export function formatQuantity(quantity: number): string {
  return quantityFormat.format(quantity);
}

const dateFormat = new Intl.DateTimeFormat('en-US', {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  timeZone: 'UTC',
});

/** An ISO date or date-time → "Jan 5, 2026" (UTC); "—" for null or unparsable. */
export function formatDate(iso: string | null): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  return Number.isFinite(t) ? dateFormat.format(t) : '—';
}

/** "Jan 1, 2026 – Jan 31, 2026". */
export function formatPeriod(start: string, end: string): string {
  return `${formatDate(start)} – ${formatDate(end)}`;
}

const STATUS_LABELS: Record<Status, string> = {
  DRAFT: 'Draft',
  OPEN: 'Open',
  PAID: 'Paid',
  PARTIAL: 'Partially paid',
  OVERDUE: 'Overdue',
  VOID: 'Void',
  UNCOLLECTIBLE: 'Uncollectible',
};

/** OPEN → "Open", PARTIAL → "Partially paid". */
export function statusLabel(status: Status): string {
  return STATUS_LABELS[status] ?? status;
}

export type StatusTone = 'green' | 'amber' | 'red' | 'grey';

/** The colour family of a status: paid green, waiting amber, late or lost red, void and draft grey. */
export function statusTone(status: Status): StatusTone {
  switch (status) {
    case 'PAID':
      return 'green';
    case 'OPEN':
    case 'PARTIAL':
      return 'amber';
    case 'OVERDUE':
    case 'UNCOLLECTIBLE':
      return 'red';
    default:
      return 'grey';
  }
}

export const FOOTER_NOTE = 'Questions? Reply to the email this invoice came with.';
export const VOID_NOTE = 'This invoice has been voided. Nothing is due.';
