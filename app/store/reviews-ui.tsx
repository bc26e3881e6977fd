// The review form and "Helpful" buttons of a product page (issue 13 §7). Plain POST forms to
// /store/:slug/reviews that work without JavaScript (the action redirects back to the product page, or
// renders the form with its errors); with JavaScript they submit in place through a fetcher, with a
// pending state and the server's message next to the form.
import { Link, useFetcher } from '@remix-run/react';
import { useEffect, useRef } from 'react';

export interface ReviewFormAnswer {
  intent?: 'review' | 'helpful';
  reviewId?: string;
  error?: string;
  fieldErrors?: Record<string, string[]>;
  values?: { rating?: string; title?: string; content?: string };
}

export interface ReviewItem {
  id: string;
  rating: number;
  title: string | null;
  content: string;
  verified: boolean;
  helpful: number;
  author: string;
  createdAt: string | Date;
}

const reviewsPath = (slug: string) => `/store/${slug}/reviews`;

function Stars({ rating }: { rating: number }) {
  return (
    <span role="img" aria-label={`${rating} out of 5 stars`} className="text-amber-500">
      {'★'.repeat(rating)}
      <span className="text-slate-300">{'★'.repeat(5 - rating)}</span>
    </span>
  );
}

const fieldError = (answer: ReviewFormAnswer | undefined, name: string) => answer?.fieldErrors?.[name]?.[0];

/** Rating, title and content; the server decides who may review (buyers, once). */
export function ReviewForm({ slug, answer: documentAnswer }: { slug: string; answer?: ReviewFormAnswer }) {
  const fetcher = useFetcher<ReviewFormAnswer>();
  const answer = fetcher.data ?? documentAnswer;
  const pending = fetcher.state !== 'idle';
  const formRef = useRef<HTMLFormElement>(null);
  // A fetcher that redirected (review saved) has no data: empty the form.
  useEffect(() => {
    if (fetcher.state === 'idle' && fetcher.data === undefined && formRef.current) formRef.current.reset();
  }, [fetcher.state, fetcher.data]);
  const own = answer?.intent === 'review' ? answer : undefined;
  const errorId = `review-error-${slug}`;
  return (
    <fetcher.Form
      ref={formRef}
      method="post"
      action={reviewsPath(slug)}
      className="card space-y-4"
      aria-labelledby={`review-heading-${slug}`}
      aria-describedby={own?.error ? errorId : undefined}
    >
      <h3 id={`review-heading-${slug}`} className="text-lg font-semibold">
        Write a review
      </h3>
      <p className="text-sm text-slate-600">Only customers who bought this product can review it, once.</p>
      <input type="hidden" name="intent" value="review" />
      <fieldset>
        <legend className="label">Rating</legend>
        <div className="mt-1 flex flex-wrap gap-3">
          {[5, 4, 3, 2, 1].map((n) => (
            <label key={n} className="flex items-center gap-1 text-sm">
              <input
                type="radio"
                name="rating"
                value={n}
                required
                defaultChecked={own?.values?.rating === String(n)}
              />
              {n} star{n === 1 ? '' : 's'}
            </label>
          ))}
        </div>
        {fieldError(own, 'rating') ? <p className="field-error">{fieldError(own, 'rating')}</p> : null}
      </fieldset>
      <div>
        <label htmlFor={`review-title-${slug}`} className="label">
          Title
        </label>
        <input
          id={`review-title-${slug}`}
          name="title"
          maxLength={120}
          required
          defaultValue={own?.values?.title}
          className="input mt-1"
          aria-invalid={fieldError(own, 'title') ? true : undefined}
        />
        {fieldError(own, 'title') ? <p className="field-error">{fieldError(own, 'title')}</p> : null}
      </div>
      <div>
        <label htmlFor={`review-content-${slug}`} className="label">
          Your review
        </label>
        <textarea
          id={`review-content-${slug}`}
          name="content"
          rows={4}
          maxLength={5000}
          required
          defaultValue={own?.values?.content}
          className="input mt-1"
          aria-invalid={fieldError(own, 'content') ? true : undefined}
        />
        {fieldError(own, 'content') ? <p className="field-error">{fieldError(own, 'content')}</p> : null}
      </div>
      {own?.error && !own.fieldErrors ? (
        <p id={errorId} role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-900">
          {own.error}
          {own.error.startsWith('Sign in') ? (
            <>
              {' '}
              <Link className="link" to={`/login?redirectTo=/store/${slug}`}>
                Sign in
              </Link>
            </>
          ) : null}
        </p>
      ) : null}
      <button type="submit" className="btn-primary" disabled={pending} aria-busy={pending}>
        {pending ? 'Posting…' : 'Post review'}
      </button>
    </fetcher.Form>
  );
}

