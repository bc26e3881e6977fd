// Who hears about money, and the payment emails of local invoices (issue 11 §11): a receipt when money is
// received, a notice when a provider payment fails. Queued in the payment's transaction (the outbox).
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { queueEmail } from '~/email/outbox.server';
import { env } from '~/env.server';
import { type Database, rowsOf } from '~db/client.server';
import { organizationMembers, organizations, type payments, users } from '~db/schema';
import { formatMoney } from './format';

type PaymentRow = typeof payments.$inferSelect;

export interface BillingContact {
  email: string;
  name: string | null;
  organizationName: string;
  slug: string;
}

/** OWNER and BILLING members of the organization (not deleted): who receives invoices and payment news. */
export async function billingContacts(tx: Database, organizationId: string): Promise<BillingContact[]> {
  return tx
    .select({
      email: users.email,
      name: users.name,
      organizationName: organizations.name,
      slug: organizations.slug,
    })
    .from(organizationMembers)
    .innerJoin(users, eq(users.id, organizationMembers.userId))
    .innerJoin(organizations, eq(organizations.id, organizationMembers.organizationId))
    .where(
      and(
        eq(organizationMembers.organizationId, organizationId),
        inArray(organizationMembers.role, ['OWNER', 'BILLING']),
        isNull(users.deletedAt),
      ),
    );
}

export const billingPageUrl = (slug: string) => `${env().APP_URL}/o/${slug}/billing`;

export async function queuePaymentEmails(
  tx: Database,
  payment: PaymentRow,
  kind: 'received' | 'failed',
): Promise<string[]> {
  // Applying credit moves no money: nothing to tell.
  if (payment.method === 'CREDIT') return [];
  const [owner] = rowsOf<{ organization_id: string; number: string | null }>(
    await tx.execute(sql`
      SELECT b.organization_id,
             (SELECT i.invoice_number FROM invoices i WHERE i.id = ${payment.invoiceId}) AS number
        FROM billing_accounts b WHERE b.id = ${payment.billingAccountId}`),
  );
  if (!owner) return [];
  const ids: string[] = [];
  for (const c of await billingContacts(tx, owner.organization_id))
    ids.push(
      await queueEmail(tx, {
        to: c.email,
        template: kind === 'received' ? 'payment-receipt' : 'payment-failed',
        data: {
          name: c.name,
          organizationName: c.organizationName,
          amount: formatMoney(payment.amount, payment.currency),
          invoiceNumber: owner.number ?? '—',
          billingUrl: billingPageUrl(c.slug),
        },
        entityType: 'payment',
        entityId: payment.id,
      }),
    );
  return ids;
}
