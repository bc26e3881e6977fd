-- The dashboard's "API calls per day" chart (issue 14 §4) summed the month's api.call events on every view:
-- at a million events in the month that was a ~190 ms scan per page (bench/request-path.ts, dashboard ÷
-- /pricing fell to 0.44). A counter per organization, UTC day and event type, kept in the same statements
-- as usage_counters (the ingestion API's own upsert, and the statement trigger for every other insert),
-- makes the chart read at most 31 rows whatever the history (docs/decisions/0020-usage-daily-counters.md).

CREATE TABLE usage_daily_counters (
  id text PRIMARY KEY DEFAULT gen_id(),
  organization_id text NOT NULL CONSTRAINT usage_daily_counters_organization_id_organizations_id_fk REFERENCES organizations (id) ON DELETE CASCADE,
  -- The UTC calendar day.
  day date NOT NULL,
  event_type text NOT NULL,
  quantity bigint NOT NULL DEFAULT 0,
  events bigint NOT NULL DEFAULT 0,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT usage_daily_counters_organization_day_event_type_key UNIQUE (organization_id, day, event_type)
);
--> statement-breakpoint
CREATE TRIGGER usage_daily_counters_set_updated_at BEFORE UPDATE ON usage_daily_counters FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- The statement trigger of 0009 now keeps both counters; same grouping, same lock order.
CREATE OR REPLACE FUNCTION usage_events_count() RETURNS trigger
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
  INSERT INTO usage_daily_counters (organization_id, day, event_type, quantity, events)
  SELECT n.organization_id, (n."timestamp" AT TIME ZONE 'UTC')::date, n.event_type, sum(n.quantity), count(*)
    FROM new_events n
   GROUP BY 1, 2, 3
   ORDER BY 1, 2, 3
  ON CONFLICT (organization_id, day, event_type) DO UPDATE
    SET quantity = usage_daily_counters.quantity + EXCLUDED.quantity,
        events = usage_daily_counters.events + EXCLUDED.events;
  RETURN NULL;
END;
$$;
--> statement-breakpoint

-- The daily counters start from the events already recorded.
INSERT INTO usage_daily_counters (organization_id, day, event_type, quantity, events)
SELECT organization_id, ("timestamp" AT TIME ZONE 'UTC')::date, event_type, sum(quantity), count(*)
  FROM usage_events
 GROUP BY 1, 2, 3;
