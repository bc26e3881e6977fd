-- Billing (SPEC §4 "Billing"; seed 000 for plans, subscriptions and modules, seed 002 for billing accounts,
-- invoices, line items, payments, credits and services). Money is integer cents (SPEC §3).

CREATE TYPE plan_tier AS ENUM ('FREE', 'PRO', 'ENTERPRISE', 'CUSTOM');
--> statement-breakpoint
CREATE TYPE billing_interval AS ENUM ('MONTHLY', 'YEARLY', 'LIFETIME');
--> statement-breakpoint
CREATE TYPE subscription_status AS ENUM (
  'TRIALING', 'ACTIVE', 'PAST_DUE', 'CANCELED', 'EXPIRED', 'INCOMPLETE', 'INCOMPLETE_EXPIRED', 'UNPAID', 'PAUSED'
);
--> statement-breakpoint
CREATE TYPE billing_account_status AS ENUM ('ACTIVE', 'OVERDUE', 'SUSPENDED');
--> statement-breakpoint
CREATE TYPE invoice_status AS ENUM ('DRAFT', 'OPEN', 'PAID', 'PARTIAL', 'OVERDUE', 'VOID', 'UNCOLLECTIBLE');
--> statement-breakpoint
-- Seed 002's PaymentMethod plus STRIPE_CARD; CREDIT = applied from the credit balance.
CREATE TYPE payment_method AS ENUM (
  'PAYNOW_ECOCASH', 'PAYNOW_ONEMONEY', 'PAYNOW_INNBUCKS', 'PAYNOW_VISA', 'PAYNOW_MASTERCARD',
  'BANK_TRANSFER', 'CASH', 'CREDIT', 'STRIPE_CARD'
);
--> statement-breakpoint
CREATE TYPE payment_status AS ENUM ('PENDING', 'PAID', 'FAILED', 'CANCELED', 'REFUNDED');
--> statement-breakpoint
CREATE TYPE service_type AS ENUM ('POS_TERMINAL', 'POS_MAINTENANCE', 'FUTURE_PRODUCT');
--> statement-breakpoint
CREATE TYPE service_status AS ENUM ('ACTIVE', 'SUSPENDED', 'CANCELED');
--> statement-breakpoint

