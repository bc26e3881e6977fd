// /admin/organizations/:slug/billing (SPEC §2 platform staff, issue 11 §1 and §7): an organization's billing
// account as staff see it — status, balance, available credit, services, invoices, payments and credits —
// and, for platform ADMIN only, the seed 002 operations: add, suspend, resume and cancel services, record a
// bank transfer or cash payment, issue a credit, void an unpaid invoice. SUPPORT reads and is told why the
// forms are missing. Non-staff get 404. Plain POST forms; each error shows next to its form.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { staffCan } from '~/admin/permissions';
import { requireStaff } from '~/admin/staff.server';
import { SubmitButton } from '~/components/form';
import { formatMoney, statusLabel } from '~/invoicing/format';
import {
  addService,
  changeService,
  dollars,
  issueCredit,
  organizationBillingForStaff,
  recordManualPayment,
  voidInvoice,
} from '~/invoicing/staff.server';
import { badIntent, done, type FormAnswer, formError, loaderFailure } from '~/lib/http.server';
import { ErrorMessage, formatDate, PageHeading, ScrollRegion } from '~/orgs/components';

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [
  { title: `${d ? `${d.organization.name} · ` : ''}Billing · Admin · SaaS Platform` },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { db, role } = await requireStaff(request, 'organizations:read');
  const billing = await organizationBillingForStaff(db, String(params.slug)).catch(loaderFailure);
  return data({ ...billing, canMoveMoney: staffCan(role, 'money:move') });
}

const serviceForm = z.object({
  type: z.enum(['POS_TERMINAL', 'POS_MAINTENANCE', 'FUTURE_PRODUCT']),
  name: z.string(),
  hardwareSerial: z.string().optional(),
  fee: dollars,
});
const paymentForm = z.object({
  amount: dollars,
  method: z.enum(['BANK_TRANSFER', 'CASH'], {
    errorMap: () => ({ message: 'Choose bank transfer or cash' }),
  }),
  invoiceNumber: z.string().optional(),
});
const creditForm = z.object({ amount: dollars, reason: z.string() });

export async function action({ request, params }: ActionFunctionArgs) {
  const { db, actor } = await requireStaff(request);
  const billing = await organizationBillingForStaff(db, String(params.slug)).catch(loaderFailure);
  const organizationId = billing.organization.id;
  const here = `/admin/organizations/${billing.organization.slug}/billing`;
  const form = Object.fromEntries(await request.formData()) as Record<string, string>;
  const intent = form.intent;
  try {
    if (intent === 'add-service') {
      const v = serviceForm.parse(form);
      await addService(db, actor, {
        organizationId,
        type: v.type,
        name: v.name,
        hardwareSerial: v.hardwareSerial,
        monthlyFee: v.fee,
      });
      return done(here, `Added the service ${v.name}.`);
    }
    if (intent === 'suspend' || intent === 'resume' || intent === 'cancel') {
      const service = await changeService(db, actor, {
        organizationId,
        serviceId: String(form.serviceId),
        change: intent,
      });
      return done(here, `${service.name} is now ${service.status.toLowerCase()}.`);
    }
    if (intent === 'payment') {
      const v = paymentForm.parse(form);
      await recordManualPayment(db, actor, {
        organizationId,
        amount: v.amount,
        method: v.method,
        invoiceNumber: v.invoiceNumber,
      });
      return done(
        here,
        `Recorded ${formatMoney(v.amount, 'USD')} by ${v.method === 'CASH' ? 'cash' : 'bank transfer'}.`,
      );
    }
    if (intent === 'credit') {
      const v = creditForm.parse(form);
      await issueCredit(db, actor, { organizationId, amount: v.amount, reason: v.reason });
      return done(here, `Issued a credit of ${formatMoney(v.amount, 'USD')}.`);
    }
    if (intent === 'void') {
      await voidInvoice(db, actor, {
        organizationId,
        invoiceNumber: String(form.invoiceNumber),
        reason: String(form.reason ?? ''),
      });
      return done(here, `Voided invoice ${form.invoiceNumber}.`);
    }
  } catch (err) {
    return formError(String(intent), null, err);
  }
  return badIntent();
}

function Alert({ answer, form }: { answer: FormAnswer | undefined; form: string }) {
  if (!answer || answer.form !== form || !answer.error) return null;
  return (
    <p role="alert" className="text-sm text-red-700">
      <ErrorMessage message={answer.error} />
    </p>
  );
}

const money = (cents: number) => formatMoney(cents, 'USD');

