// Reviews (issue 13 §7): buyers only (verified), once, rating 1–5 with a title and content; Helpful votes
// once per user and never on one's own review; the route answers refusals with the message and redirects
// back to the product page on success.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { cookieFor, createUser } from '~/orgs/test-support';
import { auditLogs, orders, productReviews } from '~db/schema';
import { itConcurrent, useAppTestDatabase } from '../../tests/support/db';
import { getPage, postForm, runRoute } from '../../tests/support/routes';
import {
  ALREADY_REVIEWED,
  ALREADY_VOTED,
  createReview,
  markReviewHelpful,
  NOT_A_BUYER,
  OWN_REVIEW,
  reviewerState,
} from './reviews.server';
import { createCompletedOrder, createPublishedProduct } from './test-support';

const t = useAppTestDatabase();
const route = () => import('~/routes/store.$slug_.reviews/route');
const good = { rating: 5, title: 'Great', content: 'Exactly what I needed.' };

async function boughtProduct() {
  const buyer = await createUser(t.db);
  const product = await createPublishedProduct(t.db);
  const purchase = await createCompletedOrder(t.db, buyer.id, { product });
  return { buyer, slug: product.product.slug, ...purchase };
}

describe('writing a review', () => {
  it('a buyer reviews once; the review is verified and audited', async () => {
    const { buyer, slug, product } = await boughtProduct();
    const review = await createReview(t.db, buyer.actor, { slug, ...good });
    expect(review).toMatchObject({ productId: product.id, rating: 5, verified: true, helpful: 0 });
    await expect(createReview(t.db, buyer.actor, { slug, ...good })).rejects.toThrow(ALREADY_REVIEWED);
    const audits = await t.db.select().from(auditLogs).where(eq(auditLogs.entityId, review.id));
    expect(audits.map((a) => a.action)).toEqual(['store_review.created']);
    expect(await reviewerState(t.db, buyer.id, slug)).toMatchObject({
      canReview: false,
      reason: ALREADY_REVIEWED,
    });
  });

  it('non-buyers, buyers of unpaid orders and signed-out visitors are refused', async () => {
    const { slug } = await boughtProduct();
    const stranger = await createUser(t.db);
    await expect(createReview(t.db, stranger.actor, { slug, ...good })).rejects.toThrow(NOT_A_BUYER);
    const pendingBuyer = await createUser(t.db);
    const product = await createPublishedProduct(t.db);
    const { order } = await createCompletedOrder(t.db, pendingBuyer.id, { product });
    await t.db.update(orders).set({ status: 'PENDING' }).where(eq(orders.id, order.id));
    await expect(
      createReview(t.db, pendingBuyer.actor, { slug: product.product.slug, ...good }),
    ).rejects.toMatchObject({ status: 403 });
    await expect(createReview(t.db, { type: 'USER', userId: null }, { slug, ...good })).rejects.toMatchObject(
      { status: 403 },
    );
    expect(await reviewerState(t.db, stranger.id, slug)).toMatchObject({
      canReview: false,
      reason: NOT_A_BUYER,
    });
  });

  it('rating 1–5, a title and content are required', async () => {
    const { buyer, slug } = await boughtProduct();
    for (const bad of [
      { ...good, rating: 0 },
      { ...good, rating: 6 },
      { ...good, rating: 2.5 },
      { ...good, title: '  ' },
      { ...good, content: '' },
      { ...good, title: 'x'.repeat(121) },
    ])
      await expect(createReview(t.db, buyer.actor, { slug, ...bad })).rejects.toMatchObject({ status: 400 });
    expect(await t.db.select().from(productReviews).where(eq(productReviews.userId, buyer.id))).toEqual([]);
  });

  it('an unknown or unpublished product is not found', async () => {
    const { buyer } = await boughtProduct();
    await expect(createReview(t.db, buyer.actor, { slug: 'no-such-thing', ...good })).rejects.toMatchObject({
      status: 404,
    });
  });

  itConcurrent('two parallel first reviews by one buyer: one is kept, the other refused', async () => {
    const { buyer, slug } = await boughtProduct();
    const results = await Promise.allSettled([
      createReview(t.db, buyer.actor, { slug, ...good }),
      createReview(t.db, buyer.actor, { slug, ...good, title: 'Again' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });
});

describe('Helpful votes', () => {
  it('one per user, never one’s own, counted on the review', async () => {
    const { buyer, slug } = await boughtProduct();
    const review = await createReview(t.db, buyer.actor, { slug, ...good });
    const reader = await createUser(t.db);
    expect(await markReviewHelpful(t.db, reader.actor, { slug, reviewId: review.id })).toBe(1);
    await expect(markReviewHelpful(t.db, reader.actor, { slug, reviewId: review.id })).rejects.toThrow(
      ALREADY_VOTED,
    );
    await expect(markReviewHelpful(t.db, buyer.actor, { slug, reviewId: review.id })).rejects.toThrow(
      OWN_REVIEW,
    );
    expect(await markReviewHelpful(t.db, (await createUser(t.db)).actor, { slug, reviewId: review.id })).toBe(
      2,
    );
    const [row] = await t.db.select().from(productReviews).where(eq(productReviews.id, review.id));
    expect(row?.helpful).toBe(2);
    expect((await reviewerState(t.db, reader.id, slug)).votedReviewIds).toEqual([review.id]);
    // A review of another product is not found under this slug.
    const other = await boughtProduct();
    await expect(
      markReviewHelpful(t.db, reader.actor, { slug: other.slug, reviewId: review.id }),
    ).rejects.toMatchObject({ status: 404 });
  });
});

describe('POST /store/:slug/reviews', () => {
  it('redirects back to the product page on success, answers refusals with their message', async () => {
    const { buyer, slug } = await boughtProduct();
    const mod = await route();
    const cookie = await cookieFor(t.db, buyer.id);
    const form = { intent: 'review', rating: '4', title: 'Nice', content: 'Works well.' };
    const ok = await runRoute(mod.action, postForm(`/store/${slug}/reviews`, cookie, form), { slug });
    expect(ok.status).toBe(302);
    expect(ok.location).toBe(`/store/${slug}#reviews`);
    const again = await runRoute(mod.action, postForm(`/store/${slug}/reviews`, cookie, form), { slug });
    expect(again.status).toBe(409);
    expect(again.data).toMatchObject({ error: ALREADY_REVIEWED });

    const stranger = await cookieFor(t.db, (await createUser(t.db)).id);
    const refused = await runRoute(mod.action, postForm(`/store/${slug}/reviews`, stranger, form), { slug });
    expect(refused).toMatchObject({ status: 403, data: { error: NOT_A_BUYER } });

    const bad = await runRoute(
      mod.action,
      postForm(`/store/${slug}/reviews`, cookie, { ...form, rating: '9' }),
      { slug },
    );
    expect(bad.status).toBe(400);
    expect(bad.data).toMatchObject({ fieldErrors: { rating: [expect.stringMatching(/1 to 5/)] } });

    const anonymous = await runRoute(mod.action, postForm(`/store/${slug}/reviews`, undefined, form), {
      slug,
    });
    expect(anonymous.status).toBe(401);
    const junk = await runRoute(mod.action, postForm(`/store/${slug}/reviews`, cookie, { intent: 'x' }), {
      slug,
    });
    expect(junk.status).toBe(400);
    const page = await runRoute(mod.loader, getPage(`/store/${slug}/reviews`, cookie), { slug });
    expect(page.status).toBe(200);
    const missing = await runRoute(mod.loader, getPage('/store/nope/reviews'), { slug: 'nope' });
    expect(missing.status).toBe(404);
  });
});
