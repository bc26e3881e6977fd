// Events tables (SPEC §4 "Events"; seed 001); mirrors migrations/0006_events.sql.
import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  unique,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { id, timestamps, ts } from './columns';
import { participantRole, roomStatus } from './enums';
import { users } from './identity';
import { organizations } from './tenancy';

/** app_id is unique forever (rooms reference it); an app outlives its registering organization. */
export const apps = pgTable(
  'apps',
  {
    id: id(),
    appId: text('app_id').notNull(),
    name: text('name').notNull(),
    manifest: jsonb('manifest').notNull(),
    manifestVersion: text('manifest_version').notNull().default('1.0.0'),
    // Entries {version, manifest, replaced_at}, appended on each manifest update.
    manifestHistory: jsonb('manifest_history').notNull().default(sql`'[]'::jsonb`),
    organizationId: text('organization_id').references(() => organizations.id, { onDelete: 'set null' }),
    deletedAt: ts('deleted_at'),
    ...timestamps(),
  },
  (t) => [
    unique('apps_app_id_key').on(t.appId),
    check('apps_manifest_history_check', sql`jsonb_typeof(${t.manifestHistory}) = 'array'`),
    index('apps_organization_id_idx').on(t.organizationId),
  ],
);

export const rooms = pgTable(
  'rooms',
  {
    id: id(),
    appId: text('app_id')
      .notNull()
      .references(() => apps.appId, { onDelete: 'restrict' }),
    // Locked at creation (seed 001).
    appManifestVersion: text('app_manifest_version').notNull(),
    // The organizer: kept (seed 001), so rooms are soft-deleted instead.
    createdBy: text('created_by')
      .notNull()
      .references(() => users.id, { onDelete: 'restrict' }),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description'),
    status: roomStatus('status').notNull().default('DRAFT'),
    isPublic: boolean('is_public').notNull().default(false),
    maxParticipants: integer('max_participants'),
    appSettings: jsonb('app_settings'),
    startsAt: ts('starts_at').notNull(),
    endsAt: ts('ends_at'),
    deletedAt: ts('deleted_at'),
    ...timestamps(),
  },
  (t) => [
    check('rooms_max_participants_check', sql`${t.maxParticipants} > 0`),
    check('rooms_ends_at_check', sql`${t.endsAt} > ${t.startsAt}`),
    index('rooms_status_idx').on(t.status),
    index('rooms_app_id_idx').on(t.appId),
    index('rooms_status_is_public_app_id_idx').on(t.status, t.isPublic, t.appId),
    index('rooms_app_id_app_manifest_version_idx').on(t.appId, t.appManifestVersion),
    index('rooms_organization_id_idx').on(t.organizationId),
    index('rooms_created_by_idx').on(t.createdBy),
  ],
);

export const participants = pgTable(
  'participants',
  {
    id: id(),
    roomId: text('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: participantRole('role').notNull().default('PARTICIPANT'),
    metadata: jsonb('metadata'),
    deletedAt: ts('deleted_at'),
    ...timestamps(),
  },
  (t) => [
    // A participant who left (soft-deleted) can rejoin.
    uniqueIndex('participants_room_user_key').on(t.roomId, t.userId).where(sql`deleted_at IS NULL`),
    index('participants_room_id_role_idx').on(t.roomId, t.role),
    index('participants_user_id_idx').on(t.userId),
  ],
);

export const prizes = pgTable(
  'prizes',
  {
    id: id(),
    roomId: text('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description'),
    quantity: integer('quantity').notNull().default(1),
    metadata: jsonb('metadata'),
    deletedAt: ts('deleted_at'),
    ...timestamps(),
  },
  (t) => [check('prizes_quantity_check', sql`${t.quantity} > 0`), index('prizes_room_id_idx').on(t.roomId)],
);

/** prize_id RESTRICT keeps winner history (seed 001); revoking a winner is a soft delete. */
export const winners = pgTable(
  'winners',
  {
    id: id(),
    roomId: text('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    prizeId: text('prize_id')
      .notNull()
      .references(() => prizes.id, { onDelete: 'restrict' }),
    participantId: text('participant_id')
      .notNull()
      .references(() => participants.id, { onDelete: 'cascade' }),
    // {seed, algorithm, candidate_ids}: anyone can recompute the draw.
    metadata: jsonb('metadata'),
    deletedAt: ts('deleted_at'),
    ...timestamps(),
  },
  (t) => [
    index('winners_room_id_prize_id_idx').on(t.roomId, t.prizeId),
    uniqueIndex('winners_prize_participant_key')
      .on(t.prizeId, t.participantId)
      .where(sql`deleted_at IS NULL`),
    index('winners_prize_id_idx').on(t.prizeId),
    index('winners_participant_id_idx').on(t.participantId),
  ],
);
