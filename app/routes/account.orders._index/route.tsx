// /account/orders (issue 13 §3): the signed-in buyer's store orders, newest first.
import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { requireUser } from '~/auth/sessions.server';
import { formatDate, PageHeading, ScrollRegion } from '~/orgs/components';
import { Money } from '~/store/components';
import { ORDER_STATUS_LABELS } from '~/store/format';
import { listOrders } from '~/store/orders.server';

export const meta: MetaFunction = () => [{ title: 'Your orders · SaaS Platform' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const auth = await requireUser(request);
  return data(
    { orders: await listOrders(auth.db, auth.user.id) },
    { headers: { 'Cache-Control': 'no-store' } },
  );
}

export default function Orders() {
  const { orders } = useLoaderData<typeof loader>();
  return (
    <div className="mx-auto max-w-3xl space-y-6">
      <PageHeading title="Your orders" />
      {orders.length === 0 ? (
        <div className="card space-y-3">
          <p>You have not ordered anything yet.</p>
          <Link to="/store" className="btn-primary inline-block">
            Browse the store
          </Link>
        </div>
      ) : (
        <ScrollRegion label="Your orders">
          <table className="w-full text-left text-sm">
            <thead>
              <tr className="border-b border-slate-200">
                <th scope="col" className="py-2 pr-4">
                  Order
                </th>
                <th scope="col" className="py-2 pr-4">
                  Date
                </th>
                <th scope="col" className="py-2 pr-4">
                  Status
                </th>
                <th scope="col" className="py-2 text-right">
                  Total
                </th>
              </tr>
            </thead>
            <tbody>
              {orders.map((o) => (
                <tr key={o.id} className="border-b border-slate-100">
                  <td className="py-2 pr-4">
                    <Link to={`/account/orders/${o.orderNumber}`} className="link">
                      {o.orderNumber}
                    </Link>
                  </td>
                  <td className="py-2 pr-4">{formatDate(o.createdAt)}</td>
                  <td className="py-2 pr-4">
                    {ORDER_STATUS_LABELS[o.status as keyof typeof ORDER_STATUS_LABELS] ?? o.status}
                  </td>
                  <td className="py-2 text-right">
                    <Money cents={o.totalAmount} currency={o.currency} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
    </div>
  );
}
