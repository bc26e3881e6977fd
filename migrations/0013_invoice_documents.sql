-- Invoice PDFs (issue 11 §4): rendered once, when the invoice is finalized, and kept, so the document a
-- customer downloads never changes after payments or edits elsewhere. In the database, not on a disk, so
-- every app instance serves the same bytes and a backup holds them. Rows are immutable; they go with their
-- invoice (which goes only with its organization, SPEC §6).
CREATE TABLE invoice_documents (
  invoice_id text PRIMARY KEY CONSTRAINT invoice_documents_invoice_id_invoices_id_fk REFERENCES invoices (id) ON DELETE CASCADE,
  content bytea NOT NULL,
  sha256 text NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
--> statement-breakpoint
CREATE FUNCTION invoice_documents_immutable() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  RAISE EXCEPTION 'invoice document % cannot change once stored', OLD.invoice_id
    USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER invoice_documents_immutable BEFORE UPDATE ON invoice_documents
  FOR EACH ROW EXECUTE FUNCTION invoice_documents_immutable();
