-- Store catalog search (issue 13 §1): a tsvector over name, short description and tags, kept by
-- PostgreSQL itself (a generated column, so set-based SQL and admin edits never leave it stale) and
-- searched through a GIN index. Weights: name and tags A, short description B (ts_rank orders by them).
-- array_to_string is only STABLE (element output functions), so the document is built by one IMMUTABLE
-- function over text[], which a generated column and its index require.
CREATE FUNCTION store_search_document(name text, short_description text, tags text[]) RETURNS tsvector
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$
    SELECT setweight(to_tsvector('english'::regconfig, coalesce(name, '')), 'A')
      || setweight(to_tsvector('english'::regconfig, coalesce(array_to_string(tags, ' '), '')), 'A')
      || setweight(to_tsvector('english'::regconfig, coalesce(short_description, '')), 'B')
  $$;
--> statement-breakpoint
ALTER TABLE products
  ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (store_search_document(name, short_description, tags)) STORED;
--> statement-breakpoint
CREATE INDEX products_search_vector_idx ON products USING gin (search_vector);
