-- The webhook ledger made queryable for platform staff (issue 10 §8): what happened to each event and how
-- many deliveries it took. `outcome` is NULL while no delivery has finished; `error` holds why a delivery
-- failed (the effect was rolled back and Stripe retries) or why an event changed nothing.
ALTER TABLE webhook_events ADD COLUMN outcome text;
--> statement-breakpoint
ALTER TABLE webhook_events ADD COLUMN attempts integer NOT NULL DEFAULT 0;
--> statement-breakpoint
ALTER TABLE webhook_events ADD CONSTRAINT webhook_events_outcome_check
  CHECK (outcome IS NULL OR outcome IN ('APPLIED', 'IGNORED', 'STALE', 'FAILED'));
--> statement-breakpoint
CREATE INDEX webhook_events_received_at_idx ON webhook_events (received_at);
--> statement-breakpoint
CREATE INDEX webhook_events_type_received_at_idx ON webhook_events (type, received_at);
--> statement-breakpoint
-- Unprocessed events (failed or in flight) are what staff look for first.
CREATE INDEX webhook_events_unprocessed_idx ON webhook_events (received_at) WHERE processed_at IS NULL;
