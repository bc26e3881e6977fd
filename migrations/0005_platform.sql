-- Support, audit, email, settings, cron (SPEC §4 "Support, audit, email, settings, cron"; seeds 002, 003).

CREATE TYPE ticket_status AS ENUM ('OPEN', 'IN_PROGRESS', 'WAITING_ON_CLIENT', 'RESOLVED', 'CLOSED');
--> statement-breakpoint
CREATE TYPE ticket_priority AS ENUM ('LOW', 'NORMAL', 'HIGH', 'URGENT');
--> statement-breakpoint
CREATE TYPE audit_actor_type AS ENUM ('USER', 'API_KEY', 'SYSTEM');
--> statement-breakpoint
CREATE TYPE email_status AS ENUM ('QUEUED', 'SENDING', 'SENT', 'FAILED');
--> statement-breakpoint
CREATE TYPE cron_run_status AS ENUM ('RUNNING', 'SUCCEEDED', 'FAILED', 'SKIPPED');
--> statement-breakpoint

-- Seed 002's organization tickets with seed 003's customer/assignee. The customer (creator) is kept (RESTRICT,
-- seed 003); staff assignment survives the assignee as NULL.
CREATE TABLE support_tickets (
  id text PRIMARY KEY DEFAULT gen_id(),
  organization_id text NOT NULL CONSTRAINT support_tickets_organization_id_organizations_id_fk REFERENCES organizations (id) ON DELETE CASCADE,
  customer_id text NOT NULL CONSTRAINT support_tickets_customer_id_users_id_fk REFERENCES users (id) ON DELETE RESTRICT,
  assignee_id text CONSTRAINT support_tickets_assignee_id_users_id_fk REFERENCES users (id) ON DELETE SET NULL,
  subject text NOT NULL,
  description text NOT NULL,
  status ticket_status NOT NULL DEFAULT 'OPEN',
  priority ticket_priority NOT NULL DEFAULT 'NORMAL',
  metadata jsonb,
  resolved_at timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now()
);
--> statement-breakpoint
CREATE INDEX support_tickets_organization_status_idx ON support_tickets (organization_id, status);
--> statement-breakpoint
-- The staff queue across organizations.
CREATE INDEX support_tickets_status_idx ON support_tickets (status);
--> statement-breakpoint
CREATE INDEX support_tickets_customer_id_idx ON support_tickets (customer_id);
--> statement-breakpoint
CREATE INDEX support_tickets_assignee_id_idx ON support_tickets (assignee_id);
--> statement-breakpoint
CREATE TRIGGER support_tickets_set_updated_at BEFORE UPDATE ON support_tickets FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- Messages are never edited (no updated_at, SPEC §4); is_internal notes are shown to staff only.
CREATE TABLE support_messages (
  id text PRIMARY KEY DEFAULT gen_id(),
  ticket_id text NOT NULL CONSTRAINT support_messages_ticket_id_support_tickets_id_fk REFERENCES support_tickets (id) ON DELETE CASCADE,
  sender_id text NOT NULL CONSTRAINT support_messages_sender_id_users_id_fk REFERENCES users (id) ON DELETE RESTRICT,
  message text NOT NULL,
  is_internal boolean NOT NULL DEFAULT false,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
--> statement-breakpoint
-- A ticket's thread in order.
CREATE INDEX support_messages_ticket_created_at_idx ON support_messages (ticket_id, created_at);
--> statement-breakpoint
CREATE INDEX support_messages_sender_id_idx ON support_messages (sender_id);
--> statement-breakpoint

-- The audit trail (SPEC §3: every mutation writes one, in the same transaction). user_id is the only foreign
-- key; every other reference is a plain column so the trail outlives what it describes. No updated_at.
CREATE TABLE audit_logs (
  id text PRIMARY KEY DEFAULT gen_id(),
  user_id text CONSTRAINT audit_logs_user_id_users_id_fk REFERENCES users (id) ON DELETE SET NULL,
  actor_type audit_actor_type NOT NULL,
  actor_api_key_id text,
  organization_id text,
  action text NOT NULL,
  entity_type text NOT NULL,
  entity_id text,
  old_values jsonb,
  new_values jsonb,
  metadata jsonb,
  ip_address text,
  user_agent text,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
--> statement-breakpoint
-- The organization's audit log page, newest first.
CREATE INDEX audit_logs_organization_created_at_idx ON audit_logs (organization_id, created_at);
--> statement-breakpoint
CREATE INDEX audit_logs_user_id_idx ON audit_logs (user_id);
--> statement-breakpoint
CREATE INDEX audit_logs_action_idx ON audit_logs (action);
--> statement-breakpoint
CREATE INDEX audit_logs_entity_idx ON audit_logs (entity_type, entity_id);
--> statement-breakpoint

-- SPEC §6: audit_logs is append-only. The one UPDATE allowed is the foreign key's own SET NULL when a user is
-- hard-deleted: user_id from a value to NULL, nothing else changed, and no users row with the old id left.
CREATE FUNCTION audit_logs_append_only() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND OLD.user_id IS NOT NULL
     AND NEW.user_id IS NULL
     AND (to_jsonb(NEW) - 'user_id') = (to_jsonb(OLD) - 'user_id')
     AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = OLD.user_id) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_logs is append-only: % of audit log % is not allowed', TG_OP, OLD.id
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_logs_append_only BEFORE UPDATE OR DELETE ON audit_logs
  FOR EACH ROW EXECUTE FUNCTION audit_logs_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_logs_refuse_truncate BEFORE TRUNCATE ON audit_logs
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();
--> statement-breakpoint

-- The email outbox (seed 002 EmailLog): rows are written in the action's transaction and delivered by
-- send-emails with backoff. template_data holds encrypted link tokens and is cleared once SENT or FAILED.
CREATE TABLE email_logs (
  id text PRIMARY KEY DEFAULT gen_id(),
  "to" text NOT NULL,
  subject text NOT NULL,
  template text NOT NULL,
  template_data jsonb,
  status email_status NOT NULL DEFAULT 'QUEUED',
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz(3) NOT NULL DEFAULT now(),
  last_error text,
  entity_type text,
  entity_id text,
  sent_at timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT email_logs_attempts_check CHECK (attempts >= 0)
);
--> statement-breakpoint
-- send-emails claims due rows: status = 'QUEUED' AND next_attempt_at <= now() ORDER BY next_attempt_at.
CREATE INDEX email_logs_status_next_attempt_at_idx ON email_logs (status, next_attempt_at);
--> statement-breakpoint
CREATE INDEX email_logs_to_idx ON email_logs ("to");
--> statement-breakpoint
CREATE INDEX email_logs_entity_idx ON email_logs (entity_type, entity_id);
--> statement-breakpoint
CREATE TRIGGER email_logs_set_updated_at BEFORE UPDATE ON email_logs FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- Seed 002 SystemSetting ∪ seed 003 SystemConfig; value is jsonb so settings keep their type.
CREATE TABLE system_settings (
  id text PRIMARY KEY DEFAULT gen_id(),
  key text NOT NULL,
  value jsonb NOT NULL,
  description text,
  updated_by text CONSTRAINT system_settings_updated_by_users_id_fk REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT system_settings_key_key UNIQUE (key)
);
--> statement-breakpoint
CREATE INDEX system_settings_updated_by_idx ON system_settings (updated_by);
--> statement-breakpoint
CREATE TRIGGER system_settings_set_updated_at BEFORE UPDATE ON system_settings FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- One row per cron job run (SPEC §8). Starting a run inserts a RUNNING row; the partial unique index makes a
-- concurrent second start fail with 23505. A RUNNING row always has a lease, so a crashed run can be expired.
CREATE TABLE cron_runs (
  id text PRIMARY KEY DEFAULT gen_id(),
  job text NOT NULL,
  status cron_run_status NOT NULL DEFAULT 'RUNNING',
  started_at timestamptz(3) NOT NULL DEFAULT now(),
  finished_at timestamptz(3),
  lease_expires_at timestamptz(3),
  counts jsonb,
  error text,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT cron_runs_running_lease_check CHECK (status <> 'RUNNING' OR lease_expires_at IS NOT NULL)
);
--> statement-breakpoint
CREATE UNIQUE INDEX cron_runs_running_job_key ON cron_runs (job) WHERE status = 'RUNNING';
--> statement-breakpoint
-- The admin's run history per job, newest first.
CREATE INDEX cron_runs_job_started_at_idx ON cron_runs (job, started_at);
--> statement-breakpoint
CREATE TRIGGER cron_runs_set_updated_at BEFORE UPDATE ON cron_runs FOR EACH ROW EXECUTE FUNCTION set_updated_at();