-- The only place a plan's price lives. key is text (free/monthly/yearly, staff may add custom plans);
-- soft-deleted plans free their key and Stripe price for re-creation (SPEC §3).
CREATE TABLE plans (
  id text PRIMARY KEY DEFAULT gen_id(),
  key text NOT NULL,
  name text NOT NULL,
  description text,
  tier plan_tier NOT NULL,
  billing_interval billing_interval NOT NULL DEFAULT 'MONTHLY',
  price integer NOT NULL DEFAULT 0,
  currency text NOT NULL DEFAULT 'USD',
  limits jsonb NOT NULL,
  features jsonb NOT NULL DEFAULT '[]'::jsonb,
  stripe_price_id text,
  display_order integer NOT NULL DEFAULT 0,
  is_active boolean NOT NULL DEFAULT true,
  deleted_at timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT plans_price_check CHECK (price >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX plans_key_key ON plans (key) WHERE deleted_at IS NULL;
--> statement-breakpoint
CREATE UNIQUE INDEX plans_stripe_price_id_key ON plans (stripe_price_id) WHERE deleted_at IS NULL;
--> statement-breakpoint
CREATE TRIGGER plans_set_updated_at BEFORE UPDATE ON plans FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- One subscription per organization (seed 000). A plan in use cannot be deleted (RESTRICT, seed 001):
-- staff soft-delete it instead. current_period_end is NULL for the free plan.
CREATE TABLE subscriptions (
  id text PRIMARY KEY DEFAULT gen_id(),
  organization_id text NOT NULL CONSTRAINT subscriptions_organization_id_organizations_id_fk REFERENCES organizations (id) ON DELETE CASCADE,
  plan_id text NOT NULL CONSTRAINT subscriptions_plan_id_plans_id_fk REFERENCES plans (id) ON DELETE RESTRICT,
  status subscription_status NOT NULL,
  current_period_start timestamptz(3) NOT NULL DEFAULT now(),
  current_period_end timestamptz(3),
  cancel_at_period_end boolean NOT NULL DEFAULT false,
  canceled_at timestamptz(3),
  trial_start timestamptz(3),
  trial_end timestamptz(3),
  trial_reminder_sent_at timestamptz(3),
  stripe_customer_id text,
  stripe_subscription_id text,
  -- `created` of the last applied Stripe event: older events are ignored (SPEC §6 "Subscriptions").
  stripe_event_created_at timestamptz(3),
  quantity integer NOT NULL DEFAULT 1,
  -- Recomputed by usage-rollup: sums by event_type for the current UTC calendar month.
  current_period_usage jsonb NOT NULL DEFAULT '{}'::jsonb,
  metadata jsonb,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT subscriptions_organization_id_key UNIQUE (organization_id),
  CONSTRAINT subscriptions_stripe_customer_id_key UNIQUE (stripe_customer_id),
  CONSTRAINT subscriptions_stripe_subscription_id_key UNIQUE (stripe_subscription_id),
  CONSTRAINT subscriptions_quantity_check CHECK (quantity > 0)
);
--> statement-breakpoint
CREATE INDEX subscriptions_plan_id_idx ON subscriptions (plan_id);
--> statement-breakpoint
-- subscription-maintenance and billing-run look for periods that have ended (seed 001's index).
CREATE INDEX subscriptions_status_current_period_end_idx ON subscriptions (status, current_period_end);
--> statement-breakpoint
CREATE TRIGGER subscriptions_set_updated_at BEFORE UPDATE ON subscriptions FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- Feature modules per organization (seed 000); the catalog lives in code. enabled_by / disabled_by are
-- plain user ids without a foreign key (SPEC §5) so the history survives the user.
CREATE TABLE organization_modules (
  id text PRIMARY KEY DEFAULT gen_id(),
  organization_id text NOT NULL CONSTRAINT organization_modules_organization_id_organizations_id_fk REFERENCES organizations (id) ON DELETE CASCADE,
  module_key text NOT NULL,
  is_enabled boolean NOT NULL DEFAULT true,
  settings jsonb,
  enabled_at timestamptz(3) NOT NULL DEFAULT now(),
  enabled_by text,
  disabled_at timestamptz(3),
  disabled_by text,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT organization_modules_organization_module_key UNIQUE (organization_id, module_key)
);
--> statement-breakpoint
CREATE TRIGGER organization_modules_set_updated_at BEFORE UPDATE ON organization_modules FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- Seed 002: one billing account per organization; balance > 0 is credit, < 0 is owed (so no >= 0 check).
CREATE TABLE billing_accounts (
  id text PRIMARY KEY DEFAULT gen_id(),
  organization_id text NOT NULL CONSTRAINT billing_accounts_organization_id_organizations_id_fk REFERENCES organizations (id) ON DELETE CASCADE,
  status billing_account_status NOT NULL DEFAULT 'ACTIVE',
  grace_period_days integer NOT NULL DEFAULT 14,
  overdue_since timestamptz(3),
  balance integer NOT NULL DEFAULT 0,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT billing_accounts_organization_id_key UNIQUE (organization_id),
  CONSTRAINT billing_accounts_grace_period_days_check CHECK (grace_period_days >= 0)
);
--> statement-breakpoint
CREATE INDEX billing_accounts_status_idx ON billing_accounts (status);
--> statement-breakpoint
CREATE TRIGGER billing_accounts_set_updated_at BEFORE UPDATE ON billing_accounts FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- Seed 002's Service: billed monthly by billing-run; suspended_by_billing marks the services a suspension
-- stopped, so paying restores exactly those (SPEC §6 "Billing accounts").
CREATE TABLE services (
  id text PRIMARY KEY DEFAULT gen_id(),
  organization_id text NOT NULL CONSTRAINT services_organization_id_organizations_id_fk REFERENCES organizations (id) ON DELETE CASCADE,
  type service_type NOT NULL,
  name text NOT NULL,
  hardware_serial text,
  monthly_fee integer NOT NULL,
  status service_status NOT NULL DEFAULT 'ACTIVE',
  suspended_by_billing boolean NOT NULL DEFAULT false,
  activated_at timestamptz(3) NOT NULL DEFAULT now(),
  suspended_at timestamptz(3),
  canceled_at timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT services_monthly_fee_check CHECK (monthly_fee >= 0)
);
--> statement-breakpoint
CREATE INDEX services_organization_id_idx ON services (organization_id);
--> statement-breakpoint
CREATE INDEX services_hardware_serial_idx ON services (hardware_serial);
--> statement-breakpoint
CREATE TRIGGER services_set_updated_at BEFORE UPDATE ON services FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- Seed 002: immutable once finalized_at is set (triggers below). Exactly two foreign keys (SPEC §4);
-- subscription_id is SET NULL so no RESTRICT key sits on two cascade paths from organizations (SPEC §5).
-- invoice_number (INV-YYYY-NNNNNN, or Stripe's number) is set in the UPDATE that sets finalized_at.
CREATE TABLE invoices (
  id text PRIMARY KEY DEFAULT gen_id(),
  billing_account_id text NOT NULL CONSTRAINT invoices_billing_account_id_billing_accounts_id_fk REFERENCES billing_accounts (id) ON DELETE CASCADE,
  subscription_id text CONSTRAINT invoices_subscription_id_subscriptions_id_fk REFERENCES subscriptions (id) ON DELETE SET NULL,
  invoice_number text,
  period_start timestamptz(3) NOT NULL,
  period_end timestamptz(3) NOT NULL,
  subtotal integer NOT NULL DEFAULT 0,
  tax integer NOT NULL DEFAULT 0,
  total integer NOT NULL DEFAULT 0,
  amount_paid integer NOT NULL DEFAULT 0,
  amount_due integer NOT NULL GENERATED ALWAYS AS (total - amount_paid) STORED,
  currency text NOT NULL DEFAULT 'USD',
  status invoice_status NOT NULL DEFAULT 'DRAFT',
  issued_at timestamptz(3),
  due_at timestamptz(3),
  paid_at timestamptz(3),
  -- SHA-256 of the /pay/:token link token (SPEC §3: tokens are stored hashed).
  payment_token_hash text,
  payment_token_expires_at timestamptz(3),
  finalized_at timestamptz(3),
  stripe_invoice_id text,
  pdf_url text,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT invoices_invoice_number_key UNIQUE (invoice_number),
  CONSTRAINT invoices_payment_token_hash_key UNIQUE (payment_token_hash),
  CONSTRAINT invoices_stripe_invoice_id_key UNIQUE (stripe_invoice_id),
  CONSTRAINT invoices_subtotal_check CHECK (subtotal >= 0),
  CONSTRAINT invoices_tax_check CHECK (tax >= 0),
  CONSTRAINT invoices_total_check CHECK (total >= 0),
  CONSTRAINT invoices_amount_paid_check CHECK (amount_paid >= 0),
  CONSTRAINT invoices_amount_due_check CHECK (amount_due >= 0),
  CONSTRAINT invoices_total_sum_check CHECK (total = subtotal + tax)
);
--> statement-breakpoint
-- billing-run issues one local invoice per billing account and period, never twice (SPEC §8); a voided one may be reissued.
CREATE UNIQUE INDEX invoices_billing_account_period_key ON invoices (billing_account_id, period_start)
  WHERE stripe_invoice_id IS NULL AND status <> 'VOID';
--> statement-breakpoint
-- The partial index above cannot serve the foreign key's cascade or the account's invoice list: a full one does.
CREATE INDEX invoices_billing_account_id_idx ON invoices (billing_account_id);
--> statement-breakpoint
CREATE INDEX invoices_subscription_id_idx ON invoices (subscription_id);
--> statement-breakpoint
CREATE INDEX invoices_status_idx ON invoices (status);
--> statement-breakpoint
CREATE TRIGGER invoices_set_updated_at BEFORE UPDATE ON invoices FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- Gapless invoice numbers: the finalizing transaction runs UPDATE … SET last_number = last_number + 1 RETURNING,
-- which also serializes concurrent finalizations of the same year. No id (SPEC §4).
CREATE TABLE invoice_counters (
  year integer PRIMARY KEY,
  last_number integer NOT NULL DEFAULT 0,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT invoice_counters_last_number_check CHECK (last_number >= 0)
);
--> statement-breakpoint
CREATE TRIGGER invoice_counters_set_updated_at BEFORE UPDATE ON invoice_counters FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- Seed 002's InvoiceLineItem; its `total` is named amount (SPEC §4). Frozen with the invoice (triggers below).
CREATE TABLE invoice_line_items (
  id text PRIMARY KEY DEFAULT gen_id(),
  invoice_id text NOT NULL CONSTRAINT invoice_line_items_invoice_id_invoices_id_fk REFERENCES invoices (id) ON DELETE CASCADE,
  service_id text CONSTRAINT invoice_line_items_service_id_services_id_fk REFERENCES services (id) ON DELETE SET NULL,
  description text NOT NULL,
  quantity integer NOT NULL DEFAULT 1,
  unit_price integer NOT NULL,
  amount integer NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT invoice_line_items_quantity_check CHECK (quantity > 0),
  CONSTRAINT invoice_line_items_unit_price_check CHECK (unit_price >= 0),
  CONSTRAINT invoice_line_items_amount_check CHECK (amount = quantity * unit_price)
);
--> statement-breakpoint
CREATE INDEX invoice_line_items_invoice_id_idx ON invoice_line_items (invoice_id);
--> statement-breakpoint
CREATE INDEX invoice_line_items_service_id_idx ON invoice_line_items (service_id);
--> statement-breakpoint
CREATE TRIGGER invoice_line_items_set_updated_at BEFORE UPDATE ON invoice_line_items FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- Seed 002's Payment plus Stripe. external_id: the provider's reference (Paynow poll URL, payment intent).
-- recorded_by: the staff member who entered a manual payment.
CREATE TABLE payments (
  id text PRIMARY KEY DEFAULT gen_id(),
  billing_account_id text NOT NULL CONSTRAINT payments_billing_account_id_billing_accounts_id_fk REFERENCES billing_accounts (id) ON DELETE CASCADE,
  invoice_id text CONSTRAINT payments_invoice_id_invoices_id_fk REFERENCES invoices (id) ON DELETE SET NULL,
  amount integer NOT NULL,
  currency text NOT NULL DEFAULT 'USD',
  method payment_method NOT NULL,
  status payment_status NOT NULL DEFAULT 'PENDING',
  external_id text,
  external_status text,
  initiated_at timestamptz(3) NOT NULL DEFAULT now(),
  completed_at timestamptz(3),
  failed_at timestamptz(3),
  error_message text,
  recorded_by text CONSTRAINT payments_recorded_by_users_id_fk REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT payments_amount_check CHECK (amount > 0)
);
--> statement-breakpoint
CREATE INDEX payments_billing_account_id_idx ON payments (billing_account_id);
--> statement-breakpoint
CREATE INDEX payments_invoice_id_idx ON payments (invoice_id);
--> statement-breakpoint
CREATE INDEX payments_recorded_by_idx ON payments (recorded_by);
--> statement-breakpoint
CREATE INDEX payments_external_id_idx ON payments (external_id);
--> statement-breakpoint
CREATE INDEX payments_status_idx ON payments (status);
--> statement-breakpoint
CREATE TRIGGER payments_set_updated_at BEFORE UPDATE ON payments FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- Seed 002's Credit: corrections to finalized invoices are credits (SPEC §6). issued_by_id: the staff member.
CREATE TABLE credits (
  id text PRIMARY KEY DEFAULT gen_id(),
  billing_account_id text NOT NULL CONSTRAINT credits_billing_account_id_billing_accounts_id_fk REFERENCES billing_accounts (id) ON DELETE CASCADE,
  amount integer NOT NULL,
  reason text NOT NULL,
  issued_by_id text CONSTRAINT credits_issued_by_id_users_id_fk REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT credits_amount_check CHECK (amount > 0)
);
--> statement-breakpoint
CREATE INDEX credits_billing_account_id_idx ON credits (billing_account_id);
--> statement-breakpoint
CREATE INDEX credits_issued_by_id_idx ON credits (issued_by_id);
--> statement-breakpoint
CREATE TRIGGER credits_set_updated_at BEFORE UPDATE ON credits FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- Idempotency ledger for webhooks (SPEC §6 "Subscriptions"): the handler inserts the event with
-- ON CONFLICT DO NOTHING and applies its effect in the same transaction, so a redelivery changes nothing.
CREATE TABLE webhook_events (
  id text PRIMARY KEY DEFAULT gen_id(),
  provider text NOT NULL,
  event_id text NOT NULL,
  type text NOT NULL,
  payload jsonb NOT NULL,
  event_created_at timestamptz(3),
  received_at timestamptz(3) NOT NULL DEFAULT now(),
  processed_at timestamptz(3),
  error text,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT webhook_events_provider_event_key UNIQUE (provider, event_id)
);
--> statement-breakpoint
CREATE TRIGGER webhook_events_set_updated_at BEFORE UPDATE ON webhook_events FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- SPEC §6 "Invoices" (seed 002 "Invoice Immutability"): once finalized_at is set, only payment progress may
-- change; corrections are credits. Every other column, including ones added later, is compared via jsonb.
CREATE FUNCTION invoices_guard_finalized() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  -- amount_due is generated: its NEW value is NULL inside a BEFORE trigger, so it is left out.
  mutable CONSTANT text[] := ARRAY[
    'status', 'amount_paid', 'paid_at', 'payment_token_hash', 'payment_token_expires_at', 'pdf_url', 'updated_at',
    'amount_due', 'subscription_id'
  ];
  changed text;
BEGIN
  IF OLD.finalized_at IS NULL THEN
    RETURN NEW;
  END IF;
  IF NEW.finalized_at IS DISTINCT FROM OLD.finalized_at THEN
    RAISE EXCEPTION 'invoice % is finalized: finalized_at cannot change', OLD.id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF NEW.status = 'DRAFT' AND OLD.status <> 'DRAFT' THEN
    RAISE EXCEPTION 'invoice % is finalized: its status cannot go back to DRAFT', OLD.id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  -- The subscription link is cleared only by the subscription's deletion (ON DELETE SET NULL).
  IF NEW.subscription_id IS DISTINCT FROM OLD.subscription_id AND (
    NEW.subscription_id IS NOT NULL
    OR EXISTS (SELECT 1 FROM subscriptions s WHERE s.id = OLD.subscription_id)
  ) THEN
    RAISE EXCEPTION 'invoice % is finalized: subscription_id cannot change', OLD.id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  SELECT string_agg(o.key, ', ' ORDER BY o.key) INTO changed
  FROM jsonb_each(to_jsonb(OLD) - mutable) o
  JOIN jsonb_each(to_jsonb(NEW) - mutable) n USING (key)
  WHERE o.value IS DISTINCT FROM n.value;
  IF changed IS NOT NULL THEN
    RAISE EXCEPTION 'invoice % is finalized: % cannot change (issue a credit instead)', OLD.id, changed
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER invoices_guard_finalized BEFORE UPDATE ON invoices
  FOR EACH ROW EXECUTE FUNCTION invoices_guard_finalized();
--> statement-breakpoint

-- SPEC §6: a finalized invoice goes only with its billing account (and so only with its organization).
-- During the cascade from billing_accounts the parent row is already gone, so the EXISTS is false.
CREATE FUNCTION invoices_guard_delete() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF OLD.finalized_at IS NOT NULL
    AND EXISTS (SELECT 1 FROM billing_accounts b WHERE b.id = OLD.billing_account_id) THEN
    RAISE EXCEPTION 'invoice % is finalized and cannot be deleted (void it or issue a credit)', OLD.id
      USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN OLD;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER invoices_guard_delete BEFORE DELETE ON invoices
  FOR EACH ROW EXECUTE FUNCTION invoices_guard_delete();
--> statement-breakpoint

-- SPEC §6: a billing account (with its finalized invoices) is deleted only by its organization's deletion.
CREATE FUNCTION billing_accounts_guard_delete() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM organizations o WHERE o.id = OLD.organization_id) THEN
    RAISE EXCEPTION 'billing account % can only be deleted with its organization', OLD.id
      USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN OLD;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER billing_accounts_guard_delete BEFORE DELETE ON billing_accounts
  FOR EACH ROW EXECUTE FUNCTION billing_accounts_guard_delete();
--> statement-breakpoint

-- SPEC §6: line items freeze with their invoice. Two exceptions keep cascades working: service_id -> NULL
-- when the service row is gone (its ON DELETE SET NULL), and DELETE when the invoice row is gone.
CREATE FUNCTION invoice_line_items_guard_finalized() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  old_frozen boolean := false;
  new_frozen boolean := false;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    old_frozen := EXISTS (SELECT 1 FROM invoices i WHERE i.id = OLD.invoice_id AND i.finalized_at IS NOT NULL);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    new_frozen := EXISTS (SELECT 1 FROM invoices i WHERE i.id = NEW.invoice_id AND i.finalized_at IS NOT NULL);
  END IF;

  IF TG_OP = 'DELETE' THEN
    IF old_frozen THEN
      RAISE EXCEPTION 'line item % belongs to finalized invoice % and cannot be deleted', OLD.id, OLD.invoice_id
        USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN OLD;
  END IF;

  IF TG_OP = 'INSERT' THEN
    IF new_frozen THEN
      RAISE EXCEPTION 'invoice % is finalized: line items cannot be added', NEW.invoice_id
        USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
  END IF;

  IF (old_frozen OR new_frozen) AND NOT (
    OLD.service_id IS NOT NULL AND NEW.service_id IS NULL
    AND NOT EXISTS (SELECT 1 FROM services s WHERE s.id = OLD.service_id)
    AND to_jsonb(NEW) - ARRAY['service_id', 'updated_at'] = to_jsonb(OLD) - ARRAY['service_id', 'updated_at']
  ) THEN
    RAISE EXCEPTION 'line item % belongs to a finalized invoice and cannot change', OLD.id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER invoice_line_items_guard_finalized BEFORE INSERT OR UPDATE OR DELETE ON invoice_line_items
  FOR EACH ROW EXECUTE FUNCTION invoice_line_items_guard_finalized();
--> statement-breakpoint

-- Same-tenant integrity (SPEC §5): a payment's invoice belongs to the payment's billing account.
CREATE FUNCTION payments_same_tenant() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF NEW.invoice_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM invoices i WHERE i.id = NEW.invoice_id AND i.billing_account_id = NEW.billing_account_id
  ) THEN
    RAISE EXCEPTION 'payment invoice % belongs to another billing account', NEW.invoice_id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER payments_same_tenant BEFORE INSERT OR UPDATE OF invoice_id, billing_account_id ON payments
  FOR EACH ROW EXECUTE FUNCTION payments_same_tenant();
--> statement-breakpoint

-- Same-tenant integrity (SPEC §5): a line item's service belongs to the organization billed by the invoice.
CREATE FUNCTION invoice_line_items_same_tenant() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF NEW.service_id IS NOT NULL AND NOT EXISTS (
    SELECT 1
    FROM invoices i
    JOIN billing_accounts b ON b.id = i.billing_account_id
    JOIN services s ON s.organization_id = b.organization_id
    WHERE i.id = NEW.invoice_id AND s.id = NEW.service_id
  ) THEN
    RAISE EXCEPTION 'line item service % belongs to another organization than invoice %', NEW.service_id, NEW.invoice_id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER invoice_line_items_same_tenant BEFORE INSERT OR UPDATE OF service_id, invoice_id ON invoice_line_items
  FOR EACH ROW EXECUTE FUNCTION invoice_line_items_same_tenant();
--> statement-breakpoint

-- Same-tenant integrity: an invoice's subscription is the subscription of the billing account's organization.
CREATE FUNCTION invoices_same_tenant() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF NEW.subscription_id IS NOT NULL AND NOT EXISTS (
    SELECT 1
    FROM subscriptions s
    JOIN billing_accounts b ON b.organization_id = s.organization_id
    WHERE s.id = NEW.subscription_id AND b.id = NEW.billing_account_id
  ) THEN
    RAISE EXCEPTION 'invoice subscription % belongs to another organization', NEW.subscription_id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER invoices_same_tenant BEFORE INSERT OR UPDATE OF subscription_id, billing_account_id ON invoices
  FOR EACH ROW EXECUTE FUNCTION invoices_same_tenant();
--> statement-breakpoint

-- SPEC §6: invoice history cannot be wiped by TRUNCATE (which skips row triggers).
CREATE TRIGGER invoices_refuse_truncate BEFORE TRUNCATE ON invoices
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();
--> statement-breakpoint
CREATE TRIGGER invoice_line_items_refuse_truncate BEFORE TRUNCATE ON invoice_line_items
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();
