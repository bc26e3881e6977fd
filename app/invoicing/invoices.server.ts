// Local invoices (SPEC §6 "Invoices", seed 002): finalized once, numbered gaplessly, never edited after.
// Finalizing is one transaction: totals from the line items, the next INV-YYYY-NNNNNN from
// invoice_counters (UPDATE … RETURNING: the counter row stays locked until commit, so concurrent
// finalizations take consecutive numbers and a rollback returns its number), the PDF rendered and stored,
// a payment link, the invoice email, available credit applied, the balance, and the audit row.
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { readSettings } from '~/admin/settings.server';
import { type Actor, recordAudit } from '~/audit/audit.server';
import { generateToken, sha256Hex } from '~/auth/tokens.server';
import { queueEmail } from '~/email/outbox.server';
import { env } from '~/env.server';
import { Conflict, NotFound } from '~/lib/errors';
import { authorize } from '~/orgs/access.server';
import { type Database, rowsOf } from '~db/client.server';
import {
  billingAccounts,
  invoiceDocuments,
  invoiceLineItems,
  invoices,
  organizations,
  systemSettings,
} from '~db/schema';
import type { InvoiceDocument } from './document';
import { formatMoney } from './format';
import { accountTotals, insertPayment, lockBillingAccount, refreshBalance } from './ledger.server';
import { billingContacts } from './notify.server';
import { renderInvoicePdf } from './pdf.server';

type InvoiceRow = typeof invoices.$inferSelect;

export const INVOICE_NUMBER = /^INV-\d{4}-\d{6}$/;
/** How long an emailed payment link works. */
export const PAYMENT_LINK_DAYS = 60;

/** The next invoice number of `year`, taken in the caller's transaction (gapless: see the header). */
export async function nextInvoiceNumber(tx: Database, year: number): Promise<string> {
  const [row] = rowsOf<{ last_number: number }>(
    await tx.execute(sql`
      INSERT INTO invoice_counters (year, last_number) VALUES (${year}, 1)
      ON CONFLICT (year) DO UPDATE SET last_number = invoice_counters.last_number + 1
      RETURNING last_number`),
  );
  if (!row) throw new Error('invoice counter returned nothing');
  return `INV-${year}-${String(row.last_number).padStart(6, '0')}`;
}

/** A fresh payment-link token for the invoice; the plain token is returned once, its hash stored. */
export async function issuePaymentToken(tx: Database, invoiceId: string): Promise<string> {
  const token = generateToken();
  await tx
    .update(invoices)
    .set({
      paymentTokenHash: sha256Hex(token),
      paymentTokenExpiresAt: sql`now() + ${`${PAYMENT_LINK_DAYS} days`}::interval`,
    })
    .where(eq(invoices.id, invoiceId));
  return token;
}

export const payLink = (token: string) => `${env().APP_URL}/pay/${token}`;
export const invoicePath = (slug: string, number: string) => `/o/${slug}/billing/invoices/${number}`;

/**
 * Finalizes a DRAFT local invoice (the caller holds the billing account lock). Returns the row and the
 * email ids to deliver after commit.
 */
