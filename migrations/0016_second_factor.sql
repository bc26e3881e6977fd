-- Identity, issue 15: a second factor (docs/decisions/0019-second-factor.md).
-- How each session signed in, and whether it still owes its second step: a session with
-- two_factor_pending may only reach /login/two-factor and sign out (short TTL, replaced by a new token
-- once the code is right). reauthenticated_at is set at sign-in and by re-authentication (sudo mode).
ALTER TABLE sessions ADD COLUMN sign_in_method text NOT NULL DEFAULT 'password';
--> statement-breakpoint
ALTER TABLE sessions ADD CONSTRAINT sessions_sign_in_method_check
  CHECK (sign_in_method IN ('password', 'github', 'google', 'passkey'));
--> statement-breakpoint
ALTER TABLE sessions ADD COLUMN second_factor text;
--> statement-breakpoint
ALTER TABLE sessions ADD CONSTRAINT sessions_second_factor_check
  CHECK (second_factor IS NULL OR second_factor IN ('totp', 'recovery_code', 'passkey'));
--> statement-breakpoint
ALTER TABLE sessions ADD COLUMN two_factor_pending boolean NOT NULL DEFAULT false;
--> statement-breakpoint
ALTER TABLE sessions ADD COLUMN reauthenticated_at timestamptz(3);
--> statement-breakpoint
-- OWNER/ADMIN: members must have a second factor before they reach the organization's pages.
ALTER TABLE organizations ADD COLUMN require_two_factor boolean NOT NULL DEFAULT false;
--> statement-breakpoint

-- One authenticator app per user. The secret is AES-256-GCM under TOTP_ENCRYPTION_KEY; confirmed_at is
-- NULL until the first code proved the app has it (an unconfirmed row is an enrollment in progress).
-- last_used_step: the 30-second step of the last accepted code; a code of that step or earlier is a replay.
CREATE TABLE totp_credentials (
  id text PRIMARY KEY DEFAULT gen_id(),
  user_id text NOT NULL CONSTRAINT totp_credentials_user_id_users_id_fk REFERENCES users (id) ON DELETE CASCADE,
  encrypted_secret text NOT NULL,
  confirmed_at timestamptz(3),
  last_used_step bigint,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT totp_credentials_user_id_key UNIQUE (user_id)
);
--> statement-breakpoint
CREATE TRIGGER totp_credentials_set_updated_at BEFORE UPDATE ON totp_credentials FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- Ten single-use recovery codes per user, stored as SHA-256 (they are random, 50 bits each); used_at marks
-- a spent one. Regenerating deletes the old set.
CREATE TABLE recovery_codes (
  id text PRIMARY KEY DEFAULT gen_id(),
  user_id text NOT NULL CONSTRAINT recovery_codes_user_id_users_id_fk REFERENCES users (id) ON DELETE CASCADE,
  code_hash text NOT NULL,
  used_at timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT recovery_codes_user_code_key UNIQUE (user_id, code_hash)
);
--> statement-breakpoint
CREATE TRIGGER recovery_codes_set_updated_at BEFORE UPDATE ON recovery_codes FOR EACH ROW EXECUTE FUNCTION set_updated_at();
