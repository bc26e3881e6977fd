// /account/orders/:orderNumber (SPEC §7 fixed contract): one order and its receipt, for its buyer only
// (anyone else, or an unknown number: 404). Printable. After Stripe's redirect (?paid=1) an order the
// webhook has not confirmed yet says so.
import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { requireUser } from '~/auth/sessions.server';
import { loaderFailure } from '~/lib/http.server';
import { formatDate, PageHeading } from '~/orgs/components';
import { Money, Totals } from '~/store/components';
import { ORDER_STATUS_LABELS, PRODUCT_TYPE_LABELS } from '~/store/format';
import { orderForBuyer } from '~/store/orders.server';

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [
  { title: d ? `Order ${d.order.orderNumber} · SaaS Platform` : 'Order · SaaS Platform' },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const auth = await requireUser(request);
  const view = await orderForBuyer(auth.db, auth.user.id, String(params.orderNumber)).catch(loaderFailure);
  const url = new URL(request.url);
  return data(
    { ...view, justPaid: url.searchParams.get('paid') === '1' },
    { headers: { 'Cache-Control': 'no-store' } },
  );
}

export default function OrderPage() {
  const { order, items, organization, discountCode, justPaid } = useLoaderData<typeof loader>();
  const paid = order.paymentStatus === 'SUCCEEDED';
  const status = ORDER_STATUS_LABELS[order.status as keyof typeof ORDER_STATUS_LABELS] ?? order.status;
  return (
    <div className="mx-auto max-w-3xl space-y-6">
      <p className="text-sm print:hidden">
        <Link to="/account/orders" className="link">
          ← Your orders
        </Link>
      </p>
      <PageHeading title={`Order ${order.orderNumber}`} />
      {justPaid && order.status === 'PENDING' ? (
        <p role="status" className="rounded-md bg-sky-50 px-4 py-3 text-sm text-sky-900 ring-1 ring-sky-200">
          Thank you: the payment is being confirmed. Reload in a moment to see the order paid.
        </p>
      ) : null}
      <section aria-labelledby="receipt-heading" className="card space-y-4">
        <div className="flex flex-wrap items-baseline justify-between gap-2">
          <h2 id="receipt-heading" className="text-lg font-semibold">
            {paid ? 'Receipt' : 'Order summary'}
          </h2>
          <p>
            <span className="sr-only">Status: </span>
            <span
              className={`rounded-full px-2 py-0.5 text-sm font-semibold ${paid ? 'bg-emerald-50 text-emerald-900' : 'bg-slate-100 text-slate-800'}`}
              data-status={order.status}
            >
              {status}
            </span>
          </p>
        </div>
        <dl className="grid gap-1 text-sm sm:grid-cols-2">
          <div>
            <dt className="inline text-slate-600">Placed: </dt>
            <dd className="inline">{formatDate(order.createdAt)}</dd>
          </div>
          {order.completedAt ? (
            <div>
              <dt className="inline text-slate-600">Paid: </dt>
              <dd className="inline">
                {formatDate(order.completedAt)}
                {order.paymentMethod === 'card'
                  ? ' by card'
                  : order.paymentMethod === 'local'
                    ? ' (demo payment)'
                    : ''}
              </dd>
            </div>
          ) : null}
          {organization ? (
            <div>
              <dt className="inline text-slate-600">For: </dt>
              <dd className="inline">{organization.name}</dd>
            </div>
          ) : null}
        </dl>
        <ul className="divide-y divide-slate-100">
          {items.map((i) => (
            <li key={i.id} className="flex flex-wrap justify-between gap-2 py-2 text-sm">
              <span>
                {i.quantity} ×{' '}
                <Link to={`/store/${i.productSlug}`} className="link">
                  {i.productName}
                </Link>{' '}
                <span className="text-slate-600">
                  ({PRODUCT_TYPE_LABELS[i.productType]}
                  {i.accessExpiresAt ? `, access until ${formatDate(i.accessExpiresAt)}` : ''})
                </span>
              </span>
              <Money cents={i.totalPrice} currency={order.currency} />
            </li>
          ))}
        </ul>
        <Totals {...order} code={discountCode} />
        {order.refundedAmount > 0 ? (
          <p className="text-sm">
            Refunded: <Money cents={order.refundedAmount} currency={order.currency} />
          </p>
        ) : null}
        <p className="text-sm text-slate-600 print:hidden">
          {order.status === 'PENDING'
            ? 'Waiting for payment. An unpaid order is released after an hour.'
            : 'A receipt was emailed to you.'}
        </p>
      </section>
    </div>
  );
}