export async function finalizeInvoice(
  tx: Database,
  actor: Actor,
  invoiceId: string,
  now = new Date(),
): Promise<{ invoice: InvoiceRow; emailIds: string[] }> {
  const [draft] = await tx.select().from(invoices).where(eq(invoices.id, invoiceId)).for('update');
  if (!draft) throw new NotFound('Invoice not found.');
  if (draft.finalizedAt) throw new Conflict(`Invoice ${draft.invoiceNumber} is finalized already.`);
  const [sums] = rowsOf<{ subtotal: string }>(
    await tx.execute(
      sql`SELECT coalesce(sum(amount), 0) AS subtotal FROM invoice_line_items WHERE invoice_id = ${invoiceId}`,
    ),
  );
  const subtotal = Number(sums?.subtotal ?? 0);
  // Platform settings, read in the finalizing transaction (billing accounts have no tax rate or net terms
  // of their own): the tax rate, and the days from issue to due date.
  const { 'billing.tax_rate': taxRate, 'billing.invoice_due_days': terms } = await readSettings(tx, [
    'billing.tax_rate',
    'billing.invoice_due_days',
  ]);
  const tax = Math.round(subtotal * taxRate);
  const number = await nextInvoiceNumber(tx, now.getUTCFullYear());
  const total = subtotal + tax;
  const [finalized] = await tx
    .update(invoices)
    .set({
      invoiceNumber: number,
      subtotal,
      tax,
      total,
      status: total === 0 ? 'PAID' : 'OPEN',
      issuedAt: now,
      dueAt: new Date(now.getTime() + terms * 86_400_000),
      paidAt: total === 0 ? now : null,
      finalizedAt: now,
    })
    .where(eq(invoices.id, invoiceId))
    .returning();
  const invoice = finalized as InvoiceRow;
  const token = await issuePaymentToken(tx, invoiceId);
  const organization = await organizationOfAccount(tx, invoice.billingAccountId);
  // The document as issued: rendered once, stored, and served from then on.
  const doc = await invoiceDocument(tx, invoice);
  const pdf = await renderInvoicePdf(doc);
  await tx.insert(invoiceDocuments).values({ invoiceId, content: pdf, sha256: sha256Hex(pdf) });
  await tx
    .update(invoices)
    .set({ pdfUrl: `${invoicePath(organization.slug, number)}/pdf` })
    .where(eq(invoices.id, invoiceId));
  await recordAudit(tx, actor, {
    organizationId: organization.id,
    action: 'invoice.finalized',
    entityType: 'invoice',
    entityId: invoiceId,
    newValues: {
      number,
      subtotal,
      tax,
      total,
      currency: invoice.currency,
      dueAt: invoice.dueAt?.toISOString(),
    },
  });
  await refreshBalance(tx, invoice.billingAccountId);
  // Credit on the account (an overpayment, a staff credit) pays what it can, at once.
  const { available } = await accountTotals(tx, invoice.billingAccountId);
  if (total > 0 && available > 0)
    await insertPayment(tx, actor, {
      billingAccountId: invoice.billingAccountId,
      invoiceId,
      amount: Math.min(available, total),
      method: 'CREDIT',
      status: 'PAID',
    });
  const emailIds: string[] = [];
  for (const contact of await billingContacts(tx, organization.id)) {
    emailIds.push(
      await queueEmail(tx, {
        to: contact.email,
        template: 'invoice',
        data: {
          invoiceNumber: number,
          amount: formatMoney(total, invoice.currency),
          dueAt: invoice.dueAt?.toISOString().slice(0, 10) ?? '',
          organizationName: organization.name,
        },
        link: payLink(token),
        entityType: 'invoice',
        entityId: invoiceId,
      }),
    );
  }
  const [after] = await tx.select().from(invoices).where(eq(invoices.id, invoiceId));
  return { invoice: after as InvoiceRow, emailIds };
}

export async function organizationOfAccount(tx: Database, billingAccountId: string) {
  const [row] = await tx
    .select({ id: organizations.id, name: organizations.name, slug: organizations.slug })
    .from(billingAccounts)
    .innerJoin(organizations, eq(organizations.id, billingAccounts.organizationId))
    .where(eq(billingAccounts.id, billingAccountId));
  if (!row) throw new NotFound('Billing account not found.');
  return row;
}

/** A hand-written setting outside the typed list (settings.server.ts SETTINGS), e.g. `company`. */
async function setting<T>(tx: Database, key: string, fallback: T): Promise<T> {
  const [row] = await tx
    .select({ value: systemSettings.value })
    .from(systemSettings)
    .where(eq(systemSettings.key, key));
  return (row?.value as T | undefined) ?? fallback;
}

/** The platform as seller: system settings `company.*`, with a sensible default. */
async function seller(tx: Database): Promise<InvoiceDocument['seller']> {
  const company = await setting<Record<string, unknown>>(tx, 'company', {});
  const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);
  return {
    name: str(company.name) ?? 'SaaS Platform Ltd',
    address: (Array.isArray(company.address) ? company.address : [company.address])
      .map(str)
      .filter((s): s is string => Boolean(s)),
    email: str(company.email) ?? 'billing@saas-platform.example',
    taxId: str(company.taxId),
  };
}

/** The document of an invoice: what the page shows and the PDF prints. */
export async function invoiceDocument(tx: Database, invoice: InvoiceRow): Promise<InvoiceDocument> {
  const [buyer] = await tx
    .select({
      name: organizations.name,
      email: organizations.email,
      address: organizations.address,
      city: organizations.city,
      country: organizations.country,
      metadata: organizations.metadata,
    })
    .from(billingAccounts)
    .innerJoin(organizations, eq(organizations.id, billingAccounts.organizationId))
    .where(eq(billingAccounts.id, invoice.billingAccountId));
  const lines = await tx
    .select()
    .from(invoiceLineItems)
    .where(eq(invoiceLineItems.invoiceId, invoice.id))
    .orderBy(asc(invoiceLineItems.createdAt), asc(invoiceLineItems.id));
  const taxId = (buyer?.metadata as { taxId?: unknown } | null)?.taxId;
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    number: invoice.invoiceNumber ?? 'DRAFT',
    status: invoice.status,
    currency: invoice.currency,
    issuedAt: iso(invoice.issuedAt),
    dueAt: iso(invoice.dueAt),
    paidAt: iso(invoice.paidAt),
    periodStart: invoice.periodStart.toISOString(),
    periodEnd: invoice.periodEnd.toISOString(),
    seller: await seller(tx),
    buyer: {
      name: buyer?.name ?? 'Former organization',
      address: [buyer?.address, buyer?.city, buyer?.country].filter((s): s is string => Boolean(s)),
      email: buyer?.email ?? null,
      taxId: typeof taxId === 'string' ? taxId : null,
    },
    lines: lines.map((l) => ({
      description: l.description,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      amount: l.amount,
    })),
    subtotal: invoice.subtotal,
    tax: invoice.tax,
    total: invoice.total,
    amountPaid: invoice.amountPaid,
    amountDue: invoice.total - invoice.amountPaid,
  };
}

