-- Foundation: helpers every later migration relies on (SPEC §3).
-- Statements are separated by breakpoints because PGlite and drizzle's pg drivers run one statement per call.

-- gen_id(): 25-character lowercase id ('c' + 24 hex characters) so set-based SQL (cron jobs) can insert rows.
-- Ids are not time-ordered: lists order by (created_at, id).
CREATE FUNCTION gen_id() RETURNS text
LANGUAGE sql VOLATILE
AS $$ SELECT 'c' || substr(replace(gen_random_uuid()::text, '-', ''), 1, 24) $$;
--> statement-breakpoint

-- One trigger function keeps every updated_at right, including for set-based UPDATEs.
CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;
--> statement-breakpoint

-- Statement-level guard for tables whose history must survive (invoices, line items, audit_logs).
-- Tests isolate by fresh database, never TRUNCATE.
CREATE FUNCTION refuse_truncate() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  RAISE EXCEPTION 'TRUNCATE of % is not allowed', TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
