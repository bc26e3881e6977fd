// /store/:slug (issue 13 §1, fixed contract): a published product: images, its active prices (one-time and
// recurring), tax rate, stock ("3 left" under low_stock_threshold, "Sold out"), reviews with their average,
// and JSON-LD Product markup. Drafts, archived and soft-deleted products are 404.
import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { getDb } from '~/db.server';
import { env } from '~/env.server';
import { loaderFailure } from '~/lib/http.server';
import { useNonce } from '~/lib/nonce';
import { formatDate } from '~/orgs/components';
import { productBySlug } from '~/store/catalog.server';
import { AddToCartForm, Money, Stars, StockBadge } from '~/store/components';
import { formatMoney, formatTaxRate, intervalOf, MAX_QUANTITY, PRODUCT_TYPE_LABELS } from '~/store/format';
import { ReviewActions } from '~/store/reviews-ui';

export const meta: MetaFunction<typeof loader> = ({ data: d }) =>
  d
    ? [
        { title: `${d.product.metaTitle ?? d.product.name} · Store · SaaS Platform` },
        { name: 'description', content: d.product.metaDescription ?? d.product.shortDescription ?? '' },
      ]
    : [{ title: 'Product not found · Store · SaaS Platform' }];

export async function loader({ params }: LoaderFunctionArgs) {
  const page = await productBySlug(await getDb(), String(params.slug)).catch(loaderFailure);
  const { product } = page;
  const url = `${env().APP_URL}/store/${product.slug}`;
  // schema.org Product: what search engines read (prices in currency units, as schema.org wants).
  const jsonLd = {
    '@context': 'https://schema.org',
    '@type': 'Product',
    name: product.name,
    description: product.shortDescription ?? product.description,
    url,
    ...(page.images.length ? { image: page.images } : {}),
    ...(product.tags.length ? { keywords: product.tags.join(', ') } : {}),
    offers: page.prices.map((p) => ({
      '@type': 'Offer',
      price: (p.unitAmount / 100).toFixed(2),
      priceCurrency: p.currency,
      url,
      availability:
        product.trackInventory && page.stock.kind === 'sold_out'
          ? 'https://schema.org/SoldOut'
          : 'https://schema.org/InStock',
    })),
    ...(page.rating.count
      ? {
          aggregateRating: {
            '@type': 'AggregateRating',
            ratingValue: page.rating.average,
            reviewCount: page.rating.count,
          },
        }
      : {}),
  };
  return data({
    product: {
      id: product.id,
      name: product.name,
      slug: product.slug,
      description: product.description,
      shortDescription: product.shortDescription,
      type: product.type,
      currency: product.currency,
      taxRate: product.taxRate,
      metaTitle: product.metaTitle,
      metaDescription: product.metaDescription,
      trialDays: product.trialDays,
      accessDuration: product.accessDuration,
      downloadLimit: product.downloadLimit,
      tags: product.tags,
    },
    prices: page.prices.map((p) => ({
      id: p.id,
      nickname: p.nickname,
      unitAmount: p.unitAmount,
      currency: p.currency,
      type: p.type,
      interval: intervalOf(p.recurring),
    })),
    images: page.images,
    stock: page.stock,
    categories: page.categories,
    reviews: page.reviews,
    rating: page.rating,
    // `<` escaped so no string in the data can close the script element.
    jsonLd: JSON.stringify(jsonLd).replace(/</g, '\\u003c'),
  });
}

