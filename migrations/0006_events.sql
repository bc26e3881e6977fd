-- Events (SPEC §4 "Events"; seed 001): apps with versioned manifests, rooms, participants, prizes, winners.

CREATE TYPE room_status AS ENUM ('DRAFT', 'ACTIVE', 'COMPLETED', 'CANCELED');
--> statement-breakpoint
CREATE TYPE participant_role AS ENUM ('ADMIN', 'ORGANIZER', 'MODERATOR', 'PARTICIPANT', 'VIEWER');
--> statement-breakpoint

-- app_id is unique forever (a full UNIQUE, since rooms reference it): re-registering a retired app id restores
-- the row (SPEC §3). An app outlives the organization that registered it (SET NULL, SPEC §5).
CREATE TABLE apps (
  id text PRIMARY KEY DEFAULT gen_id(),
  app_id text NOT NULL,
  name text NOT NULL,
  manifest jsonb NOT NULL,
  manifest_version text NOT NULL DEFAULT '1.0.0',
  manifest_history jsonb NOT NULL DEFAULT '[]'::jsonb,
  organization_id text CONSTRAINT apps_organization_id_organizations_id_fk REFERENCES organizations (id) ON DELETE SET NULL,
  deleted_at timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT apps_app_id_key UNIQUE (app_id),
  -- Entries {version, manifest, replaced_at} are appended on each manifest update (SPEC §6).
  CONSTRAINT apps_manifest_history_check CHECK (jsonb_typeof(manifest_history) = 'array')
);
--> statement-breakpoint
CREATE INDEX apps_organization_id_idx ON apps (organization_id);
--> statement-breakpoint
CREATE TRIGGER apps_set_updated_at BEFORE UPDATE ON apps FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- A room locks its app's manifest version at creation (seed 001). The app and the organizer are kept
-- (RESTRICT, seed 001): apps are retired and rooms soft-deleted instead.
CREATE TABLE rooms (
  id text PRIMARY KEY DEFAULT gen_id(),
  app_id text NOT NULL CONSTRAINT rooms_app_id_apps_app_id_fk REFERENCES apps (app_id) ON DELETE RESTRICT,
  app_manifest_version text NOT NULL,
  created_by text NOT NULL CONSTRAINT rooms_created_by_users_id_fk REFERENCES users (id) ON DELETE RESTRICT,
  organization_id text NOT NULL CONSTRAINT rooms_organization_id_organizations_id_fk REFERENCES organizations (id) ON DELETE CASCADE,
  name text NOT NULL,
  description text,
  status room_status NOT NULL DEFAULT 'DRAFT',
  is_public boolean NOT NULL DEFAULT false,
  max_participants integer,
  app_settings jsonb,
  starts_at timestamptz(3) NOT NULL,
  ends_at timestamptz(3),
  deleted_at timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT rooms_max_participants_check CHECK (max_participants > 0),
  CONSTRAINT rooms_ends_at_check CHECK (ends_at > starts_at)
);
--> statement-breakpoint
-- Seed 001's indexes.
CREATE INDEX rooms_status_idx ON rooms (status);
--> statement-breakpoint
CREATE INDEX rooms_app_id_idx ON rooms (app_id);
--> statement-breakpoint
CREATE INDEX rooms_status_is_public_app_id_idx ON rooms (status, is_public, app_id);
--> statement-breakpoint
CREATE INDEX rooms_app_id_app_manifest_version_idx ON rooms (app_id, app_manifest_version);
--> statement-breakpoint
CREATE INDEX rooms_organization_id_idx ON rooms (organization_id);
--> statement-breakpoint
CREATE INDEX rooms_created_by_idx ON rooms (created_by);
--> statement-breakpoint
CREATE TRIGGER rooms_set_updated_at BEFORE UPDATE ON rooms FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

