// An invoice as a document (SPEC §4 invoices, issue 11 §4): everything the printable page and the PDF
// show, as plain data. Built once from the finalized rows (invoices.server.ts); both renderers take only
// this, so the page and the PDF cannot disagree. Money is integer cents; dates are ISO strings.
export interface InvoiceParty {
  name: string;
  /** Address lines, already split (street, city, country…); may be empty. */
  address: string[];
  email: string | null;
  taxId: string | null;
}

export interface InvoiceLine {
  description: string;
  quantity: number;
  /** cents */
  unitPrice: number;
  /** cents: quantity × unitPrice */
  amount: number;
}

export interface InvoiceDocument {
  /** INV-YYYY-NNNNNN, or Stripe's number for a Stripe invoice. */
  number: string;
  status: 'DRAFT' | 'OPEN' | 'PAID' | 'PARTIAL' | 'OVERDUE' | 'VOID' | 'UNCOLLECTIBLE';
  currency: string;
  issuedAt: string | null;
  dueAt: string | null;
  paidAt: string | null;
  periodStart: string;
  periodEnd: string;
  seller: InvoiceParty;
  buyer: InvoiceParty;
  lines: InvoiceLine[];
  subtotal: number;
  tax: number;
  total: number;
  amountPaid: number;
  amountDue: number;
}