export default function ProductPage() {
  const { product, prices, images, stock, categories, reviews, rating, jsonLd } =
    useLoaderData<typeof loader>();
  const nonce = useNonce();
  const tax = formatTaxRate(product.taxRate);
  const soldOut = stock.kind === 'sold_out';
  const max =
    stock.kind === 'low' || stock.kind === 'in_stock'
      ? Math.min(stock.available, MAX_QUANTITY)
      : MAX_QUANTITY;
  return (
    <div className="space-y-8">
      {/* biome-ignore lint/security/noDangerouslySetInnerHtml: JSON-LD data block, serialized and escaped by the loader. */}
      <script type="application/ld+json" nonce={nonce} dangerouslySetInnerHTML={{ __html: jsonLd }} />
      <nav aria-label="Breadcrumb" className="text-sm">
        <Link to="/store" className="link">
          Store
        </Link>
        {categories.map((c) => (
          <span key={c.slug}>
            {' / '}
            <Link to={`/store?category=${c.slug}`} className="link">
              {c.name}
            </Link>
          </span>
        ))}
      </nav>
      <div className="grid gap-8 lg:grid-cols-2">
        <div className="space-y-3">
          {images.length ? (
            images.map((src, i) => (
              <img
                key={src}
                src={src}
                alt={i === 0 ? product.name : `${product.name}, picture ${i + 1}`}
                className="w-full rounded-lg bg-slate-100 object-cover"
              />
            ))
          ) : (
            <div
              aria-hidden="true"
              className="aspect-video w-full rounded-lg bg-gradient-to-br from-brand-50 to-slate-100"
            />
          )}
        </div>
        <div className="space-y-5">
          <div className="space-y-2">
            <p className="text-sm text-slate-600">{PRODUCT_TYPE_LABELS[product.type]}</p>
            <h1 className="text-3xl font-bold tracking-tight">{product.name}</h1>
            <div className="flex flex-wrap items-center gap-3">
              <Stars rating={rating.average} count={rating.count} />
              <StockBadge stock={stock} />
            </div>
            {product.shortDescription ? (
              <p className="text-lg text-slate-700">{product.shortDescription}</p>
            ) : null}
          </div>
          <section aria-labelledby="prices-heading" className="card space-y-4">
            <h2 id="prices-heading" className="text-lg font-semibold">
              {prices.length === 1 ? 'Price' : 'Prices'}
            </h2>
            {prices.length === 0 ? <p className="text-slate-700">This product has no price yet.</p> : null}
            <ul className="space-y-4">
              {prices.map((p) => (
                <li key={p.id} className="space-y-2">
                  <p className="text-xl font-semibold">
                    <Money cents={p.unitAmount} currency={p.currency} />
                    {p.interval ? (
                      <span className="text-base font-normal text-slate-600"> / {p.interval}</span>
                    ) : null}
                    {p.nickname ? (
                      <span className="ml-2 text-sm font-normal text-slate-600">{p.nickname}</span>
                    ) : null}
                  </p>
                  {soldOut ? (
                    <p className="font-semibold text-slate-800">Sold out</p>
                  ) : (
                    <AddToCartForm
                      id={`price-${p.id}`}
                      priceId={p.id}
                      label={`Add to cart · ${formatMoney(p.unitAmount, p.currency)}`}
                      maxQuantity={product.type === 'SUBSCRIPTION' ? 1 : max}
                    />
                  )}
                </li>
              ))}
            </ul>
            <p className="text-sm text-slate-600">
              {tax ? `Tax ${tax} is added at checkout.` : 'No tax is charged on this product.'}
              {product.type === 'SUBSCRIPTION'
                ? ' Bought for one of your organizations: you choose which at checkout.'
                : ''}
              {product.accessDuration ? ` Access for ${product.accessDuration} days after purchase.` : ''}
            </p>
          </section>
          <section aria-labelledby="about-heading" className="space-y-2">
            <h2 id="about-heading" className="text-lg font-semibold">
              About this product
            </h2>
            <p className="whitespace-pre-line text-slate-800">{product.description}</p>
            {product.tags.length ? (
              <ul className="flex flex-wrap gap-2" aria-label="Tags">
                {product.tags.map((tag) => (
                  <li key={tag}>
                    <Link
                      to={`/store?q=${encodeURIComponent(tag)}`}
                      className="rounded-full bg-slate-100 px-2 py-0.5 text-xs text-slate-800"
                    >
                      {tag}
                    </Link>
                  </li>
                ))}
              </ul>
            ) : null}
          </section>
        </div>
      </div>
      <section aria-labelledby="reviews-heading" className="space-y-4">
        <h2 id="reviews-heading" className="text-xl font-semibold">
          Reviews
        </h2>
        <p>
          <Stars rating={rating.average} count={rating.count} />
        </p>
        {reviews.length === 0 ? (
          <p className="text-slate-700">Nobody has reviewed this product yet.</p>
        ) : null}
        <ul className="space-y-3">
          {reviews.map((r) => (
            <li key={r.id} className="card space-y-1" data-review={r.id}>
              <p className="font-semibold">
                <span className="sr-only">{r.rating} out of 5: </span>
                <span aria-hidden="true" className="text-amber-500">
                  {'★'.repeat(r.rating)}
                  {'☆'.repeat(5 - r.rating)}
                </span>{' '}
                {r.title}
              </p>
              <p className="text-sm text-slate-600">
                {r.author}
                {r.verified ? ' · Verified purchase' : ''} · {formatDate(r.createdAt)}
                {r.helpful ? ` · ${r.helpful} found this helpful` : ''}
              </p>
              <p className="whitespace-pre-line text-slate-800">{r.content}</p>
            </li>
          ))}
        </ul>
        <ReviewActions slug={product.slug} reviews={reviews} />
      </section>
    </div>
  );
}
