// Payment emails of local invoices (issue 11 §11): a receipt when money is received, a notice when a
// provider payment fails. Queued in the payment's transaction (the outbox), to OWNER and BILLING members.
import { sql } from 'drizzle-orm';
import { queueEmail } from '~/email/outbox.server';
import { env } from '~/env.server';
import { type Database, rowsOf } from '~db/client.server';
import type { payments } from '~db/schema';
import { formatMoney } from './format';

type PaymentRow = typeof payments.$inferSelect;

export async function queuePaymentEmails(
  tx: Database,
  payment: PaymentRow,
  kind: 'received' | 'failed',
): Promise<string[]> {
  // Applying credit moves no money: nothing to tell.
  if (payment.method === 'CREDIT') return [];
  const contacts = rowsOf<{
    email: string;
    name: string | null;
    org_name: string;
    slug: string;
    number: string | null;
  }>(
    await tx.execute(sql`
      SELECT u.email, u.name, o.name AS org_name, o.slug,
             (SELECT i.invoice_number FROM invoices i WHERE i.id = ${payment.invoiceId}) AS number
        FROM billing_accounts b
        JOIN organizations o ON o.id = b.organization_id
        JOIN organization_members m ON m.organization_id = o.id AND m.role IN ('OWNER', 'BILLING')
        JOIN users u ON u.id = m.user_id AND u.deleted_at IS NULL
       WHERE b.id = ${payment.billingAccountId}`),
  );
  const ids: string[] = [];
  for (const c of contacts)
    ids.push(
      await queueEmail(tx, {
        to: c.email,
        template: kind === 'received' ? 'payment-receipt' : 'payment-failed',
        data: {
          name: c.name,
          organizationName: c.org_name,
          amount: formatMoney(payment.amount, payment.currency),
          invoiceNumber: c.number ?? '—',
          billingUrl: `${env().APP_URL}/o/${c.slug}/billing`,
        },
        entityType: 'payment',
        entityId: payment.id,
      }),
    );
  return ids;
}
