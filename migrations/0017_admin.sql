-- Platform admin area (issue 14, docs/decisions/0017-platform-staff-and-impersonation.md).
-- Impersonation lives on the staff member's own session: while impersonated_user_id is set, that session
-- reads the product as this user (read-only, enforced in app/admin/impersonation.server.ts). Revoking the
-- session ends it; the target's deletion ends it too (SET NULL).
ALTER TABLE sessions ADD COLUMN impersonated_user_id text
  CONSTRAINT sessions_impersonated_user_id_users_id_fk REFERENCES users (id) ON DELETE SET NULL;
--> statement-breakpoint
CREATE INDEX sessions_impersonated_user_id_idx ON sessions (impersonated_user_id);
--> statement-breakpoint

-- Unread markers of support tickets, per reader: when this person last opened the ticket. A customer sees
-- staff replies newer than it as unread; a staff member sees customer messages newer than it. A separate
-- table so reading never touches support_tickets.updated_at (the ticket's last activity).
CREATE TABLE support_ticket_reads (
  id text PRIMARY KEY DEFAULT gen_id(),
  ticket_id text NOT NULL
    CONSTRAINT support_ticket_reads_ticket_id_support_tickets_id_fk REFERENCES support_tickets (id) ON DELETE CASCADE,
  user_id text NOT NULL
    CONSTRAINT support_ticket_reads_user_id_users_id_fk REFERENCES users (id) ON DELETE CASCADE,
  read_at timestamptz(3) NOT NULL DEFAULT now(),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT support_ticket_reads_ticket_user_key UNIQUE (ticket_id, user_id)
);
--> statement-breakpoint
CREATE INDEX support_ticket_reads_user_id_idx ON support_ticket_reads (user_id);
--> statement-breakpoint
CREATE TRIGGER support_ticket_reads_set_updated_at BEFORE UPDATE ON support_ticket_reads FOR EACH ROW EXECUTE FUNCTION set_updated_at();
