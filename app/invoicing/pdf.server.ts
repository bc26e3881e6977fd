// The invoice as a PDF (SPEC §4 invoices): A4, pdfkit's built-in Helvetica (no font files, no network),
// the same blocks and order as the printable page (invoice-view.tsx) and the same strings (format.ts).
// Deterministic: every date pdfkit would take from the clock comes from the document, so one document
// always gives the same bytes (the file ID is a hash of the info dictionary) — safe to cache or ETag.
import PDFDocument from 'pdfkit';
import type { InvoiceDocument, InvoiceParty } from './document';
import {
  FOOTER_NOTE,
  formatDate,
  formatMoney,
  formatPeriod,
  formatQuantity,
  statusLabel,
  VOID_NOTE,
} from './format';

type Pdf = PDFKit.PDFDocument;

const MARGIN = 50;
/** Room kept at the foot of every page for the footer line. */
const FOOTER_SPACE = 36;

const INK = '#0f172a';
const MUTED = '#475569';
const RULE = '#e2e8f0';
const HEADER_FILL = '#f1f5f9';
const BRAND = '#4338ca';
const STAMP_COLORS = { PAID: '#15803d', VOID: '#64748b' } as const;

const REGULAR = 'Helvetica';
const BOLD = 'Helvetica-Bold';

// WinAnsiEncoding characters outside Latin-1 (pdfkit maps these itself).
const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ'.split('').map((c) => c.charCodeAt(0)));
const encodable = (code: number) =>
  (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRA.has(code);

// Latin letters that NFKD does not split into base + accent.
const NO_DECOMPOSITION: Record<string, string> = {
  Ł: 'L',
  ł: 'l',
  Đ: 'D',
  đ: 'd',
  Ħ: 'H',
  ħ: 'h',
  ı: 'i',
  Ŧ: 'T',
  ŧ: 't',
  ĸ: 'k',
  ŉ: "'n",
};

/**
 * The standard PDF fonts only have WinAnsi glyphs: anything else would print as garbage. Accented
 * letters outside Latin-1 lose the accent (ő → o), odd spaces become spaces, the rest becomes "?".
 */
export function pdfSafe(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (encodable(code)) {
      out += ch;
      continue;
    }
    if (ch === '\n' || ch === '\r' || ch === '\t') {
      out += ' ';
      continue;
    }
    const letter = NO_DECOMPOSITION[ch];
    if (letter) {
      out += letter;
      continue;
    }
    const plain = ch.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
    out += plain && [...plain].every((c) => encodable(c.codePointAt(0)!)) ? plain : '?';
  }
  return out;
}

function fixedDate(doc: InvoiceDocument): Date {
  const t = Date.parse(doc.issuedAt ?? doc.periodStart);
  return new Date(Number.isFinite(t) ? t : 0);
}

/** Renders one invoice to PDF bytes. */
export async function renderInvoicePdf(doc: InvoiceDocument): Promise<Buffer> {
  const date = fixedDate(doc);
  const pdf = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    lang: 'en-US',
    displayTitle: true,
    info: {
      Title: `Invoice ${doc.number}`,
      Author: doc.seller.name,
      Subject: `Invoice ${doc.number} for ${doc.buyer.name}`,
      Producer: 'saas-platform invoicing',
      Creator: 'saas-platform invoicing',
      CreationDate: date,
      ModDate: date,
    },
  });

  const done = new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk));
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });

  try {
    new InvoiceLayout(pdf, doc).draw();
  } catch (error) {
    pdf.end();
    await done.catch(() => {});
    throw error;
  }
  pdf.end();
  return done;
}

class InvoiceLayout {
  private readonly left: number;
  private readonly right: number;
  private readonly bottom: number;
  private readonly money: (cents: number) => string;
  // Line-item columns: right edges of the number columns, and the description's box.
  private readonly amountRight: number;
  private readonly unitRight: number;
  private readonly qtyRight: number;
  private readonly descX: number;
  private readonly descWidth: number;

  constructor(
    private readonly pdf: Pdf,
    private readonly doc: InvoiceDocument,
  ) {
    this.left = MARGIN;
    this.right = pdf.page.width - MARGIN;
    this.bottom = pdf.page.height - MARGIN - FOOTER_SPACE;
    this.money = (cents) => pdfSafe(formatMoney(cents, doc.currency));
    this.amountRight = this.right - 8;
    this.unitRight = this.amountRight - 95;
    this.qtyRight = this.unitRight - 90;
    this.descX = this.left + 8;
    this.descWidth = this.qtyRight - 56 - this.descX;
  }

