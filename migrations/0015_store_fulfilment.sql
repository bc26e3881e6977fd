-- Store fulfilment (issue 13 items 6–10). Downloads count on order_items (download_count,
-- access_expires_at of 0007) and refunds keep their history in refunds (0007); what is new is the
-- "Helpful" vote of a review: one per user and review (seed 003's product_reviews.helpful is the count,
-- kept in step with these rows in the same transaction). A vote goes with its review and with its voter.
CREATE TABLE product_review_votes (
  id text PRIMARY KEY DEFAULT gen_id(),
  review_id text NOT NULL CONSTRAINT product_review_votes_review_id_product_reviews_id_fk REFERENCES product_reviews (id) ON DELETE CASCADE,
  user_id text NOT NULL CONSTRAINT product_review_votes_user_id_users_id_fk REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT product_review_votes_review_user_key UNIQUE (review_id, user_id)
);
--> statement-breakpoint
CREATE INDEX product_review_votes_user_id_idx ON product_review_votes (user_id);
--> statement-breakpoint
CREATE TRIGGER product_review_votes_set_updated_at BEFORE UPDATE ON product_review_votes FOR EACH ROW EXECUTE FUNCTION set_updated_at();
