import { inflateSync } from 'node:zlib';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { InvoiceDocument, InvoiceLine } from './document';
import { formatMoney } from './format';
import { InvoiceView } from './invoice-view';
import { pdfSafe, renderInvoicePdf } from './pdf.server';

function invoice(overrides: Partial<InvoiceDocument> = {}): InvoiceDocument {
  return {
    number: 'INV-2026-000042',
    status: 'OPEN',
    currency: 'USD',
    issuedAt: '2026-02-01T00:00:00.000Z',
    dueAt: '2026-02-15T00:00:00.000Z',
    paidAt: null,
    periodStart: '2026-01-01T00:00:00.000Z',
    periodEnd: '2026-01-31T23:59:59.000Z',
    seller: {
      name: 'Acme Cloud Inc.',
      address: ['1 Infinite Loop', 'Cupertino, CA 95014', 'United States'],
      email: 'billing@acme.example',
      taxId: 'US-99-1234567',
    },
    buyer: {
      name: 'Globex Corporation',
      address: ['12 Market Street', 'Springfield, IL 62701'],
      email: 'ap@globex.example',
      taxId: null,
    },
    lines: [
      { description: 'Pro plan, January 2026', quantity: 1, unitPrice: 4900, amount: 4900 },
      { description: 'Extra seats', quantity: 3, unitPrice: 1200, amount: 3600 },
      { description: 'API requests over the included 100,000', quantity: 1234, unitPrice: 2, amount: 2468 },
    ],
    subtotal: 10968,
    tax: 2084,
    total: 13052,
    amountPaid: 0,
    amountDue: 13052,
    ...overrides,
  };
}

function manyLines(n: number): InvoiceLine[] {
  return Array.from({ length: n }, (_, i) => ({
    description:
      i % 5 === 0
        ? `Item ${i + 1}: a long description that has to wrap onto a second line inside the description column`
        : `Item ${i + 1}`,
    quantity: i + 1,
    unitPrice: 150,
    amount: (i + 1) * 150,
  }));
}

// WinAnsiEncoding is Latin-1 but for 0x80–0x9F (Node 20's TextDecoder('windows-1252') decodes as Latin-1).
const WIN_ANSI_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';
const winAnsi = (bytes: Buffer) =>
  [...bytes].map((b) => (b >= 0x80 && b <= 0x9f ? WIN_ANSI_HIGH[b - 0x80] : String.fromCharCode(b))).join('');

/** The decompressed content streams of a PDF (pdfkit writes `/Length n` directly in the dictionary). */
function contentStreams(pdf: Buffer): string[] {
  const latin = pdf.toString('latin1');
  const out: string[] = [];
  // One object's dictionary (never reaching past its endobj), then its stream keyword.
  const re = /\d+ 0 obj\s*<<((?:(?!endobj)[\s\S])*?)>>\s*stream\r?\n/g;
  for (let m = re.exec(latin); m; m = re.exec(latin)) {
    const length = Number(/\/Length (\d+)/.exec(m[1]!)?.[1]);
    const start = m.index + m[0].length;
    const raw = pdf.subarray(start, start + length);
    out.push((m[1]!.includes('/FlateDecode') ? inflateSync(raw) : raw).toString('latin1'));
    re.lastIndex = start + length; // never scan binary stream data for the next dictionary
  }
  expect(out.length).toBeGreaterThan(0);
  return out;
}

/** Each text-showing operation of each page, decoded: one string per `[…] TJ`. */
function pdfText(pdf: Buffer): string[] {
  const pieces: string[] = [];
  for (const stream of contentStreams(pdf)) {
    for (const tj of stream.matchAll(/\[([^\]]*)\]\s*TJ/g)) {
      const hex = [...tj[1]!.matchAll(/<([0-9a-f]*)>/gi)].map((h) => h[1]).join('');
      pieces.push(winAnsi(Buffer.from(hex, 'hex')));
    }
  }
  return pieces;
}

const pageCount = (pdf: Buffer) => pdf.toString('latin1').match(/\/Type \/Page(?![s\w])/g)?.length ?? 0;