  draw(): void {
    let y = this.header();
    y = this.billTo(y + 28);
    y = this.table(y + 28);
    this.totals(y + 16);
    this.footers();
  }

  // ── primitives ─────────────────────────────────────────────────────────────────────────────────

  /** Wrapped text in a box; returns its height. */
  private text(
    value: string,
    x: number,
    y: number,
    width: number,
    opts: { font?: string; size?: number; color?: string; align?: 'left' | 'right' } = {},
  ): number {
    const { pdf } = this;
    pdf
      .font(opts.font ?? REGULAR)
      .fontSize(opts.size ?? 9)
      .fillColor(opts.color ?? INK);
    const str = pdfSafe(value);
    pdf.text(str, x, y, { width, align: opts.align ?? 'left', lineGap: 1.5 });
    return pdf.heightOfString(str, { width, lineGap: 1.5 });
  }

  /** One unwrapped line ending at `right`. */
  private rightText(value: string, right: number, y: number, font = REGULAR, size = 9, color = INK): void {
    const { pdf } = this;
    const str = pdfSafe(value);
    pdf.font(font).fontSize(size).fillColor(color);
    pdf.text(str, right - pdf.widthOfString(str), y, { lineBreak: false });
  }

  private rule(y: number, color = RULE, width = 0.75, from = this.left, to = this.right): void {
    this.pdf.moveTo(from, y).lineTo(to, y).lineWidth(width).strokeColor(color).stroke();
  }

  // ── blocks ─────────────────────────────────────────────────────────────────────────────────────

  /** Seller top-left; "INVOICE", number, dates, period and status top-right. Returns the bottom. */
  private header(): number {
    const { doc } = this;
    const top = MARGIN;
    const sellerBottom = this.party(doc.seller, this.left, top, 250, 14);

    const colX = this.right - 215;
    this.rightText('INVOICE', this.right, top - 2, BOLD, 22, BRAND);
    this.rightText(doc.number, this.right, top + 24, BOLD, 11, INK);
    const rows: [string, string][] = [
      ['Issued', formatDate(doc.issuedAt)],
      ['Due', formatDate(doc.dueAt)],
      ['Period', formatPeriod(doc.periodStart, doc.periodEnd)],
    ];
    if (doc.paidAt) rows.push(['Paid', formatDate(doc.paidAt)]);
    rows.push(['Status', statusLabel(doc.status)]);
    let y = top + 46;
    for (const [label, value] of rows) {
      this.text(label, colX, y, 60, { color: MUTED });
      this.rightText(value, this.right, y, label === 'Status' ? BOLD : REGULAR);
      y += 15;
    }
    return Math.max(sellerBottom, y);
  }

  /** Name (bold), address lines, email, tax ID. Returns the bottom. */
  private party(party: InvoiceParty, x: number, y: number, width: number, nameSize: number): number {
    y += this.text(party.name, x, y, width, { font: BOLD, size: nameSize }) + 3;
    const lines = [...party.address];
    if (party.email) lines.push(party.email);
    if (party.taxId) lines.push(`Tax ID ${party.taxId}`);
    for (const line of lines) y += this.text(line, x, y, width, { color: MUTED });
    return y;
  }

  /** "Bill to" and the buyer; a PAID / VOID stamp on the right. Returns the bottom. */
  private billTo(y: number): number {
    const { doc } = this;
    this.rule(y - 14);
    this.text('BILL TO', this.left, y, 250, { font: BOLD, size: 8, color: MUTED });
    const bottom = this.party(doc.buyer, this.left, y + 14, 250, 11);
    if (doc.status === 'PAID' || doc.status === 'VOID') this.stamp(doc.status, y);
    return Math.max(bottom, y + 60);
  }

  private stamp(status: 'PAID' | 'VOID', y: number): void {
    const { pdf } = this;
    const color = STAMP_COLORS[status];
    const w = 120;
    const h = 40;
    const x = this.right - w - 20;
    pdf.save();
    pdf.rotate(-8, { origin: [x + w / 2, y + h / 2] });
    pdf.roundedRect(x, y, w, h, 5).lineWidth(2.5).strokeColor(color).strokeOpacity(0.85).stroke();
    pdf.font(BOLD).fontSize(22).fillColor(color).fillOpacity(0.85);
    const label = status;
    pdf.text(label, x + (w - pdf.widthOfString(label)) / 2, y + 11, { lineBreak: false });
    pdf.restore();
    if (status === 'PAID' && this.doc.paidAt) {
      this.rightText(`on ${formatDate(this.doc.paidAt)}`, x + w - 6, y + h + 8, REGULAR, 8, color);
    }
  }

