-- API and usage (SPEC §4 "API and usage"; seeds 002, 004).

-- key_hash = SHA-256 of the full key `sk_<prefix>_<secret>`; only key_prefix is kept for display (SPEC §3).
-- A key acts as the member who created it, so it goes with that user (SPEC §5) and with its organization.
CREATE TABLE api_keys (
  id text PRIMARY KEY DEFAULT gen_id(),
  organization_id text NOT NULL CONSTRAINT api_keys_organization_id_organizations_id_fk REFERENCES organizations (id) ON DELETE CASCADE,
  user_id text NOT NULL CONSTRAINT api_keys_user_id_users_id_fk REFERENCES users (id) ON DELETE CASCADE,
  name text NOT NULL,
  key_hash text NOT NULL,
  key_prefix text NOT NULL,
  -- No default: drizzle-kit 0.31 cannot introspect an empty-array default (reads '{""}'), and a key's scopes
  -- are always chosen when it is created.
  scopes text[] NOT NULL,
  is_active boolean NOT NULL DEFAULT true,
  rate_limit integer NOT NULL DEFAULT 1000,
  expires_at timestamptz(3),
  last_used_at timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT api_keys_key_hash_key UNIQUE (key_hash),
  -- Seed 002: requests per hour.
  CONSTRAINT api_keys_rate_limit_check CHECK (rate_limit > 0),
  -- The closed scope list of SPEC §4 (also in code); a new scope needs a migration on purpose.
  CONSTRAINT api_keys_scopes_check CHECK (scopes <@ ARRAY['usage:read', 'usage:write', 'rooms:read', 'rooms:write']::text[])
);
--> statement-breakpoint
CREATE INDEX api_keys_organization_id_idx ON api_keys (organization_id);
--> statement-breakpoint
CREATE INDEX api_keys_user_id_idx ON api_keys (user_id);
--> statement-breakpoint
CREATE INDEX api_keys_key_prefix_idx ON api_keys (key_prefix);
--> statement-breakpoint
CREATE TRIGGER api_keys_set_updated_at BEFORE UPDATE ON api_keys FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- Metered usage (seed 002 UsageEvent ∪ seed 004 UsageRecord). The API key and project are optional links
-- that survive as NULL; the event itself goes only with its organization.
CREATE TABLE usage_events (
  id text PRIMARY KEY DEFAULT gen_id(),
  organization_id text NOT NULL CONSTRAINT usage_events_organization_id_organizations_id_fk REFERENCES organizations (id) ON DELETE CASCADE,
  api_key_id text CONSTRAINT usage_events_api_key_id_api_keys_id_fk REFERENCES api_keys (id) ON DELETE SET NULL,
  project_id text CONSTRAINT usage_events_project_id_projects_id_fk REFERENCES projects (id) ON DELETE SET NULL,
  event_type text NOT NULL,
  quantity integer NOT NULL DEFAULT 1,
  event_data jsonb,
  idempotency_key text,
  "timestamp" timestamptz(3) NOT NULL DEFAULT now(),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT usage_events_quantity_check CHECK (quantity > 0)
);
--> statement-breakpoint
-- Monthly sums by event type (plan limit at ingestion, usage-rollup, the usage page).
CREATE INDEX usage_events_organization_event_type_timestamp_idx ON usage_events (organization_id, event_type, "timestamp");
--> statement-breakpoint
CREATE INDEX usage_events_api_key_id_idx ON usage_events (api_key_id);
--> statement-breakpoint
CREATE INDEX usage_events_project_id_idx ON usage_events (project_id);
--> statement-breakpoint
-- A retried ingestion batch with the same idempotency key records nothing twice.
CREATE UNIQUE INDEX usage_events_organization_idempotency_key_key ON usage_events (organization_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
--> statement-breakpoint
CREATE TRIGGER usage_events_set_updated_at BEFORE UPDATE ON usage_events FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- Same-tenant integrity (SPEC §5): the project and the API key belong to the event's organization.
-- Refuses only a parent that exists in another organization: a parent deleted earlier in the same cascade
-- (organization deletion) must not fail the SET NULL of the other key.
CREATE FUNCTION usage_events_same_tenant() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF NEW.project_id IS NOT NULL AND EXISTS (
    SELECT 1 FROM projects p WHERE p.id = NEW.project_id AND p.organization_id <> NEW.organization_id
  ) THEN
    RAISE EXCEPTION 'usage event project % belongs to another organization', NEW.project_id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF NEW.api_key_id IS NOT NULL AND EXISTS (
    SELECT 1 FROM api_keys k WHERE k.id = NEW.api_key_id AND k.organization_id <> NEW.organization_id
  ) THEN
    RAISE EXCEPTION 'usage event API key % belongs to another organization', NEW.api_key_id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER usage_events_same_tenant BEFORE INSERT OR UPDATE OF organization_id, api_key_id, project_id ON usage_events
  FOR EACH ROW EXECUTE FUNCTION usage_events_same_tenant();
--> statement-breakpoint

-- Counters in PostgreSQL so limits hold across app instances (SPEC §4): one row per key and one-minute bucket,
-- upserted with ON CONFLICT (key, window_start). No id, no timestamps (SPEC §4).
CREATE TABLE rate_limits (
  key text NOT NULL,
  window_start timestamptz(3) NOT NULL,
  count integer NOT NULL DEFAULT 1,
  CONSTRAINT rate_limits_pkey PRIMARY KEY (key, window_start),
  CONSTRAINT rate_limits_count_check CHECK (count > 0)
);
--> statement-breakpoint
-- Purging old buckets by age.
CREATE INDEX rate_limits_window_start_idx ON rate_limits (window_start);
