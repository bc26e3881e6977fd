// The invoicing pages through their route modules (issue 11 §4, §5, §8): the invoice list and page for
// members who may see billing (another tenant's number is 404), the stored PDF, /pay/:token without
// signing in (unknown → 404, paid says so), and a suspended organization: every page but billing answers
// 402 with the way to billing, and its API keys get 402 JSON.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createApiKey } from '~/api-keys/api-keys.server';
import { addMember, cookieFor, createOrg, createUser } from '~/orgs/test-support';
import * as staffBillingRoute from '~/routes/admin.organizations.$slug.billing/route';
import * as usageApi from '~/routes/api.v1.orgs.$slug.usage';
import * as dashboardRoute from '~/routes/o.$slug._index';
import * as billingRoute from '~/routes/o.$slug.billing';
import * as invoiceRoute from '~/routes/o.$slug.billing_.invoices.$number/route';
import * as pdfRoute from '~/routes/o.$slug.billing_.invoices.$number.pdf';
import * as payRoute from '~/routes/pay.$token';
import { billingAccounts, invoices, users } from '~db/schema';
import { useAppTestDatabase } from '../../tests/support/db';
import { getPage, postForm, runRoute } from '../../tests/support/routes';
import { recordManualPayment } from './staff.server';
import { invoicedCustomer } from './test-support';

const t = useAppTestDatabase();

const invoiced = () => invoicedCustomer(t.db, 4200);

describe('invoice pages', () => {
  it('lists the invoice, shows it, serves the stored PDF; another organization gets 404', async () => {
    const c = await invoiced();
    const cookie = await cookieFor(t.db, c.owner.id);
    const params = { slug: c.organization.slug, number: c.invoice.invoiceNumber! };
    const list = await runRoute(
      billingRoute.loader,
      getPage(`/o/${c.organization.slug}/billing`, cookie),
      params,
    );
    expect((list.data as { invoices: { number: string }[] }).invoices.map((i) => i.number)).toContain(
      c.invoice.invoiceNumber,
    );
    const page = await runRoute(
      invoiceRoute.loader,
      getPage(`/o/${c.organization.slug}/billing/invoices/${params.number}`, cookie),
      params,
    );
    expect(page.status).toBe(200);
    expect((page.data as { document: { total: number } }).document.total).toBe(4200);
    const pdf = (await pdfRoute.loader({ request: getPage(`/x`, cookie), params, context: {} })) as Response;
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
    // A member of another organization, with this number: not found.
    const other = await createOrg(t.db);
    const foreign = await runRoute(
      invoiceRoute.loader,
      getPage('/x', await cookieFor(t.db, other.owner.id)),
      { slug: other.organization.slug, number: params.number },
    );
    expect(foreign.status).toBe(404);
    // MEMBER may not see billing: 403.
    const member = await addMember(t.db, c.organization.id, 'MEMBER');
    expect(
      (await runRoute(invoiceRoute.loader, getPage('/x', await cookieFor(t.db, member.id)), params)).status,
    ).toBe(403);
  });

  it('"Pay now" opens a fresh payment link that works without signing in', async () => {
    const c = await invoiced();
    const cookie = await cookieFor(t.db, c.owner.id);
    const params = { slug: c.organization.slug, number: c.invoice.invoiceNumber! };
    const r = await runRoute(invoiceRoute.action, postForm('/x', cookie, { intent: 'pay' }), params);
    expect(r.status).toBe(303);
    const token = r.location!.split('/pay/')[1]!;
    const view = await runRoute(payRoute.loader, getPage(`/pay/${token}`), { token });
    expect(view.status).toBe(200);
    expect((view.data as { payable: boolean; document: { number: string } }).document.number).toBe(
      c.invoice.invoiceNumber,
    );
    expect((view.data as { payable: boolean }).payable).toBe(true);
    // Unknown and malformed tokens: 404.
    expect((await runRoute(payRoute.loader, getPage('/pay/nope'), { token: 'nope' })).status).toBe(404);
    expect((await runRoute(payRoute.loader, getPage('/pay/x'), { token: 'A'.repeat(43) })).status).toBe(404);
    // Paid: the link says so and offers nothing to pay.
    await recordManualPayment(t.db, c.admin.actor, {
      organizationId: c.organization.id,
      invoiceNumber: c.invoice.invoiceNumber!,
      amount: 4200,
      method: 'BANK_TRANSFER',
    });
    const paid = await runRoute(payRoute.loader, getPage(`/pay/${token}`), { token });
    expect(paid.data).toMatchObject({ payable: false, document: { status: 'PAID' } });
    // An expired link: 404.
    await t.db
      .update(invoices)
      .set({ paymentTokenExpiresAt: new Date(Date.now() - 1000) })
      .where(eq(invoices.id, c.invoice.id));
    expect((await runRoute(payRoute.loader, getPage(`/pay/${token}`), { token })).status).toBe(404);
  });
});