  private tableHeader(y: number): number {
    const { pdf } = this;
    const h = 20;
    pdf.rect(this.left, y, this.right - this.left, h).fill(HEADER_FILL);
    const ty = y + 6;
    this.text('Description', this.descX, ty, this.descWidth, { font: BOLD, size: 8, color: MUTED });
    this.rightText('Qty', this.qtyRight, ty, BOLD, 8, MUTED);
    this.rightText('Unit price', this.unitRight, ty, BOLD, 8, MUTED);
    this.rightText('Amount', this.amountRight, ty, BOLD, 8, MUTED);
    return y + h;
  }

  /** A new page for what does not fit: a "continued" line and the header again. */
  private continuePage(): number {
    this.pdf.addPage();
    this.text(`Invoice ${this.doc.number} (continued)`, this.left, MARGIN, this.right - this.left, {
      size: 8,
      color: MUTED,
    });
    return MARGIN + 18;
  }

  /** The line items; rows that would run into the footer go to the next page. Returns the bottom. */
  private table(y: number): number {
    const { pdf, doc } = this;
    y = this.tableHeader(y);
    if (doc.lines.length === 0) {
      this.text('No line items.', this.descX, y + 8, this.descWidth, { color: MUTED });
      y += 26;
      this.rule(y);
      return y;
    }
    const pad = 5.5;
    // A description longer than a third of a page is cut with an ellipsis: a row never needs a page.
    const maxTextHeight = Math.floor((this.bottom - MARGIN) / 3);
    for (const line of doc.lines) {
      const description = pdfSafe(line.description);
      pdf.font(REGULAR).fontSize(9).fillColor(INK);
      const fullHeight = pdf.heightOfString(description, { width: this.descWidth, lineGap: 1.5 });
      const textHeight = Math.min(fullHeight, maxTextHeight);
      const rowHeight = textHeight + pad * 2;
      if (y + rowHeight > this.bottom) y = this.tableHeader(this.continuePage());
      pdf.font(REGULAR).fontSize(9).fillColor(INK);
      pdf.text(description, this.descX, y + pad, {
        width: this.descWidth,
        lineGap: 1.5,
        height: textHeight,
        ellipsis: fullHeight > textHeight,
      });
      this.rightText(formatQuantity(line.quantity), this.qtyRight, y + pad);
      this.rightText(this.money(line.unitPrice), this.unitRight, y + pad);
      this.rightText(this.money(line.amount), this.amountRight, y + pad);
      y += rowHeight;
      this.rule(y);
    }
    return y;
  }

  /** Subtotal, tax, total, paid and amount due, right-aligned under the table. */
  private totals(y: number): void {
    const { doc } = this;
    const rowH = 16;
    const noteH = doc.status === 'VOID' ? 24 : 0;
    const height = rowH * 4 + 30 + noteH;
    if (y + height > this.bottom) y = this.continuePage();
    const labelX = this.right - 215;
    const rows: [string, number, boolean][] = [
      ['Subtotal', doc.subtotal, false],
      ['Tax', doc.tax, false],
      ['Total', doc.total, true],
      ['Paid', doc.amountPaid, false],
    ];
    for (const [label, cents, bold] of rows) {
      this.text(label, labelX, y, 120, { font: bold ? BOLD : REGULAR, color: bold ? INK : MUTED });
      this.rightText(this.money(cents), this.amountRight, y, bold ? BOLD : REGULAR);
      y += rowH;
    }
    this.rule(y, INK, 1, labelX, this.right);
    y += 8;
    this.text('Amount due', labelX, y, 120, { font: BOLD, size: 12 });
    this.rightText(this.money(doc.amountDue), this.amountRight, y, BOLD, 12);
    y += 22;
    if (doc.status === 'VOID') {
      this.text(VOID_NOTE, labelX, y + 4, this.right - labelX, { color: MUTED, align: 'right' });
    }
  }

  /** The footer note and "Page n of m" on every page, once the page count is known. */
  private footers(): void {
    const { pdf } = this;
    const { start, count } = pdf.bufferedPageRange();
    for (let i = 0; i < count; i++) {
      pdf.switchToPage(start + i);
      // Writing below the bottom margin would make pdfkit start a new page: lift it for the footer.
      const margin = pdf.page.margins.bottom;
      pdf.page.margins.bottom = 0;
      const y = pdf.page.height - MARGIN - 10;
      this.rule(y - 8);
      this.text(FOOTER_NOTE, this.left, y, 320, { size: 8, color: MUTED });
      this.rightText(`Page ${i + 1} of ${count}`, this.right, y, REGULAR, 8, MUTED);
      pdf.page.margins.bottom = margin;
    }
  }
}
