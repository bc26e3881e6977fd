-- Identity, issue 15: passkeys (WebAuthn), their one-time challenges, and email change
-- (docs/decisions/0019-second-factor.md, "Passkeys and sudo mode").

-- A user's passkeys. credential_id and public_key are base64url (as WebAuthn hands them over); counter is
-- the authenticator's signature counter (0 for most passkeys, which do not count); transports are the
-- browser's hints for the next ceremony. A passkey is a whole sign-in (possession + user verification),
-- so it also counts as a second factor (userHasSecondFactor).
CREATE TABLE webauthn_credentials (
  id text PRIMARY KEY DEFAULT gen_id(),
  user_id text NOT NULL CONSTRAINT webauthn_credentials_user_id_users_id_fk REFERENCES users (id) ON DELETE CASCADE,
  credential_id text NOT NULL,
  public_key text NOT NULL,
  counter bigint NOT NULL DEFAULT 0,
  transports text[] NOT NULL,
  backed_up boolean NOT NULL DEFAULT false,
  name text NOT NULL,
  last_used_at timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT webauthn_credentials_credential_id_key UNIQUE (credential_id),
  CONSTRAINT webauthn_credentials_counter_check CHECK (counter >= 0),
  CONSTRAINT webauthn_credentials_name_check CHECK (char_length(name) BETWEEN 1 AND 64)
);
--> statement-breakpoint
CREATE INDEX webauthn_credentials_user_id_idx ON webauthn_credentials (user_id);
--> statement-breakpoint
CREATE TRIGGER webauthn_credentials_set_updated_at BEFORE UPDATE ON webauthn_credentials FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- The challenge of each WebAuthn ceremony: short-lived (expires_at) and single use (used_at is set by the
-- one UPDATE … WHERE used_at IS NULL that consumes it). Registration and re-authentication challenges
-- belong to a user (user_id); a sign-in challenge belongs to nobody yet (the passkey names its user).
CREATE TABLE webauthn_challenges (
  id text PRIMARY KEY DEFAULT gen_id(),
  purpose text NOT NULL,
  user_id text CONSTRAINT webauthn_challenges_user_id_users_id_fk REFERENCES users (id) ON DELETE CASCADE,
  challenge text NOT NULL,
  expires_at timestamptz(3) NOT NULL,
  used_at timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT webauthn_challenges_challenge_key UNIQUE (challenge),
  CONSTRAINT webauthn_challenges_purpose_check CHECK (purpose IN ('registration', 'authentication', 'reauthentication')),
  CONSTRAINT webauthn_challenges_user_check CHECK (purpose = 'authentication' OR user_id IS NOT NULL)
);
--> statement-breakpoint
CREATE INDEX webauthn_challenges_user_id_idx ON webauthn_challenges (user_id);
--> statement-breakpoint
CREATE INDEX webauthn_challenges_expires_at_idx ON webauthn_challenges (expires_at);
--> statement-breakpoint
CREATE TRIGGER webauthn_challenges_set_updated_at BEFORE UPDATE ON webauthn_challenges FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- A requested change of a user's sign-in email: the link sent to the new address carries the token (stored
-- as SHA-256). Until it is opened, users.email stays the old address (the sign-in email). Single use.
CREATE TABLE email_change_requests (
  id text PRIMARY KEY DEFAULT gen_id(),
  user_id text NOT NULL CONSTRAINT email_change_requests_user_id_users_id_fk REFERENCES users (id) ON DELETE CASCADE,
  new_email text NOT NULL,
  token_hash text NOT NULL,
  expires_at timestamptz(3) NOT NULL,
  used_at timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT email_change_requests_token_hash_key UNIQUE (token_hash),
  CONSTRAINT email_change_requests_new_email_lower_check CHECK (new_email = lower(new_email))
);
--> statement-breakpoint
CREATE INDEX email_change_requests_user_id_idx ON email_change_requests (user_id);
--> statement-breakpoint
CREATE INDEX email_change_requests_expires_at_idx ON email_change_requests (expires_at);
--> statement-breakpoint
CREATE TRIGGER email_change_requests_set_updated_at BEFORE UPDATE ON email_change_requests FOR EACH ROW EXECUTE FUNCTION set_updated_at();
