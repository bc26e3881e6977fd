-- Tenancy (SPEC §4 "Tenancy"; seeds 000, 002, 004).

CREATE TYPE member_role AS ENUM ('OWNER', 'ADMIN', 'MEMBER', 'BILLING');
--> statement-breakpoint
CREATE TYPE invitation_status AS ENUM ('PENDING', 'ACCEPTED', 'DECLINED', 'CANCELED', 'EXPIRED');
--> statement-breakpoint

CREATE TABLE organizations (
  id text PRIMARY KEY DEFAULT gen_id(),
  name text NOT NULL,
  slug text NOT NULL,
  logo text,
  email text,
  phone text,
  address text,
  city text,
  country text,
  metadata jsonb,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT organizations_slug_key UNIQUE (slug),
  CONSTRAINT organizations_email_lower_check CHECK (email = lower(email))
);
--> statement-breakpoint
CREATE TRIGGER organizations_set_updated_at BEFORE UPDATE ON organizations FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- The session remembers which organization the user works in; it survives the organization's deletion as NULL.
ALTER TABLE sessions ADD CONSTRAINT sessions_active_organization_id_organizations_id_fk
  FOREIGN KEY (active_organization_id) REFERENCES organizations (id) ON DELETE SET NULL;
--> statement-breakpoint

CREATE TABLE organization_members (
  id text PRIMARY KEY DEFAULT gen_id(),
  organization_id text NOT NULL CONSTRAINT organization_members_organization_id_organizations_id_fk REFERENCES organizations (id) ON DELETE CASCADE,
  user_id text NOT NULL CONSTRAINT organization_members_user_id_users_id_fk REFERENCES users (id) ON DELETE CASCADE,
  role member_role NOT NULL DEFAULT 'MEMBER',
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT organization_members_organization_user_key UNIQUE (organization_id, user_id)
);
--> statement-breakpoint
CREATE INDEX organization_members_user_id_idx ON organization_members (user_id);
--> statement-breakpoint
CREATE TRIGGER organization_members_set_updated_at BEFORE UPDATE ON organization_members FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

CREATE TABLE teams (
  id text PRIMARY KEY DEFAULT gen_id(),
  organization_id text NOT NULL CONSTRAINT teams_organization_id_organizations_id_fk REFERENCES organizations (id) ON DELETE CASCADE,
  name text NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT teams_organization_name_key UNIQUE (organization_id, name)
);
--> statement-breakpoint
CREATE TRIGGER teams_set_updated_at BEFORE UPDATE ON teams FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

CREATE TABLE team_members (
  id text PRIMARY KEY DEFAULT gen_id(),
  team_id text NOT NULL CONSTRAINT team_members_team_id_teams_id_fk REFERENCES teams (id) ON DELETE CASCADE,
  user_id text NOT NULL CONSTRAINT team_members_user_id_users_id_fk REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT team_members_team_user_key UNIQUE (team_id, user_id)
);
--> statement-breakpoint
CREATE INDEX team_members_user_id_idx ON team_members (user_id);
--> statement-breakpoint
CREATE TRIGGER team_members_set_updated_at BEFORE UPDATE ON team_members FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

CREATE TABLE invitations (
  id text PRIMARY KEY DEFAULT gen_id(),
  organization_id text NOT NULL CONSTRAINT invitations_organization_id_organizations_id_fk REFERENCES organizations (id) ON DELETE CASCADE,
  email text NOT NULL,
  role member_role NOT NULL DEFAULT 'MEMBER',
  status invitation_status NOT NULL DEFAULT 'PENDING',
  inviter_id text NOT NULL CONSTRAINT invitations_inviter_id_users_id_fk REFERENCES users (id) ON DELETE CASCADE,
  team_id text CONSTRAINT invitations_team_id_teams_id_fk REFERENCES teams (id) ON DELETE SET NULL,
  token_hash text NOT NULL,
  expires_at timestamptz(3) NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT invitations_token_hash_key UNIQUE (token_hash),
  CONSTRAINT invitations_email_lower_check CHECK (email = lower(email))
);
--> statement-breakpoint
CREATE INDEX invitations_organization_id_idx ON invitations (organization_id);
--> statement-breakpoint
CREATE INDEX invitations_inviter_id_idx ON invitations (inviter_id);
--> statement-breakpoint
CREATE INDEX invitations_team_id_idx ON invitations (team_id);
--> statement-breakpoint
CREATE INDEX invitations_email_idx ON invitations (email);
--> statement-breakpoint
-- At most one open invitation per address and organization; old ones stay as history.
CREATE UNIQUE INDEX invitations_pending_email_key ON invitations (organization_id, email) WHERE status = 'PENDING';
--> statement-breakpoint
CREATE INDEX invitations_expires_at_idx ON invitations (expires_at) WHERE status = 'PENDING';
--> statement-breakpoint
CREATE TRIGGER invitations_set_updated_at BEFORE UPDATE ON invitations FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

CREATE TABLE projects (
  id text PRIMARY KEY DEFAULT gen_id(),
  organization_id text NOT NULL CONSTRAINT projects_organization_id_organizations_id_fk REFERENCES organizations (id) ON DELETE CASCADE,
  name text NOT NULL,
  slug text NOT NULL,
  description text,
  created_by text CONSTRAINT projects_created_by_users_id_fk REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT projects_organization_slug_key UNIQUE (organization_id, slug)
);
--> statement-breakpoint
CREATE INDEX projects_created_by_idx ON projects (created_by);
--> statement-breakpoint
CREATE TRIGGER projects_set_updated_at BEFORE UPDATE ON projects FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- Same-tenant integrity (SPEC §5): an invitation's team belongs to the invitation's organization.
CREATE FUNCTION invitations_same_tenant() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF NEW.team_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM teams t WHERE t.id = NEW.team_id AND t.organization_id = NEW.organization_id
  ) THEN
    RAISE EXCEPTION 'invitation team % belongs to another organization', NEW.team_id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER invitations_same_tenant BEFORE INSERT OR UPDATE OF team_id, organization_id ON invitations
  FOR EACH ROW EXECUTE FUNCTION invitations_same_tenant();
--> statement-breakpoint

-- Same-tenant integrity (SPEC §5): a team member is a member of the team's organization.
CREATE FUNCTION team_members_same_tenant() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM teams t
    JOIN organization_members m ON m.organization_id = t.organization_id AND m.user_id = NEW.user_id
    WHERE t.id = NEW.team_id
  ) THEN
    RAISE EXCEPTION 'user % is not a member of the organization of team %', NEW.user_id, NEW.team_id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER team_members_same_tenant BEFORE INSERT OR UPDATE ON team_members
  FOR EACH ROW EXECUTE FUNCTION team_members_same_tenant();
--> statement-breakpoint

-- SPEC §2: a member who leaves or is removed loses their team memberships in that organization.
-- Kept in the database so no code path can leave a team member who is not an organization member.
CREATE FUNCTION organization_members_drop_team_memberships() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  DELETE FROM team_members tm
  USING teams t
  WHERE tm.team_id = t.id AND t.organization_id = OLD.organization_id AND tm.user_id = OLD.user_id;
  RETURN OLD;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER organization_members_drop_team_memberships AFTER DELETE ON organization_members
  FOR EACH ROW EXECUTE FUNCTION organization_members_drop_team_memberships();
