-- Plan trials (issue 10, SPEC §4 "plan trials"): a plan may offer a trial through Stripe Checkout. Its own
-- migration, as the spec asks. One trial per organization ever is a rule of the app (subscriptions.trial_start
-- is kept once set), not a column here.
ALTER TABLE plans ADD COLUMN trial_days integer NOT NULL DEFAULT 0;
--> statement-breakpoint
ALTER TABLE plans ADD CONSTRAINT plans_trial_days_check CHECK (trial_days >= 0 AND trial_days <= 730);
--> statement-breakpoint
-- Seed 000's Professional plan offers the trial (db/seed.ts inserts it so on a fresh database).
UPDATE plans SET trial_days = 14 WHERE key = 'monthly' AND deleted_at IS NULL;