CREATE TABLE participants (
  id text PRIMARY KEY DEFAULT gen_id(),
  room_id text NOT NULL CONSTRAINT participants_room_id_rooms_id_fk REFERENCES rooms (id) ON DELETE CASCADE,
  user_id text NOT NULL CONSTRAINT participants_user_id_users_id_fk REFERENCES users (id) ON DELETE CASCADE,
  role participant_role NOT NULL DEFAULT 'PARTICIPANT',
  metadata jsonb,
  deleted_at timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now()
);
--> statement-breakpoint
-- One active entry per user and room; a participant who left (soft-deleted) can rejoin (SPEC §3).
CREATE UNIQUE INDEX participants_room_user_key ON participants (room_id, user_id) WHERE deleted_at IS NULL;
--> statement-breakpoint
-- Seed 001: role-based queries (the draw's PARTICIPANT entrants); also serves the room_id foreign key.
CREATE INDEX participants_room_id_role_idx ON participants (room_id, role);
--> statement-breakpoint
CREATE INDEX participants_user_id_idx ON participants (user_id);
--> statement-breakpoint
CREATE TRIGGER participants_set_updated_at BEFORE UPDATE ON participants FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

CREATE TABLE prizes (
  id text PRIMARY KEY DEFAULT gen_id(),
  room_id text NOT NULL CONSTRAINT prizes_room_id_rooms_id_fk REFERENCES rooms (id) ON DELETE CASCADE,
  name text NOT NULL,
  description text,
  quantity integer NOT NULL DEFAULT 1,
  metadata jsonb,
  deleted_at timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT prizes_quantity_check CHECK (quantity > 0)
);
--> statement-breakpoint
CREATE INDEX prizes_room_id_idx ON prizes (room_id);
--> statement-breakpoint
CREATE TRIGGER prizes_set_updated_at BEFORE UPDATE ON prizes FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- Seed 001 "Prize Deletion Policy": prize_id RESTRICT keeps winner history (prizes are soft-deleted);
-- a room's deletion still removes its prizes and winners (both cascade from the room).
-- metadata = {seed, algorithm, candidate_ids} so anyone can recompute a draw (SPEC §6).
CREATE TABLE winners (
  id text PRIMARY KEY DEFAULT gen_id(),
  room_id text NOT NULL CONSTRAINT winners_room_id_rooms_id_fk REFERENCES rooms (id) ON DELETE CASCADE,
  prize_id text NOT NULL CONSTRAINT winners_prize_id_prizes_id_fk REFERENCES prizes (id) ON DELETE RESTRICT,
  participant_id text NOT NULL CONSTRAINT winners_participant_id_participants_id_fk REFERENCES participants (id) ON DELETE CASCADE,
  metadata jsonb,
  deleted_at timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now()
);
--> statement-breakpoint
CREATE INDEX winners_room_id_prize_id_idx ON winners (room_id, prize_id);
--> statement-breakpoint
-- A participant wins a prize at most once; revoking a winner (soft delete) frees the slot (SPEC §6).
CREATE UNIQUE INDEX winners_prize_participant_key ON winners (prize_id, participant_id) WHERE deleted_at IS NULL;
--> statement-breakpoint
-- The RESTRICT check on prize deletion looks at revoked winners too, which the partial index above cannot serve.
CREATE INDEX winners_prize_id_idx ON winners (prize_id);
--> statement-breakpoint
CREATE INDEX winners_participant_id_idx ON winners (participant_id);
--> statement-breakpoint
CREATE TRIGGER winners_set_updated_at BEFORE UPDATE ON winners FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--> statement-breakpoint

-- Same-room integrity (SPEC §5): a winner's prize and participant belong to the winner's room.
-- Refuses only a parent that exists in another room, so a cascade that already removed one parent still works.
CREATE FUNCTION winners_same_tenant() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM prizes p WHERE p.id = NEW.prize_id AND p.room_id <> NEW.room_id) THEN
    RAISE EXCEPTION 'winner prize % belongs to another room', NEW.prize_id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF EXISTS (SELECT 1 FROM participants pa WHERE pa.id = NEW.participant_id AND pa.room_id <> NEW.room_id) THEN
    RAISE EXCEPTION 'winner participant % belongs to another room', NEW.participant_id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER winners_same_tenant BEFORE INSERT OR UPDATE OF room_id, prize_id, participant_id ON winners
  FOR EACH ROW EXECUTE FUNCTION winners_same_tenant();
