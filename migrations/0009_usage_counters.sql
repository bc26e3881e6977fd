-- Usage at scale (issue 9; docs/decisions/0010-usage-counters.md).
-- The monthly plan limit used to sum the month's api.call events at every ingestion, under the
-- organization row lock: its cost grew with history and it blocked every other write of the organization.
-- A counter per organization, UTC month and event type is kept by a statement trigger in the inserting
-- transaction; the limit check reads (and row-locks) one counter row. `usage-rollup` recomputes the
-- counters from the events, so they cannot drift for long.

CREATE TABLE usage_counters (
  id text PRIMARY KEY DEFAULT gen_id(),
  organization_id text NOT NULL CONSTRAINT usage_counters_organization_id_organizations_id_fk REFERENCES organizations (id) ON DELETE CASCADE,
  -- The first day of the UTC calendar month.
  month date NOT NULL,
  event_type text NOT NULL,
  quantity bigint NOT NULL DEFAULT 0,
  events bigint NOT NULL DEFAULT 0,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT usage_counters_organization_month_event_type_key UNIQUE (organization_id, month, event_type),
  CONSTRAINT usage_counters_month_check CHECK (month = date_trunc('month', month)::date)
);
--> statement-breakpoint
CREATE TRIGGER usage_counters_set_updated_at BEFORE UPDATE ON usage_counters FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- One upsert per inserting statement, grouped: a batch of 1,000 events touches one row per event type.
-- ORDER BY makes concurrent batches lock counter rows in the same order (no deadlock). The ingestion API
-- counts its own rows in the inserting statement itself, as late in its transaction as it can, so the
-- counter lock is held for microseconds; it says so with the transaction-local setting below.
CREATE FUNCTION usage_events_count() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF current_setting('saas.usage_counted_by_app', true) = 'on' THEN
    RETURN NULL;
  END IF;
  INSERT INTO usage_counters (organization_id, month, event_type, quantity, events)
  SELECT n.organization_id, date_trunc('month', n."timestamp" AT TIME ZONE 'UTC')::date, n.event_type,
         sum(n.quantity), count(*)
    FROM new_events n
   GROUP BY 1, 2, 3
   ORDER BY 1, 2, 3
  ON CONFLICT (organization_id, month, event_type) DO UPDATE
    SET quantity = usage_counters.quantity + EXCLUDED.quantity,
        events = usage_counters.events + EXCLUDED.events;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER usage_events_count AFTER INSERT ON usage_events
  REFERENCING NEW TABLE AS new_events
  FOR EACH STATEMENT EXECUTE FUNCTION usage_events_count();
--> statement-breakpoint

-- Same-tenant integrity (SPEC §5), now one join per statement over the transition table instead of a
-- PL/pgSQL call and two lookups per row. As before, only a parent that exists in another organization is
-- refused: a parent deleted earlier in the same cascade must not fail the SET NULL of the other key.
DROP TRIGGER usage_events_same_tenant ON usage_events;
--> statement-breakpoint
DROP FUNCTION usage_events_same_tenant();
--> statement-breakpoint
CREATE FUNCTION usage_events_same_tenant() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  bad record;
BEGIN
  SELECT n.project_id, n.api_key_id, (p.id IS NOT NULL) AS project_foreign INTO bad
    FROM new_events n
    LEFT JOIN projects p ON p.id = n.project_id AND p.organization_id <> n.organization_id
    LEFT JOIN api_keys k ON k.id = n.api_key_id AND k.organization_id <> n.organization_id
   WHERE p.id IS NOT NULL OR k.id IS NOT NULL
   LIMIT 1;
  IF FOUND THEN
    IF bad.project_foreign THEN
      RAISE EXCEPTION 'usage event project % belongs to another organization', bad.project_id
        USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RAISE EXCEPTION 'usage event API key % belongs to another organization', bad.api_key_id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER usage_events_same_tenant AFTER INSERT ON usage_events
  REFERENCING NEW TABLE AS new_events
  FOR EACH STATEMENT EXECUTE FUNCTION usage_events_same_tenant();
--> statement-breakpoint
CREATE TRIGGER usage_events_same_tenant_update AFTER UPDATE ON usage_events
  REFERENCING NEW TABLE AS new_events
  FOR EACH STATEMENT EXECUTE FUNCTION usage_events_same_tenant();
--> statement-breakpoint

-- The counters start from the events already recorded.
INSERT INTO usage_counters (organization_id, month, event_type, quantity, events)
SELECT organization_id, date_trunc('month', "timestamp" AT TIME ZONE 'UTC')::date, event_type, sum(quantity), count(*)
  FROM usage_events
 GROUP BY 1, 2, 3;
