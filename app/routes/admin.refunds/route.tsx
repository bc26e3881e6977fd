// /admin/refunds (issue 13 §8–9): platform ADMIN finds an order by number (or picks a recent one), sees
// what was paid, refunded and is still refundable with its refund history, and issues a full or partial
// refund with a reason from seed 003 (through Stripe for Stripe orders, recorded directly for local ones).
// The newest refunds are listed below. SUPPORT never refunds (SPEC §2): 403 with the reason.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { type AdminAnswer, AdminInput, AdminSelect, AnswerAlert, answerFor } from '~/admin/form-fields';
import { requireStaff } from '~/admin/staff.server';
import { SubmitButton } from '~/components/form';
import { NotFound } from '~/lib/errors';
import { done, httpErrorOf, loaderFailure } from '~/lib/http.server';
import { formatDate, PageHeading, ScrollRegion } from '~/orgs/components';
import { formatMoney } from '~/store/format';
import {
  centsFromInput,
  findOrderForRefund,
  issueRefund,
  listRefundableOrders,
  listRefunds,
  REFUND_REASON_LABELS,
  REFUND_REASONS,
} from '~/store/refunds.server';

export const meta: MetaFunction = () => [{ title: 'Refunds · Admin · SaaS Platform' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { db, actor } = await requireStaff(request, 'money:move');
  const orderNumber = (new URL(request.url).searchParams.get('order') ?? '').trim().slice(0, 40);
  const [recent, refundable] = await Promise.all([
    listRefunds(db, actor),
    listRefundableOrders(db, actor),
  ]).catch(loaderFailure);
  let order: Awaited<ReturnType<typeof findOrderForRefund>> | null = null;
  let lookupError: string | null = null;
  if (orderNumber) {
    try {
      order = await findOrderForRefund(db, actor, orderNumber);
    } catch (err) {
      if (!(err instanceof NotFound)) loaderFailure(err);
      lookupError = (err as Error).message;
    }
  }
  return data(
    {
      orderNumber,
      order,
      lookupError,
      recent,
      refundable,
      reasons: REFUND_REASONS.map((r) => ({ value: r, label: REFUND_REASON_LABELS[r] })),
      labels: REFUND_REASON_LABELS as Record<string, string>,
    },
    { status: lookupError ? 404 : 200 },
  );
}

export async function action({ request }: ActionFunctionArgs) {
  const { db, actor } = await requireStaff(request, 'money:move');
  const form = await request.formData();
  if (form.get('intent') !== 'refund')
    return data<AdminAnswer>({ form: 'unknown', error: 'Unknown action.' }, { status: 400 });
  const values = {
    orderId: String(form.get('orderId') ?? ''),
    amount: String(form.get('amount') ?? ''),
    reason: String(form.get('reason') ?? ''),
    notes: String(form.get('notes') ?? ''),
  };
  const cents = centsFromInput.safeParse(values.amount);
  if (!cents.success) {
    const message = cents.error.issues[0]?.message ?? 'Enter an amount.';
    return data<AdminAnswer>(
      { form: 'refund', error: message, fieldErrors: { amount: [message] }, values },
      { status: 400 },
    );
  }
  try {
    const { refund, order } = await issueRefund(db, actor, {
      orderId: values.orderId,
      amount: cents.data,
      reason: values.reason as never,
      notes: values.notes,
    });
    return done(
      `/admin/refunds?order=${encodeURIComponent(order.orderNumber)}`,
      `Refunded ${formatMoney(refund.amount, refund.currency)} of order ${order.orderNumber}.`,
    );
  } catch (err) {
    const failure = httpErrorOf(err);
    if (!failure) throw err;
    if (failure.status === 404) throw new Response(failure.message, { status: 404 });
    return data<AdminAnswer>(
      { form: 'refund', error: failure.message, fieldErrors: failure.fieldErrors, values },
      { status: failure.status },
    );
  }
}

const STATUS_LABEL: Record<string, string> = {
  SUCCEEDED: 'succeeded',
  PENDING: 'waiting for Stripe',
  FAILED: 'failed',
  CANCELED: 'canceled',
};

function RefundTable({
  rows,
  label,
  labels,
}: {
  rows: ReturnType<typeof useLoaderData<typeof loader>>['recent'];
  label: string;
  labels: Record<string, string>;
}) {
  return (
    <ScrollRegion label={label}>
      <table className="w-full min-w-[36rem] text-left text-sm">
        <thead>
          <tr className="border-b border-slate-200 text-slate-600">
            <th scope="col" className="py-2 pr-3">
              Date
            </th>
            <th scope="col" className="py-2 pr-3">
              Order
            </th>
            <th scope="col" className="py-2 pr-3">
              Amount
            </th>
            <th scope="col" className="py-2 pr-3">
              Reason
            </th>
            <th scope="col" className="py-2 pr-3">
              Status
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} className="border-b border-slate-100">
              <td className="py-2 pr-3">{formatDate(r.createdAt)}</td>
              <td className="py-2 pr-3">
                <Link to={`/admin/refunds?order=${encodeURIComponent(r.orderNumber)}`} className="link">
                  {r.orderNumber}
                </Link>
              </td>
              <td className="py-2 pr-3">{formatMoney(r.amount, r.currency)}</td>
              <td className="py-2 pr-3">
                {labels[r.reason] ?? r.reason}
                {r.notes ? <span className="block text-xs text-slate-600">{r.notes}</span> : null}
              </td>
              <td className="py-2 pr-3">{STATUS_LABEL[r.status] ?? r.status}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}

export default function AdminRefunds() {
  const { orderNumber, order, lookupError, recent, refundable, reasons, labels } =
    useLoaderData<typeof loader>();
  const answer = answerFor(useActionData<typeof action>() as AdminAnswer | undefined, 'refund');
  return (
    <div className="space-y-6">
      <div>
        <p className="text-sm text-slate-600">Platform admin · Store</p>
        <PageHeading title="Refunds" />
      </div>
      <Form
        method="get"
        className="card flex flex-wrap items-end gap-3"
        role="search"
        aria-label="Find an order"
      >
        <div>
          <label htmlFor="order" className="label">
            Order number
          </label>
          <input
            id="order"
            name="order"
            className="input mt-1"
            placeholder="ORD-2026-000123"
            defaultValue={orderNumber}
            aria-describedby={lookupError ? 'order-error' : undefined}
          />
          {lookupError ? (
            <p id="order-error" className="field-error">
              {lookupError}
            </p>
          ) : null}
        </div>
        <button type="submit" className="btn-secondary">
          Find order
        </button>
      </Form>

      {order ? (
        <section aria-labelledby="order-heading" className="card space-y-4" data-order={order.orderNumber}>
          <h2 id="order-heading" className="text-lg font-semibold">
            Order {order.orderNumber}
          </h2>
          <dl className="grid gap-2 text-sm sm:grid-cols-4">
            <div>
              <dt className="text-slate-600">Buyer</dt>
              <dd className="break-all">{order.buyerEmail}</dd>
            </div>
            <div>
              <dt className="text-slate-600">Paid</dt>
              <dd>{formatMoney(order.totalAmount, order.currency)}</dd>
            </div>
            <div>
              <dt className="text-slate-600">Refunded</dt>
              <dd>
                {formatMoney(order.refundedAmount, order.currency)}
                {order.pendingAmount ? ` (+${formatMoney(order.pendingAmount, order.currency)} pending)` : ''}
              </dd>
            </div>
            <div>
              <dt className="text-slate-600">Status</dt>
              <dd>
                {order.status === 'COMPLETED' && order.refundedAmount > 0
                  ? 'partially refunded'
                  : order.status.toLowerCase()}
                {order.viaStripe ? ' · paid with Stripe' : ' · local payment'}
              </dd>
            </div>
          </dl>
          {order.refundable > 0 ? (
            <Form
              method="post"
              className="grid gap-3 sm:grid-cols-3 sm:items-start"
              aria-label="Issue a refund"
            >
              <input type="hidden" name="intent" value="refund" />
              <input type="hidden" name="orderId" value={order.id} />
              <AdminInput
                name="amount"
                label="Amount (USD)"
                answer={answer}
                defaultValue={(order.refundable / 100).toFixed(2)}
                inputMode="decimal"
                required
                hint={`At most ${formatMoney(order.refundable, order.currency)}.`}
              />
              <AdminSelect
                name="reason"
                label="Reason"
                answer={answer}
                options={reasons}
                defaultValue="REQUESTED_BY_CUSTOMER"
              />
              <AdminInput name="notes" label="Notes (optional)" answer={answer} maxLength={500} />
              <div className="sm:col-span-3">
                <AnswerAlert answer={answer?.fieldErrors ? undefined : answer} />
                <SubmitButton className="btn-danger" pendingLabel="Refunding…">
                  Issue refund
                </SubmitButton>
              </div>
            </Form>
          ) : (
            <p className="rounded-md bg-slate-50 px-3 py-2 text-sm text-slate-700">
              Nothing is left to refund on this order.
            </p>
          )}
          {order.refunds.length ? (
            <RefundTable rows={order.refunds} label="This order's refunds" labels={labels} />
          ) : null}
        </section>
      ) : null}

      {refundable.length ? (
        <section aria-labelledby="refundable-heading" className="space-y-2">
          <h2 id="refundable-heading" className="text-lg font-semibold">
            Recent paid orders
          </h2>
          <ul className="card divide-y divide-slate-100">
            {refundable.map((o) => (
              <li key={o.id} className="flex flex-wrap items-center justify-between gap-2 py-2 text-sm">
                <Link to={`/admin/refunds?order=${encodeURIComponent(o.orderNumber)}`} className="link">
                  {o.orderNumber}
                </Link>
                <span>
                  {formatMoney(o.totalAmount, o.currency)}
                  {o.refundedAmount ? ` · ${formatMoney(o.refundedAmount, o.currency)} refunded` : ''}
                </span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <section aria-labelledby="recent-heading" className="space-y-2">
        <h2 id="recent-heading" className="text-lg font-semibold">
          Latest refunds
        </h2>
        {recent.length ? (
          <RefundTable rows={recent} label="Latest refunds" labels={labels} />
        ) : (
          <p className="card text-slate-700">No refunds yet.</p>
        )}
      </section>
    </div>
  );
}