describe('a suspended organization', () => {
  it('reaches only billing; its API keys get 402', async () => {
    const c = await invoiced();
    const cookie = await cookieFor(t.db, c.owner.id);
    const { key: secret } = await createApiKey(t.db, c.owner.actor, {
      organizationId: c.organization.id,
      name: 'Till',
      scopes: ['usage:read'],
    });
    await t.db
      .update(billingAccounts)
      .set({ status: 'SUSPENDED', overdueSince: new Date() })
      .where(eq(billingAccounts.id, c.account.id));
    const params = { slug: c.organization.slug };
    const dashboard = await runRoute(
      dashboardRoute.loader,
      getPage(`/o/${c.organization.slug}`, cookie),
      params,
    );
    expect(dashboard.status).toBe(402);
    const billing = await runRoute(
      billingRoute.loader,
      getPage(`/o/${c.organization.slug}/billing`, cookie),
      params,
    );
    expect(billing.status).toBe(200);
    const invoice = await runRoute(invoiceRoute.loader, getPage('/x', cookie), {
      ...params,
      number: c.invoice.invoiceNumber!,
    });
    expect(invoice.status).toBe(200);
    const api = (await usageApi.loader({
      request: new Request(`http://localhost/api/v1/orgs/${c.organization.slug}/usage`, {
        headers: { authorization: `Bearer ${secret}` },
      }),
      params,
      context: {},
    })) as Response;
    expect(api.status).toBe(402);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('payment_required');
  });
});

describe('the staff billing page /admin/organizations/:slug/billing', () => {
  it('is 404 to non-staff; SUPPORT reads but cannot move money; ADMIN adds a service and records a payment', async () => {
    const c = await invoiced();
    const params = { slug: c.organization.slug };
    const path = `/admin/organizations/${c.organization.slug}/billing`;
    // An organization OWNER is not platform staff.
    expect(
      (await runRoute(staffBillingRoute.loader, getPage(path, await cookieFor(t.db, c.owner.id)), params))
        .status,
    ).toBe(404);
    const support = await createUser(t.db);
    await t.db.update(users).set({ role: 'SUPPORT' }).where(eq(users.id, support.id));
    const supportCookie = await cookieFor(t.db, support.id);
    const view = await runRoute(staffBillingRoute.loader, getPage(path, supportCookie), params);
    expect(view.data).toMatchObject({ canMoveMoney: false, account: { balance: -4200 } });
    const refused = await runRoute(
      staffBillingRoute.action,
      postForm(path, supportCookie, { intent: 'credit', amount: '10', reason: 'Goodwill' }),
      params,
    );
    expect(refused.status).toBe(403);
    const adminCookie = await cookieFor(t.db, c.admin.id);
    const added = await runRoute(
      staffBillingRoute.action,
      postForm(path, adminCookie, {
        intent: 'add-service',
        type: 'POS_MAINTENANCE',
        name: 'Support plan',
        fee: '12.50',
      }),
      params,
    );
    expect(added.status).toBe(302);
    const bad = await runRoute(
      staffBillingRoute.action,
      postForm(path, adminCookie, { intent: 'payment', amount: '-5', method: 'CASH' }),
      params,
    );
    expect(bad.status).toBe(400);
    const paid = await runRoute(
      staffBillingRoute.action,
      postForm(path, adminCookie, {
        intent: 'payment',
        amount: '42.00',
        method: 'BANK_TRANSFER',
        invoiceNumber: c.invoice.invoiceNumber!,
      }),
      params,
    );
    expect(paid.status).toBe(302);
    const after = await runRoute(staffBillingRoute.loader, getPage(path, adminCookie), params);
    expect(after.data).toMatchObject({ account: { balance: 0 }, canMoveMoney: true });
    expect(
      (after.data as { services: { name: string; monthlyFee: number }[] }).services.map((s) => [
        s.name,
        s.monthlyFee,
      ]),
    ).toContainEqual(['Support plan', 1250]);
  });
});
