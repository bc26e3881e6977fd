// Store fulfilment (issue 13 items 6–10); mirrors migrations/0015_store_fulfilment.sql.
import { index, pgTable, text, unique } from 'drizzle-orm/pg-core';
import { id, timestamps } from './columns';
import { users } from './identity';
import { productReviews } from './store';

/** One "Helpful" vote per user and review; product_reviews.helpful counts them. */
export const productReviewVotes = pgTable(
  'product_review_votes',
  {
    id: id(),
    reviewId: text('review_id')
      .notNull()
      .references(() => productReviews.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    ...timestamps(),
  },
  (t) => [
    unique('product_review_votes_review_user_key').on(t.reviewId, t.userId),
    index('product_review_votes_user_id_idx').on(t.userId),
  ],
);
