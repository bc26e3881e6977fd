// Building blocks of the store pages: product cards, stock and rating badges, the add-to-cart form (a plain
// POST /cart without JavaScript; in place with a pending state and its answer when JavaScript is there),
// and the money summary shared by the cart, checkout and order pages.
import { Link, useFetcher } from '@remix-run/react';
import { type ReactNode, useEffect, useState } from 'react';
import { formatMoney, PRODUCT_TYPE_LABELS, type StockState } from './format';

export function Money({ cents, currency }: { cents: number; currency: string }) {
  return <span className="tabular-nums">{formatMoney(cents, currency)}</span>;
}

export function StockBadge({ stock }: { stock: StockState }) {
  if (stock.kind === 'sold_out')
    return (
      <span className="rounded-full bg-slate-200 px-2 py-0.5 text-xs font-semibold text-slate-800">
        Sold out
      </span>
    );
  if (stock.kind === 'low')
    return (
      <span className="rounded-full bg-amber-100 px-2 py-0.5 text-xs font-semibold text-amber-900">
        {stock.label}
      </span>
    );
  if (stock.kind === 'in_stock')
    return <span className="rounded-full bg-emerald-50 px-2 py-0.5 text-xs text-emerald-900">In stock</span>;
  return null;
}

export function Stars({ rating, count }: { rating: number | null; count: number }) {
  if (rating === null || count === 0) return <span className="text-sm text-slate-600">No reviews yet</span>;
  const full = Math.round(rating);
  return (
    <span className="text-sm text-slate-700">
      <span aria-hidden="true" className="text-amber-500">
        {'★'.repeat(full)}
        {'☆'.repeat(5 - full)}
      </span>{' '}
      <span>
        {rating.toFixed(1)} out of 5 ({count} review{count === 1 ? '' : 's'})
      </span>
    </span>
  );
}

export interface CardData {
  name: string;
  slug: string;
  shortDescription: string | null;
  type: keyof typeof PRODUCT_TYPE_LABELS;
  featured: boolean;
  image: string | null;
  fromPrice: number;
  currency: string;
  stock: StockState;
  rating: number | null;
  reviewCount: number;
}

export function ProductCard({ product }: { product: CardData }) {
  return (
    <article className="card flex h-full flex-col gap-3" data-product={product.slug}>
      {product.image ? (
        <img
          src={product.image}
          alt=""
          className="aspect-video w-full rounded-md bg-slate-100 object-cover"
        />
      ) : (
        <div
          aria-hidden="true"
          className="aspect-video w-full rounded-md bg-gradient-to-br from-brand-50 to-slate-100"
        />
      )}
      <div className="flex flex-wrap items-center gap-2 text-xs">
        <span className="text-slate-600">{PRODUCT_TYPE_LABELS[product.type]}</span>
        {product.featured ? (
          <span className="rounded-full bg-brand-50 px-2 py-0.5 font-semibold text-brand-700">Featured</span>
        ) : null}
        <StockBadge stock={product.stock} />
      </div>
      <h2 className="text-lg font-semibold">
        <Link to={`/store/${product.slug}`} className="link">
          {product.name}
        </Link>
      </h2>
      {product.shortDescription ? <p className="text-sm text-slate-700">{product.shortDescription}</p> : null}
      <div className="mt-auto flex flex-wrap items-center justify-between gap-2">
        <span className="font-semibold">
          <Money cents={product.fromPrice} currency={product.currency} />
        </span>
        <Stars rating={product.rating} count={product.reviewCount} />
      </div>
    </article>
  );
}

interface CartAnswer {
  ok?: boolean;
  message?: string;
  error?: string;
  fieldErrors?: Record<string, string[]>;
}

/** POST /cart intent=add: works as a plain form; with JavaScript it answers in place. */
export function AddToCartForm({
  priceId,
  label,
  disabled,
  maxQuantity,
  id,
}: {
  priceId: string;
  label: string;
  disabled?: boolean;
  maxQuantity: number;
  id: string;
}) {
  const fetcher = useFetcher<CartAnswer>();
  // Rendered only once hydrated: without JavaScript the POST redirects to /cart, with it the answer stays here.
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  const pending = fetcher.state !== 'idle';
  const error = fetcher.data?.fieldErrors?.quantity?.[0] ?? fetcher.data?.error;
  return (
    <fetcher.Form method="post" action="/cart" className="flex flex-wrap items-end gap-3">
      <input type="hidden" name="intent" value="add" />
      <input type="hidden" name="priceId" value={priceId} />
      {hydrated ? <input type="hidden" name="inPlace" value="1" /> : null}
      <div>
        <label htmlFor={`${id}-quantity`} className="label">
          Quantity
        </label>
        <input
          id={`${id}-quantity`}
          name="quantity"
          type="number"
          inputMode="numeric"
          min={1}
          max={maxQuantity}
          defaultValue={1}
          className="input mt-1 w-24"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
        />
      </div>
      <button type="submit" className="btn-primary" disabled={disabled || pending} aria-busy={pending}>
        {pending ? 'Adding…' : label}
      </button>
      <div aria-live="polite" className="w-full text-sm">
        {error ? (
          <p id={`${id}-error`} role="alert" className="text-red-700">
            {error}
          </p>
        ) : fetcher.data?.ok ? (
          <p className="text-emerald-800">
            {fetcher.data.message}{' '}
            <Link to="/cart" className="link">
              View cart
            </Link>
          </p>
        ) : null}
      </div>
    </fetcher.Form>
  );
}

export function SummaryRow({
  label,
  children,
  strong,
}: {
  label: ReactNode;
  children: ReactNode;
  strong?: boolean;
}) {
  return (
    <div
      className={`flex justify-between gap-4 py-1 ${strong ? 'border-t border-slate-200 pt-2 text-base font-semibold' : 'text-sm'}`}
    >
      <dt>{label}</dt>
      <dd className="tabular-nums">{children}</dd>
    </div>
  );
}

export function Totals({
  subtotal,
  discountAmount,
  taxAmount,
  totalAmount,
  currency,
  code,
}: {
  subtotal: number;
  discountAmount: number;
  taxAmount: number;
  totalAmount: number;
  currency: string;
  code?: string | null;
}) {
  return (
    <dl aria-label="Order total">
      <SummaryRow label="Subtotal">{formatMoney(subtotal, currency)}</SummaryRow>
      {discountAmount > 0 ? (
        <SummaryRow label={code ? `Discount (${code})` : 'Discount'}>
          −{formatMoney(discountAmount, currency)}
        </SummaryRow>
      ) : null}
      <SummaryRow label="Tax">{formatMoney(taxAmount, currency)}</SummaryRow>
      <SummaryRow label="Total" strong>
        {formatMoney(totalAmount, currency)}
      </SummaryRow>
    </dl>
  );
}

export function Notices({ notices }: { notices: string[] }) {
  if (notices.length === 0) return null;
  return (
    <div
      role="status"
      className="space-y-1 rounded-md bg-amber-50 px-4 py-3 text-sm text-amber-950 ring-1 ring-amber-200"
    >
      <p className="font-semibold">Your cart changed since you last saw it</p>
      <ul className="list-disc pl-5">
        {notices.map((n) => (
          <li key={n}>{n}</li>
        ))}
      </ul>
    </div>
  );
}
