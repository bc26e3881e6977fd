// Test factories of invoicing: a platform ADMIN, and a services customer invoiced by the billing run.
import { eq } from 'drizzle-orm';
import { createOrg, createUser, type TestUser } from '~/orgs/test-support';
import type { Database } from '~db/client.server';
import { billingAccounts, invoices, users } from '~db/schema';
import { billingRun } from './billing-run.server';
import { addService } from './staff.server';

export async function platformAdmin(db: Database): Promise<TestUser> {
  const admin = await createUser(db);
  await db.update(users).set({ role: 'ADMIN' }).where(eq(users.id, admin.id));
  return admin;
}

/** An organization with one POS terminal of `monthlyFee` cents, and the OPEN invoice the billing run issued. */
export async function invoicedCustomer(db: Database, monthlyFee: number) {
  const admin = await platformAdmin(db);
  const { organization, owner } = await createOrg(db);
  await addService(db, admin.actor, {
    organizationId: organization.id,
    type: 'POS_TERMINAL',
    name: 'Till',
    monthlyFee,
  });
  await billingRun.run(db, { now: new Date() });
  const [account] = await db
    .select()
    .from(billingAccounts)
    .where(eq(billingAccounts.organizationId, organization.id));
  const [invoice] = await db.select().from(invoices).where(eq(invoices.billingAccountId, account!.id));
  return { admin, organization, owner, account: account!, invoice: invoice! };
}