/** "Helpful (n)": one vote per signed-in user, never on one's own review. */
export function HelpfulButton({ slug, reviewId, count }: { slug: string; reviewId: string; count: number }) {
  const fetcher = useFetcher<ReviewFormAnswer>();
  const pending = fetcher.state !== 'idle';
  const error = fetcher.data?.intent === 'helpful' ? fetcher.data.error : undefined;
  const shown = pending ? count + 1 : count;
  return (
    <fetcher.Form
      method="post"
      action={reviewsPath(slug)}
      className="inline-flex flex-wrap items-center gap-2"
    >
      <input type="hidden" name="intent" value="helpful" />
      <input type="hidden" name="reviewId" value={reviewId} />
      <button type="submit" className="btn-secondary text-sm" disabled={pending} aria-busy={pending}>
        Helpful ({shown})
      </button>
      {error ? (
        <span role="alert" className="text-sm text-red-700">
          {error}
        </span>
      ) : null}
    </fetcher.Form>
  );
}

/** A product's reviews with their Helpful buttons, and the review form. */
export function ProductReviews({
  slug,
  reviews,
  rating,
}: {
  slug: string;
  reviews: ReviewItem[];
  rating?: { average: number | null; count: number };
}) {
  return (
    <section aria-labelledby={`reviews-${slug}`} className="space-y-4" id="reviews">
      <h2 id={`reviews-${slug}`} className="text-xl font-semibold">
        Reviews
        {rating?.average != null ? (
          <span className="ml-2 text-base font-normal text-slate-600">
            {rating.average.toFixed(1)} of 5 · {rating.count} review{rating.count === 1 ? '' : 's'}
          </span>
        ) : null}
      </h2>
      {reviews.length === 0 ? <p className="text-slate-700">No reviews yet.</p> : null}
      <ul className="space-y-3">
        {reviews.map((r) => (
          <li key={r.id} className="card space-y-2" data-review={r.id}>
            <div className="flex flex-wrap items-center gap-2">
              <Stars rating={r.rating} />
              {r.title ? <h3 className="font-semibold">{r.title}</h3> : null}
            </div>
            <p className="whitespace-pre-line break-words text-slate-800">{r.content}</p>
            <p className="text-sm text-slate-600">
              {r.author}
              {r.verified ? ' · Verified purchase' : ''} · {new Date(r.createdAt).toISOString().slice(0, 10)}
            </p>
            <HelpfulButton slug={slug} reviewId={r.id} count={r.helpful} />
          </li>
        ))}
      </ul>
      <ReviewForm slug={slug} />
    </section>
  );
}

/**
 * What the product page adds under its review list: a "Helpful" button per review (named by its title
 * and author, so each button says which review it is for) and the review form.
 */
export function ReviewActions({
  slug,
  reviews,
}: {
  slug: string;
  reviews: Pick<ReviewItem, 'id' | 'title' | 'author' | 'helpful'>[];
}) {
  return (
    <div className="space-y-4">
      {reviews.length ? (
        <div className="space-y-2">
          <h3 className="text-base font-semibold">Was a review helpful?</h3>
          <ul className="space-y-2">
            {reviews.map((r) => (
              <li key={r.id} className="flex flex-wrap items-center gap-2 text-sm">
                <span className="min-w-0 break-words text-slate-700">
                  “{r.title ?? 'Review'}” by {r.author}
                </span>
                <HelpfulButton slug={slug} reviewId={r.id} count={r.helpful} />
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <ReviewForm slug={slug} />
    </div>
  );
}
