// /admin/products (issue 13 §9): the store's products for platform ADMIN — search, status filter (a GET
// form, so it works without JavaScript), price, stock and active prices at a glance. SUPPORT gets 403
// with the reason ('store:manage'); everyone else 404, like every /admin URL for non-staff.
import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { requireStaff } from '~/admin/staff.server';
import { loaderFailure } from '~/lib/http.server';
import { formatDate, PageHeading, ScrollRegion } from '~/orgs/components';
import { listProductsAdmin } from '~/store/catalog-admin.server';
import { formatMoney } from '~/store/format';

export const meta: MetaFunction = () => [{ title: 'Products · Admin · SaaS Platform' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { db, actor } = await requireStaff(request, 'store:manage');
  const url = new URL(request.url);
  const filter = {
    q: url.searchParams.get('q') ?? undefined,
    status: url.searchParams.get('status') ?? undefined,
  };
  const products = await listProductsAdmin(db, actor, filter).catch(loaderFailure);
  return data({ products, filter });
}

const STATUS_STYLE: Record<string, string> = {
  PUBLISHED: 'bg-green-100 text-green-900',
  DRAFT: 'bg-slate-100 text-slate-800',
  ARCHIVED: 'bg-amber-100 text-amber-900',
};

export default function AdminProducts() {
  const { products, filter } = useLoaderData<typeof loader>();
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <p className="text-sm text-slate-600">Platform admin · Store</p>
          <PageHeading title="Products" />
        </div>
        <Link to="/admin/products/new" className="btn-primary">
          New product
        </Link>
      </div>
      <Form
        method="get"
        className="card flex flex-wrap items-end gap-3"
        role="search"
        aria-label="Filter products"
      >
        <div>
          <label htmlFor="q" className="label">
            Search
          </label>
          <input id="q" name="q" type="search" className="input mt-1" defaultValue={filter.q ?? ''} />
        </div>
        <div>
          <label htmlFor="status" className="label">
            Status
          </label>
          <select id="status" name="status" className="input mt-1" defaultValue={filter.status ?? ''}>
            <option value="">Any</option>
            <option value="DRAFT">Draft</option>
            <option value="PUBLISHED">Published</option>
            <option value="ARCHIVED">Archived</option>
          </select>
        </div>
        <button type="submit" className="btn-secondary">
          Filter
        </button>
      </Form>
      {products.length === 0 ? (
        <p className="card text-slate-700">No products match.</p>
      ) : (
        <ScrollRegion label="Products">
          <table className="w-full min-w-[40rem] text-left text-sm">
            <thead>
              <tr className="border-b border-slate-200 text-slate-600">
                <th scope="col" className="py-2 pr-3">
                  Product
                </th>
                <th scope="col" className="py-2 pr-3">
                  Status
                </th>
                <th scope="col" className="py-2 pr-3">
                  Type
                </th>
                <th scope="col" className="py-2 pr-3">
                  Base price
                </th>
                <th scope="col" className="py-2 pr-3">
                  Stock
                </th>
                <th scope="col" className="py-2 pr-3">
                  Updated
                </th>
              </tr>
            </thead>
            <tbody>
              {products.map((p) => (
                <tr key={p.id} className="border-b border-slate-100" data-product={p.slug}>
                  <td className="py-2 pr-3">
                    <Link to={`/admin/products/${p.id}`} className="link font-medium">
                      {p.name}
                    </Link>
                    <span className="block text-xs text-slate-600">
                      /store/{p.slug} · {p.activePrices} active price{p.activePrices === 1 ? '' : 's'}
                      {p.featured ? ' · featured' : ''}
                    </span>
                  </td>
                  <td className="py-2 pr-3">
                    <span
                      className={`rounded px-2 py-0.5 text-xs font-semibold ${STATUS_STYLE[p.status] ?? ''}`}
                    >
                      {p.status.toLowerCase()}
                    </span>
                  </td>
                  <td className="py-2 pr-3">{p.type.toLowerCase().replaceAll('_', ' ')}</td>
                  <td className="py-2 pr-3">{formatMoney(p.basePrice, p.currency)}</td>
                  <td className="py-2 pr-3">{p.trackInventory ? p.stockQuantity : 'not tracked'}</td>
                  <td className="py-2 pr-3">{formatDate(p.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
    </div>
  );
}
