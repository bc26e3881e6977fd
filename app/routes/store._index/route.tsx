// /store (issue 13 §1, fixed contract): the published catalog. Search, category, type and price filters
// are one GET form (works without JavaScript; the URL is shareable), featured products first, 12 a page.
import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { getDb } from '~/db.server';
import { PageHeading } from '~/orgs/components';
import { type CategoryNode, listCatalog } from '~/store/catalog.server';
import { ProductCard } from '~/store/components';
import { PRODUCT_TYPE_LABELS } from '~/store/format';

export const meta: MetaFunction = () => [
  { title: 'Store · SaaS Platform' },
  { name: 'description', content: 'Plans, downloads and services from SaaS Platform.' },
];

export async function loader({ request }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  const catalog = await listCatalog(await getDb(), Object.fromEntries(url.searchParams));
  return data(catalog);
}

function CategoryLinks({
  nodes,
  current,
  params,
}: {
  nodes: CategoryNode[];
  current?: string;
  params: URLSearchParams;
}) {
  if (nodes.length === 0) return null;
  return (
    <ul className="space-y-1 pl-3 first:pl-0">
      {nodes.map((c) => {
        const next = new URLSearchParams(params);
        next.set('category', c.slug);
        next.delete('page');
        return (
          <li key={c.id}>
            <Link
              to={`/store?${next}`}
              className={c.slug === current ? 'font-semibold text-brand-700' : 'link'}
              aria-current={c.slug === current ? 'page' : undefined}
            >
              {c.name}
            </Link>
            <CategoryLinks nodes={c.children} current={current} params={params} />
          </li>
        );
      })}
    </ul>
  );
}

export default function Store() {
  const { products, total, page, pageCount, categories, query, invalid } = useLoaderData<typeof loader>();
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query))
    if (v !== undefined && v !== '' && k !== 'page') params.set(k, String(v));
  const pageLink = (p: number) => {
    const next = new URLSearchParams(params);
    next.set('page', String(p));
    return `/store?${next}`;
  };
  const withoutCategory = new URLSearchParams(params);
  withoutCategory.delete('category');
  return (
    <div className="space-y-6">
      <PageHeading title="Store" />
      <Form
        method="get"
        role="search"
        aria-label="Search the store"
        className="card grid gap-3 sm:grid-cols-2 lg:grid-cols-5"
      >
        <div className="sm:col-span-2">
          <label htmlFor="store-q" className="label">
            Search
          </label>
          <input
            id="store-q"
            name="q"
            type="search"
            defaultValue={query.q ?? ''}
            className="input mt-1"
            maxLength={200}
          />
        </div>
        <div>
          <label htmlFor="store-type" className="label">
            Type
          </label>
          <select id="store-type" name="type" defaultValue={query.type ?? ''} className="input mt-1">
            <option value="">All types</option>
            {Object.entries(PRODUCT_TYPE_LABELS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="store-min" className="label">
            Min price ($)
          </label>
          <input
            id="store-min"
            name="minPrice"
            inputMode="decimal"
            defaultValue={query.minPrice ?? ''}
            className="input mt-1"
            aria-invalid={invalid.includes('minPrice') || undefined}
            aria-describedby={invalid.includes('minPrice') ? 'store-min-error' : undefined}
          />
          {invalid.includes('minPrice') ? (
            <p id="store-min-error" className="field-error">
              Enter a price like 10 or 9.99.
            </p>
          ) : null}
        </div>
        <div>
          <label htmlFor="store-max" className="label">
            Max price ($)
          </label>
          <input
            id="store-max"
            name="maxPrice"
            inputMode="decimal"
            defaultValue={query.maxPrice ?? ''}
            className="input mt-1"
            aria-invalid={invalid.includes('maxPrice') || undefined}
            aria-describedby={invalid.includes('maxPrice') ? 'store-max-error' : undefined}
          />
          {invalid.includes('maxPrice') ? (
            <p id="store-max-error" className="field-error">
              Enter a price like 10 or 9.99.
            </p>
          ) : null}
        </div>
        {query.category ? <input type="hidden" name="category" value={query.category} /> : null}
        <div className="flex items-end gap-2 sm:col-span-2 lg:col-span-5">
          <button type="submit" className="btn-primary">
            Search
          </button>
          <Link to="/store" className="btn-secondary">
            Clear
          </Link>
        </div>
      </Form>
      <div className="grid gap-6 lg:grid-cols-[14rem_1fr]">
        <nav aria-label="Categories" className="card h-fit text-sm">
          <h2 className="mb-2 font-semibold">Categories</h2>
          <ul className="mb-1">
            <li>
              <Link
                to={`/store?${withoutCategory}`}
                className={query.category ? 'link' : 'font-semibold text-brand-700'}
              >
                All products
              </Link>
            </li>
          </ul>
          <CategoryLinks nodes={categories} current={query.category} params={params} />
        </nav>
        <section aria-labelledby="results-heading" className="space-y-4">
          <h2 id="results-heading" className="text-sm text-slate-700" aria-live="polite">
            {total === 0 ? 'No products match.' : `${total} product${total === 1 ? '' : 's'}`}
            {query.q ? ` for “${query.q}”` : ''}
          </h2>
          <ul className="grid gap-4 sm:grid-cols-2 xl:grid-cols-3">
            {products.map((p) => (
              <li key={p.id}>
                <ProductCard product={p} />
              </li>
            ))}
          </ul>
          {pageCount > 1 ? (
            <nav aria-label="Pages" className="flex items-center justify-between gap-2 text-sm">
              {page > 1 ? (
                <Link to={pageLink(page - 1)} className="btn-secondary" rel="prev">
                  Previous
                </Link>
              ) : (
                <span />
              )}
              <span>
                Page {page} of {pageCount}
              </span>
              {page < pageCount ? (
                <Link to={pageLink(page + 1)} className="btn-secondary" rel="next">
                  Next
                </Link>
              ) : (
                <span />
              )}
            </nav>
          ) : null}
        </section>
      </div>
    </div>
  );
}