describe('renderInvoicePdf', () => {
  it('writes a complete PDF: header, %%EOF trailer, compressed content', async () => {
    const pdf = await renderInvoicePdf(invoice());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.toString('latin1')).toMatch(/%%EOF\r?\n?$/);
    expect(pdf.toString('latin1')).toContain('/FlateDecode');
    expect(pageCount(pdf)).toBe(1);
  });

  it('is deterministic: the same document gives the same bytes, a changed amount different ones', async () => {
    const a = await renderInvoicePdf(invoice());
    const b = await renderInvoicePdf(invoice());
    expect(a.equals(b)).toBe(true);
    const changed = await renderInvoicePdf(invoice({ total: 13053, amountDue: 13053 }));
    expect(changed.equals(a)).toBe(false);
    expect(pdfText(changed)).toContain('$130.53');
  });

  it('fixes the info dictionary from the document, not the clock', async () => {
    const latin = (await renderInvoicePdf(invoice())).toString('latin1');
    expect(latin).toContain('(Invoice INV-2026-000042)');
    expect(latin).toContain('(D:20260201000000Z)');
    expect(latin).not.toContain('(PDFKit)');
    // A draft has no issue date: the period start stands in.
    const draft = (await renderInvoicePdf(invoice({ status: 'DRAFT', issuedAt: null }))).toString('latin1');
    expect(draft).toContain('(D:20260101000000Z)');
  });

  it('prints the invoice: number, parties, every line, totals, footer and page number', async () => {
    const doc = invoice();
    const text = pdfText(await renderInvoicePdf(doc));
    const all = text.join('\n');
    for (const expected of [
      'INVOICE',
      'INV-2026-000042',
      'Acme Cloud Inc.',
      'Tax ID US-99-1234567',
      'Globex Corporation',
      '12 Market Street',
      'Feb 1, 2026',
      'Feb 15, 2026',
      'Jan 1, 2026 – Jan 31, 2026',
      'Open',
      'Description',
      'Unit price',
      'Amount due',
      'Questions? Reply to the email this invoice came with.',
      'Page 1 of 1',
    ]) {
      expect(all).toContain(expected);
    }
    for (const line of doc.lines) expect(all).toContain(line.description);
    expect(text).toContain('$49.00');
    expect(text).toContain('1,234');
    expect(text).toContain(formatMoney(doc.total, doc.currency));
    expect(formatMoney(doc.total, doc.currency)).toBe('$130.52');
    expect(text).toContain('$109.68');
    expect(text).toContain('$20.84');
    // Not paid: no stamp.
    expect(text).not.toContain('PAID');
  });

  it('stamps PAID and VOID invoices', async () => {
    const paid = pdfText(
      await renderInvoicePdf(
        invoice({ status: 'PAID', paidAt: '2026-02-03T10:00:00Z', amountPaid: 13052, amountDue: 0 }),
      ),
    );
    expect(paid).toContain('PAID');
    expect(paid).toContain('on Feb 3, 2026');
    expect(paid).toContain('$0.00');
    const voided = pdfText(await renderInvoicePdf(invoice({ status: 'VOID' })));
    expect(voided).toContain('VOID');
    expect(voided.join('\n')).toContain('This invoice has been voided.');
  });

  it('runs a long invoice over several pages, repeating the table header and numbering pages', async () => {
    const lines = manyLines(60);
    const pdf = await renderInvoicePdf(invoice({ lines }));
    const pages = pageCount(pdf);
    expect(pages).toBeGreaterThan(1);
    const text = pdfText(pdf);
    for (const line of lines) expect(text.join('\n')).toContain(line.description.slice(0, 30));
    for (let n = 1; n <= pages; n++) expect(text).toContain(`Page ${n} of ${pages}`);
    // Every page holding rows starts with the column header; the totals may stand alone on the last.
    const headers = text.filter((t) => t === 'Description').length;
    expect(headers).toBeGreaterThanOrEqual(pages - 1);
    expect(headers).toBeGreaterThan(1);
    expect(text).toContain('Invoice INV-2026-000042 (continued)');
    expect(text).toContain('Amount due');
  });

  it('cuts an absurdly long description instead of losing the layout', async () => {
    const description = 'word '.repeat(3000).trim();
    const pdf = await renderInvoicePdf(
      invoice({ lines: [{ description, quantity: 1, unitPrice: 100, amount: 100 }] }),
    );
    expect(pageCount(pdf)).toBeLessThanOrEqual(2);
    const text = pdfText(pdf);
    expect(text.some((t) => t.endsWith('…'))).toBe(true);
    expect(text).toContain('Amount due');
  });

  it('keeps text printable in the built-in fonts', async () => {
    expect(pdfSafe('Zoë Müller – “Ltd” €5')).toBe('Zoë Müller – “Ltd” €5');
    expect(pdfSafe('Łódź Dvořák Đ')).toBe('Lódz Dvorák D');
    expect(pdfSafe('株式会社 Ltd\n2')).toBe('???? Ltd 2');
    const text = pdfText(
      await renderInvoicePdf(invoice({ buyer: { ...invoice().buyer, name: 'Łukasz Sp. z o.o.' } })),
    );
    expect(text).toContain('Lukasz Sp. z o.o.');
  });
});

describe('InvoiceView', () => {
  const html = (doc: InvoiceDocument) => renderToStaticMarkup(createElement(InvoiceView, { doc }));

  it('renders the invoice: number, each line, the totals and the status', () => {
    const doc = invoice();
    const markup = html(doc);
    expect(markup).toContain('data-invoice="INV-2026-000042"');
    expect(markup).toMatch(/^<article/);
    expect(markup).toContain('>INV-2026-000042<');
    for (const line of doc.lines) expect(markup).toContain(`>${line.description}<`);
    for (const money of ['$49.00', '$36.00', '$24.68', '$109.68', '$20.84', '$130.52']) {
      expect(markup).toContain(`>${money}<`);
    }
    expect(markup).toContain('<dt>Amount due</dt><dd class="tabular-nums">$130.52</dd>');
    expect(markup).toMatch(/data-status="OPEN"[^>]*bg-amber-50[^>]*>Open</);
    expect(markup).toContain('<caption class="sr-only">');
    expect(markup.match(/<th scope="col"/g)).toHaveLength(4);
    expect(markup).toContain('Questions? Reply to the email this invoice came with.');
    expect(markup).toContain('Tax ID US-99-1234567');
    expect(markup).not.toContain('Void');
  });

  it('shows a void invoice as Void, in grey', () => {
    const markup = html(invoice({ status: 'VOID' }));
    expect(markup).toMatch(/data-status="VOID"[^>]*bg-slate-100[^>]*>Void</);
    expect(markup).toContain('This invoice has been voided.');
  });

  it('colours paid green and overdue red', () => {
    expect(html(invoice({ status: 'PAID', paidAt: '2026-02-03T10:00:00Z' }))).toMatch(
      /data-status="PAID"[^>]*bg-emerald-50[^>]*>Paid</,
    );
    expect(html(invoice({ status: 'OVERDUE' }))).toMatch(/data-status="OVERDUE"[^>]*bg-red-50[^>]*>Overdue</);
  });
});
