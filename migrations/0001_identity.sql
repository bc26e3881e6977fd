-- Identity (SPEC §4 "Identity"; seeds 000, 001, 003).

CREATE TYPE user_role AS ENUM ('ADMIN', 'SUPPORT', 'CUSTOMER');
--> statement-breakpoint
CREATE TYPE user_status AS ENUM ('ACTIVE', 'INACTIVE', 'SUSPENDED');
--> statement-breakpoint
CREATE TYPE verification_purpose AS ENUM ('EMAIL_VERIFICATION', 'PASSWORD_RESET');
--> statement-breakpoint

-- No password column: it lives on the credential row of accounts.
-- Users are never hard-deleted by the product (SPEC §6): deleted_at + anonymised email.
CREATE TABLE users (
  id text PRIMARY KEY DEFAULT gen_id(),
  email text NOT NULL,
  email_verified_at timestamptz(3),
  name text,
  image text,
  role user_role NOT NULL DEFAULT 'CUSTOMER',
  status user_status NOT NULL DEFAULT 'ACTIVE',
  first_name text,
  last_name text,
  phone text,
  timezone text NOT NULL DEFAULT 'UTC',
  language text NOT NULL DEFAULT 'en',
  stripe_customer_id text,
  billing_address jsonb,
  tax_id text,
  last_login_at timestamptz(3),
  deleted_at timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT users_email_key UNIQUE (email),
  CONSTRAINT users_stripe_customer_id_key UNIQUE (stripe_customer_id),
  CONSTRAINT users_email_lower_check CHECK (email = lower(email))
);
--> statement-breakpoint
CREATE INDEX users_deleted_at_idx ON users (deleted_at);
--> statement-breakpoint
CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- provider_id: 'credential' | 'github' | 'google'. No provider tokens are stored.
CREATE TABLE accounts (
  id text PRIMARY KEY DEFAULT gen_id(),
  user_id text NOT NULL CONSTRAINT accounts_user_id_users_id_fk REFERENCES users (id) ON DELETE CASCADE,
  provider_id text NOT NULL,
  account_id text NOT NULL,
  password text,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT accounts_provider_account_key UNIQUE (provider_id, account_id),
  CONSTRAINT accounts_provider_id_check CHECK (provider_id IN ('credential', 'github', 'google')),
  CONSTRAINT accounts_password_only_credential_check CHECK (password IS NULL OR provider_id = 'credential')
);
--> statement-breakpoint
CREATE INDEX accounts_user_id_idx ON accounts (user_id);
--> statement-breakpoint
CREATE TRIGGER accounts_set_updated_at BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- Lucia's table. id = SHA-256 (hex) of the cookie token: the token itself is never stored.
-- active_organization_id gets its foreign key in the tenancy migration.
CREATE TABLE sessions (
  id text PRIMARY KEY,
  user_id text NOT NULL CONSTRAINT sessions_user_id_users_id_fk REFERENCES users (id) ON DELETE CASCADE,
  expires_at timestamptz(3) NOT NULL,
  ip_address text,
  user_agent text,
  last_used_at timestamptz(3) NOT NULL DEFAULT now(),
  active_organization_id text,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now()
);
--> statement-breakpoint
CREATE INDEX sessions_user_id_idx ON sessions (user_id);
--> statement-breakpoint
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);
--> statement-breakpoint
CREATE INDEX sessions_last_used_at_idx ON sessions (last_used_at);
--> statement-breakpoint
CREATE INDEX sessions_active_organization_id_idx ON sessions (active_organization_id);
--> statement-breakpoint
CREATE TRIGGER sessions_set_updated_at BEFORE UPDATE ON sessions FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- Email verification and password reset tokens, stored as SHA-256; single use (used_at).
CREATE TABLE verifications (
  id text PRIMARY KEY DEFAULT gen_id(),
  identifier text NOT NULL,
  purpose verification_purpose NOT NULL,
  token_hash text NOT NULL,
  expires_at timestamptz(3) NOT NULL,
  used_at timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT verifications_token_hash_key UNIQUE (token_hash),
  CONSTRAINT verifications_identifier_lower_check CHECK (identifier = lower(identifier))
);
--> statement-breakpoint
CREATE INDEX verifications_identifier_idx ON verifications (identifier, purpose);
--> statement-breakpoint
CREATE INDEX verifications_expires_at_idx ON verifications (expires_at);
--> statement-breakpoint
CREATE TRIGGER verifications_set_updated_at BEFORE UPDATE ON verifications FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- Seed 001: revoked JWT access tokens (their jti hash) until they would have expired anyway.
-- user_id and revoked_by are plain text on purpose (no foreign key, seed 001).
CREATE TABLE token_blacklist (
  id text PRIMARY KEY DEFAULT gen_id(),
  token_hash text NOT NULL,
  expires_at timestamptz(3) NOT NULL,
  user_id text,
  reason text,
  revoked_at timestamptz(3) NOT NULL DEFAULT now(),
  revoked_by text,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT token_blacklist_token_hash_key UNIQUE (token_hash)
);
--> statement-breakpoint
CREATE INDEX token_blacklist_expires_at_idx ON token_blacklist (expires_at);
--> statement-breakpoint
CREATE INDEX token_blacklist_user_id_idx ON token_blacklist (user_id);
--> statement-breakpoint
CREATE TRIGGER token_blacklist_set_updated_at BEFORE UPDATE ON token_blacklist FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- Seed 001: refresh tokens rotate inside a family; reuse of a rotated token revokes the family.
-- family_id and parent_id are plain text (no foreign key).
CREATE TABLE refresh_tokens (
  id text PRIMARY KEY DEFAULT gen_id(),
  user_id text NOT NULL CONSTRAINT refresh_tokens_user_id_users_id_fk REFERENCES users (id) ON DELETE CASCADE,
  token_hash text NOT NULL,
  family_id text NOT NULL,
  parent_id text,
  expires_at timestamptz(3) NOT NULL,
  rotated_at timestamptz(3),
  revoked_at timestamptz(3),
  device_info text,
  ip_address text,
  last_used_at timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT refresh_tokens_token_hash_key UNIQUE (token_hash)
);
--> statement-breakpoint
CREATE INDEX refresh_tokens_user_id_idx ON refresh_tokens (user_id);
--> statement-breakpoint
CREATE INDEX refresh_tokens_family_id_idx ON refresh_tokens (family_id);
--> statement-breakpoint
CREATE INDEX refresh_tokens_expires_at_idx ON refresh_tokens (expires_at);
--> statement-breakpoint
CREATE TRIGGER refresh_tokens_set_updated_at BEFORE UPDATE ON refresh_tokens FOR EACH ROW EXECUTE FUNCTION set_updated_at();