export default function StaffBilling() {
  const { organization, account, services, invoices, payments, credits, canMoveMoney } =
    useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>() as FormAnswer | undefined;
  const open = invoices.filter((i) => i.status !== 'PAID' && i.status !== 'VOID' && !i.stripeInvoiceId);
  return (
    <div className="space-y-8">
      <div>
        <p className="text-sm text-slate-600">Platform admin</p>
        <PageHeading title={`${organization.name}: billing`} />
        <Link to={`/o/${organization.slug}/billing`} className="text-sm text-brand-800 underline">
          The organization’s own billing page
        </Link>
      </div>

      <section aria-labelledby="account-heading" className="card">
        <h2 id="account-heading" className="text-lg font-semibold">
          Account
        </h2>
        <dl className="mt-2 grid gap-3 sm:grid-cols-4">
          <div>
            <dt className="text-sm text-slate-600">Status</dt>
            <dd className="font-semibold" data-account-status={account.status}>
              {account.status}
            </dd>
          </div>
          <div>
            <dt className="text-sm text-slate-600">Balance</dt>
            <dd className="font-semibold tabular-nums">{money(account.balance)}</dd>
          </div>
          <div>
            <dt className="text-sm text-slate-600">Available credit</dt>
            <dd className="font-semibold tabular-nums">{money(account.available)}</dd>
          </div>
          <div>
            <dt className="text-sm text-slate-600">Grace period</dt>
            <dd className="font-semibold">
              {account.gracePeriodDays} days
              {account.overdueSince ? ` · overdue since ${formatDate(account.overdueSince)}` : ''}
            </dd>
          </div>
        </dl>
        {canMoveMoney ? null : (
          <p className="mt-3 text-sm text-slate-700">
            Support staff read billing; only platform administrators move money.
          </p>
        )}
      </section>

      <section aria-labelledby="services-heading" className="card space-y-4">
        <h2 id="services-heading" className="text-lg font-semibold">
          Services
        </h2>
        {services.length === 0 ? (
          <p className="text-sm text-slate-700">No services yet.</p>
        ) : (
          <ul className="divide-y divide-slate-200">
            {services.map((s) => (
              <li
                key={s.id}
                className="flex flex-wrap items-center justify-between gap-3 py-2"
                data-service={s.name}
              >
                <span>
                  <span className="font-medium">{s.name}</span>{' '}
                  <span className="text-sm text-slate-600">
                    {s.type.replaceAll('_', ' ').toLowerCase()}
                    {s.hardwareSerial ? ` · ${s.hardwareSerial}` : ''} · {money(s.monthlyFee)}/month ·{' '}
                    {s.status.toLowerCase()}
                    {s.suspendedByBilling ? ' (by billing)' : ''}
                  </span>
                </span>
                {canMoveMoney && s.status !== 'CANCELED' ? (
                  <Form method="post" className="flex gap-2">
                    <input type="hidden" name="serviceId" value={s.id} />
                    {s.status === 'ACTIVE' ? (
                      <SubmitButton name="intent" value="suspend" className="btn-secondary">
                        Suspend
                      </SubmitButton>
                    ) : null}
                    {s.status === 'SUSPENDED' ? (
                      <SubmitButton name="intent" value="resume" className="btn-secondary">
                        Resume
                      </SubmitButton>
                    ) : null}
                    <SubmitButton name="intent" value="cancel" className="btn-danger">
                      Cancel
                    </SubmitButton>
                  </Form>
                ) : null}
              </li>
            ))}
          </ul>
        )}
        {['suspend', 'resume', 'cancel'].map((f) => (
          <Alert key={f} answer={answer} form={f} />
        ))}
        {canMoveMoney ? (
          <Form method="post" className="grid gap-3 sm:grid-cols-5 sm:items-end" aria-label="Add a service">
            <input type="hidden" name="intent" value="add-service" />
            <label className="text-sm">
              Type
              <select name="type" className="input mt-1 w-full">
                <option value="POS_TERMINAL">POS terminal</option>
                <option value="POS_MAINTENANCE">POS maintenance</option>
                <option value="FUTURE_PRODUCT">Other</option>
              </select>
            </label>
            <label className="text-sm">
              Name
              <input name="name" required className="input mt-1 w-full" />
            </label>
            <label className="text-sm">
              Hardware serial
              <input name="hardwareSerial" className="input mt-1 w-full" />
            </label>
            <label className="text-sm">
              Monthly fee ($)
              <input
                name="fee"
                inputMode="decimal"
                required
                className="input mt-1 w-full"
                placeholder="25.00"
              />
            </label>
            <SubmitButton className="btn-primary" pendingLabel="Adding…">
              Add service
            </SubmitButton>
            <div className="sm:col-span-5">
              <Alert answer={answer} form="add-service" />
            </div>
          </Form>
        ) : null}
      </section>

      {canMoveMoney ? (
        <section aria-labelledby="money-heading" className="grid gap-4 md:grid-cols-2">
          <h2 id="money-heading" className="sr-only">
            Payments and credits
          </h2>
          <Form method="post" className="card space-y-3">
            <h3 className="font-semibold">Record a payment</h3>
            <input type="hidden" name="intent" value="payment" />
            <label className="block text-sm">
              Amount ($)
              <input name="amount" inputMode="decimal" required className="input mt-1 w-full" />
            </label>
            <label className="block text-sm">
              Method
              <select name="method" className="input mt-1 w-full">
                <option value="BANK_TRANSFER">Bank transfer</option>
                <option value="CASH">Cash</option>
              </select>
            </label>
            <label className="block text-sm">
              Invoice (optional)
              <select name="invoiceNumber" className="input mt-1 w-full">
                <option value="">Not for one invoice (credit)</option>
                {open.map((i) => (
                  <option key={i.id} value={i.invoiceNumber ?? ''}>
                    {i.invoiceNumber} · {money(i.total - i.amountPaid)} due
                  </option>
                ))}
              </select>
            </label>
            <SubmitButton className="btn-primary" pendingLabel="Recording…">
              Record payment
            </SubmitButton>
            <Alert answer={answer} form="payment" />
          </Form>
          <Form method="post" className="card space-y-3">
            <h3 className="font-semibold">Issue a credit</h3>
            <input type="hidden" name="intent" value="credit" />
            <label className="block text-sm">
              Amount ($)
              <input name="amount" inputMode="decimal" required className="input mt-1 w-full" />
            </label>
            <label className="block text-sm">
              Reason
              <input name="reason" required minLength={3} className="input mt-1 w-full" />
            </label>
            <SubmitButton className="btn-primary" pendingLabel="Issuing…">
              Issue credit
            </SubmitButton>
            <Alert answer={answer} form="credit" />
          </Form>
        </section>
      ) : null}

      <section aria-labelledby="invoices-heading" className="card space-y-3">
        <h2 id="invoices-heading" className="text-lg font-semibold">
          Invoices
        </h2>
        <ScrollRegion label="Invoices">
          <table className="w-full min-w-[40rem] text-left text-sm">
            <thead className="text-slate-600">
              <tr>
                <th scope="col" className="py-2 pr-3">
                  Number
                </th>
                <th scope="col" className="py-2 pr-3 text-right">
                  Total
                </th>
                <th scope="col" className="py-2 pr-3 text-right">
                  Paid
                </th>
                <th scope="col" className="py-2 pr-3">
                  Status
                </th>
                <th scope="col" className="py-2">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-200">
              {invoices.map((i) => (
                <tr key={i.id}>
                  <td className="py-2 pr-3">{i.invoiceNumber}</td>
                  <td className="py-2 pr-3 text-right tabular-nums">{money(i.total)}</td>
                  <td className="py-2 pr-3 text-right tabular-nums">{money(i.amountPaid)}</td>
                  <td className="py-2 pr-3">
                    {statusLabel(i.status)}
                    {i.stripeInvoiceId ? ' (Stripe)' : ''}
                  </td>
                  <td className="py-2">
                    {canMoveMoney && !i.stripeInvoiceId && i.status !== 'VOID' && i.amountPaid === 0 ? (
                      <Form method="post" className="flex gap-2">
                        <input type="hidden" name="intent" value="void" />
                        <input type="hidden" name="invoiceNumber" value={i.invoiceNumber ?? ''} />
                        <input type="hidden" name="reason" value="Voided by staff" />
                        <SubmitButton className="btn-danger">Void</SubmitButton>
                      </Form>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
        <Alert answer={answer} form="void" />
      </section>

      <section aria-labelledby="movements-heading" className="card space-y-2">
        <h2 id="movements-heading" className="text-lg font-semibold">
          Payments and credits
        </h2>
        <ul className="divide-y divide-slate-200 text-sm">
          {payments.map((p) => (
            <li key={p.id} className="flex flex-wrap justify-between gap-2 py-2">
              <span>
                {formatDate(p.initiatedAt)} · {p.method.replaceAll('_', ' ').toLowerCase()}
              </span>
              <span className="tabular-nums">
                {money(p.amount)} · {p.status.toLowerCase()}
              </span>
            </li>
          ))}
          {credits.map((c) => (
            <li key={c.id} className="flex flex-wrap justify-between gap-2 py-2">
              <span>
                {formatDate(c.createdAt)} · credit: {c.reason}
              </span>
              <span className="tabular-nums">{money(c.amount)}</span>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
