// Product reviews (issue 13 §7; seed 003 ProductReview). Only a buyer reviews a product — a user with a
// COMPLETED order containing it — so every review is `verified`; once per product (the unique key
// product_reviews (product_id, user_id) decides under concurrency); rating 1–5 with a title and content.
// "Helpful" votes: one per user and review (product_review_votes), never on one's own review, and
// product_reviews.helpful is incremented in the same transaction as the vote row.
import { and, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { type Actor, recordAudit } from '~/audit/audit.server';
import { Conflict, Forbidden, NotFound, ValidationFailed } from '~/lib/errors';
import type { Database } from '~db/client.server';
import { orderItems, orders, productReviews, productReviewVotes, products } from '~db/schema';

export const reviewInputSchema = z.object({
  rating: z.coerce
    .number({ invalid_type_error: 'Choose a rating from 1 to 5 stars.' })
    .int('Choose a rating from 1 to 5 stars.')
    .min(1, 'Choose a rating from 1 to 5 stars.')
    .max(5, 'Choose a rating from 1 to 5 stars.'),
  title: z
    .string({ required_error: 'Give your review a title.' })
    .trim()
    .min(1, 'Give your review a title.')
    .max(120, 'The title can be at most 120 characters.'),
  content: z
    .string({ required_error: 'Write a few words about the product.' })
    .trim()
    .min(1, 'Write a few words about the product.')
    .max(5000, 'A review can be at most 5,000 characters.'),
});
export type ReviewInput = z.input<typeof reviewInputSchema>;

export const NOT_A_BUYER = 'Only customers who bought this product can review it.';
export const ALREADY_REVIEWED = 'You have already reviewed this product.';
export const ALREADY_VOTED = 'You have already marked this review as helpful.';
export const OWN_REVIEW = 'You cannot mark your own review as helpful.';

function parse(input: unknown) {
  const result = reviewInputSchema.safeParse(input);
  if (result.success) return result.data;
  const fieldErrors: Record<string, string[]> = {};
  for (const issue of result.error.issues) {
    const path = String(issue.path[0] ?? 'content');
    fieldErrors[path] = [...(fieldErrors[path] ?? []), issue.message];
  }
  throw new ValidationFailed(result.error.issues[0]?.message ?? 'Check the review.', fieldErrors);
}

async function publishedProduct(db: Database, slug: string) {
  if (!/^[a-z0-9][a-z0-9-]{0,199}$/i.test(slug)) throw new NotFound('There is no such product.');
  const [product] = await db
    .select({ id: products.id, name: products.name })
    .from(products)
    .where(and(eq(products.slug, slug), eq(products.status, 'PUBLISHED'), isNull(products.deletedAt)));
  if (!product) throw new NotFound('There is no such product.');
  return product;
}

/** A COMPLETED order of the user contains the product (a refunded one no longer counts). */
export async function hasBought(db: Database, userId: string, productId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: orderItems.id })
    .from(orderItems)
    .innerJoin(orders, eq(orders.id, orderItems.orderId))
    .where(
      and(eq(orders.userId, userId), eq(orders.status, 'COMPLETED'), eq(orderItems.productId, productId)),
    )
    .limit(1);
  return Boolean(row);
}

export async function createReview(
  db: Database,
  actor: Actor,
  input: { slug: string } & ReviewInput,
): Promise<typeof productReviews.$inferSelect> {
  if (!actor.userId) throw new Forbidden('Sign in to review this product.');
  const userId = actor.userId;
  const { rating, title, content } = parse(input);
  return db.transaction(async (tx) => {
    const product = await publishedProduct(tx, input.slug);
    if (!(await hasBought(tx, userId, product.id))) throw new Forbidden(NOT_A_BUYER);
    const [review] = await tx
      .insert(productReviews)
      .values({ productId: product.id, userId, rating, title, content, verified: true })
      .onConflictDoNothing({ target: [productReviews.productId, productReviews.userId] })
      .returning();
    if (!review) throw new Conflict(ALREADY_REVIEWED);
    await recordAudit(tx, actor, {
      action: 'store_review.created',
      entityType: 'product_review',
      entityId: review.id,
      newValues: { product: product.name, rating, title },
      metadata: { productId: product.id },
    });
    return review;
  });
}

export const voteInputSchema = z.object({
  reviewId: z.string({ required_error: 'Choose a review.' }).min(1, 'Choose a review.').max(64),
});

/** Marks a review of the product as helpful: once per user, never one's own; returns the new count. */
export async function markReviewHelpful(
  db: Database,
  actor: Actor,
  input: { slug: string; reviewId: string },
): Promise<number> {
  if (!actor.userId) throw new Forbidden('Sign in to vote.');
  const userId = actor.userId;
  const { reviewId } = voteInputSchema.parse(input);
  return db.transaction(async (tx) => {
    const product = await publishedProduct(tx, input.slug);
    const [review] = await tx
      .select({ id: productReviews.id, userId: productReviews.userId })
      .from(productReviews)
      .where(and(eq(productReviews.id, reviewId), eq(productReviews.productId, product.id)));
    if (!review) throw new NotFound('There is no such review.');
    if (review.userId === userId) throw new Conflict(OWN_REVIEW);
    const [vote] = await tx
      .insert(productReviewVotes)
      .values({ reviewId, userId })
      .onConflictDoNothing({ target: [productReviewVotes.reviewId, productReviewVotes.userId] })
      .returning({ id: productReviewVotes.id });
    if (!vote) throw new Conflict(ALREADY_VOTED);
    const [updated] = await tx
      .update(productReviews)
      .set({ helpful: sql`${productReviews.helpful} + 1` })
      .where(eq(productReviews.id, reviewId))
      .returning({ helpful: productReviews.helpful });
    await recordAudit(tx, actor, {
      action: 'store_review.voted',
      entityType: 'product_review',
      entityId: reviewId,
      newValues: { product: product.name, helpful: updated?.helpful ?? 0 },
      metadata: { productId: product.id },
    });
    return updated?.helpful ?? 0;
  });
}

export interface ReviewerState {
  signedIn: boolean;
  canReview: boolean;
  /** Why the form is not offered (not a buyer, reviewed already), for the page to say. */
  reason: string | null;
  votedReviewIds: string[];
}

/** What the product page's review form and Helpful buttons need to know about the viewer. */
export async function reviewerState(
  db: Database,
  userId: string | null,
  slug: string,
): Promise<ReviewerState> {
  const product = await publishedProduct(db, slug);
  if (!userId) return { signedIn: false, canReview: false, reason: null, votedReviewIds: [] };
  const [own] = await db
    .select({ id: productReviews.id })
    .from(productReviews)
    .where(and(eq(productReviews.productId, product.id), eq(productReviews.userId, userId)));
  const bought = await hasBought(db, userId, product.id);
  const votes = await db
    .select({ reviewId: productReviewVotes.reviewId })
    .from(productReviewVotes)
    .innerJoin(productReviews, eq(productReviews.id, productReviewVotes.reviewId))
    .where(and(eq(productReviewVotes.userId, userId), eq(productReviews.productId, product.id)));
  return {
    signedIn: true,
    canReview: bought && !own,
    reason: own ? ALREADY_REVIEWED : bought ? null : NOT_A_BUYER,
    votedReviewIds: votes.map((v) => v.reviewId),
  };
}
