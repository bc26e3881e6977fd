// /store/:slug/reviews (issue 13 §7): POST intent=review (rating, title, content) or intent=helpful
// (reviewId). Success redirects back to /store/:slug with a flash; a refusal (not a buyer, reviewed
// already, voted already) or bad input answers 4xx with the message, rendered here next to the form when
// JavaScript is off, in place on the product page through a fetcher when it is on. Not nested in the
// product page's layout (`$slug_`), so this page renders on its own.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link, useActionData, useLoaderData } from '@remix-run/react';
import { actorOf, getAuth } from '~/auth/sessions.server';
import { getDb } from '~/db.server';
import { done, httpErrorOf, loaderFailure } from '~/lib/http.server';
import { Alert, PageHeading } from '~/orgs/components';
import { createReview, markReviewHelpful, reviewerState } from '~/store/reviews.server';
import { ReviewForm, type ReviewFormAnswer } from '~/store/reviews-ui';

export const meta: MetaFunction = () => [{ title: 'Write a review · Store · SaaS Platform' }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const auth = await getAuth(request);
  const slug = params.slug ?? '';
  const state = await reviewerState(auth?.db ?? (await getDb()), auth?.user.id ?? null, slug).catch(
    loaderFailure,
  );
  return data({ slug, state });
}

const text = (v: FormDataEntryValue | null) => (typeof v === 'string' ? v : undefined);

export async function action({ request, params }: ActionFunctionArgs) {
  const slug = params.slug ?? '';
  const auth = await getAuth(request);
  const form = await request.formData();
  const intent = text(form.get('intent'));
  if (intent !== 'review' && intent !== 'helpful')
    return data<ReviewFormAnswer>({ error: 'Unknown action.' }, { status: 400 });
  const values = {
    rating: text(form.get('rating')),
    title: text(form.get('title')),
    content: text(form.get('content')),
  };
  if (!auth) {
    // Signed out: said next to the form; this page (no JavaScript) also links to sign in.
    return data<ReviewFormAnswer>({ intent, error: 'Sign in to review or vote.', values }, { status: 401 });
  }
  const actor = actorOf(auth, request);
  try {
    if (intent === 'review') {
      await createReview(auth.db, actor, { slug, ...values } as never);
      return done(`/store/${slug}#reviews`, 'Thank you: your review is published.');
    }
    const reviewId = text(form.get('reviewId')) ?? '';
    const helpful = await markReviewHelpful(auth.db, actor, { slug, reviewId });
    return done(`/store/${slug}#reviews`, `Thanks for your vote (${helpful} found it helpful).`);
  } catch (err) {
    const failure = httpErrorOf(err);
    if (!failure) throw err;
    if (failure.status === 404) throw new Response(failure.message, { status: 404 });
    return data<ReviewFormAnswer>(
      {
        intent,
        reviewId: text(form.get('reviewId')),
        error: failure.message,
        fieldErrors: failure.fieldErrors,
        values,
      },
      { status: failure.status },
    );
  }
}

export default function WriteReview() {
  const { slug, state } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  return (
    <div className="mx-auto max-w-2xl space-y-6">
      <p>
        <Link to={`/store/${slug}`} className="link">
          ← Back to the product
        </Link>
      </p>
      <PageHeading title="Write a review" />
      {answer?.intent === 'helpful' && answer.error ? <Alert message={answer.error} /> : null}
      {!state.signedIn ? (
        <p className="text-slate-700">
          <Link to={`/login?redirectTo=/store/${slug}/reviews`} className="link">
            Sign in
          </Link>{' '}
          to review a product you bought.
        </p>
      ) : state.reason && !answer ? (
        <p className="rounded-md bg-amber-50 px-3 py-2 text-amber-900">{state.reason}</p>
      ) : null}
      <ReviewForm slug={slug} answer={answer as ReviewFormAnswer | undefined} />
    </div>
  );
}