// ---- reading, for members ---------------------------------------------------------------------------

export interface InvoiceListItem {
  number: string;
  periodStart: Date;
  periodEnd: Date;
  total: number;
  amountPaid: number;
  amountDue: number;
  currency: string;
  status: InvoiceRow['status'];
  dueAt: Date | null;
  issuedAt: Date | null;
  stripe: boolean;
  pdfUrl: string | null;
}

/** The organization's finalized invoices, newest first (local and Stripe alike). */
export async function listInvoices(
  db: Database,
  actor: Actor,
  organizationId: string,
): Promise<InvoiceListItem[]> {
  await authorize(db, actor, organizationId, 'billing:view');
  const rows = await db
    .select({ invoice: invoices })
    .from(invoices)
    .innerJoin(billingAccounts, eq(billingAccounts.id, invoices.billingAccountId))
    .where(and(eq(billingAccounts.organizationId, organizationId), sql`${invoices.finalizedAt} IS NOT NULL`))
    .orderBy(desc(invoices.issuedAt), desc(invoices.id))
    .limit(200);
  return rows.map(({ invoice: i }) => ({
    number: i.invoiceNumber ?? i.id,
    periodStart: i.periodStart,
    periodEnd: i.periodEnd,
    total: i.total,
    amountPaid: i.amountPaid,
    amountDue: i.total - i.amountPaid,
    currency: i.currency,
    status: i.status,
    dueAt: i.dueAt,
    issuedAt: i.issuedAt,
    stripe: Boolean(i.stripeInvoiceId),
    pdfUrl: i.pdfUrl,
  }));
}

/** One invoice of the organization by its number; another tenant's number is "not found". */
export async function findInvoice(db: Database, actor: Actor, organizationId: string, number: string) {
  await authorize(db, actor, organizationId, 'billing:view');
  const [row] = await db
    .select({ invoice: invoices })
    .from(invoices)
    .innerJoin(billingAccounts, eq(billingAccounts.id, invoices.billingAccountId))
    .where(
      and(
        eq(billingAccounts.organizationId, organizationId),
        eq(invoices.invoiceNumber, number),
        sql`${invoices.finalizedAt} IS NOT NULL`,
      ),
    );
  if (!row) throw new NotFound(`There is no invoice ${number.slice(0, 40)} in this organization.`);
  return { invoice: row.invoice, document: await invoiceDocument(db, row.invoice) };
}

/** The stored PDF of the organization's invoice. */
export async function invoicePdf(db: Database, actor: Actor, organizationId: string, number: string) {
  const { invoice } = await findInvoice(db, actor, organizationId, number);
  const [doc] = await db
    .select({ content: invoiceDocuments.content })
    .from(invoiceDocuments)
    .where(eq(invoiceDocuments.invoiceId, invoice.id));
  if (!doc) throw new NotFound('This invoice has no stored PDF (Stripe invoices link to Stripe’s).');
  return { number: invoice.invoiceNumber ?? invoice.id, content: doc.content };
}

/** "Pay now" from the invoice page: a fresh payment link for a member who may pay (billing:view). */
export async function payLinkFor(db: Database, actor: Actor, organizationId: string, number: string) {
  const { invoice } = await findInvoice(db, actor, organizationId, number);
  if (invoice.stripeInvoiceId) throw new Conflict('This invoice is paid through Stripe.');
  if (invoice.status === 'PAID' || invoice.status === 'VOID')
    throw new Conflict(`Invoice ${number} is ${invoice.status.toLowerCase()}: nothing to pay.`);
  return db.transaction(async (tx) => {
    await lockBillingAccount(tx, invoice.billingAccountId);
    const token = await issuePaymentToken(tx, invoice.id);
    return `/pay/${token}`;
  });
}
