// Tenancy tables (SPEC §4 "Tenancy"); mirrors migrations/0002_tenancy.sql.
import { sql } from 'drizzle-orm';
import { boolean, check, index, jsonb, pgTable, text, unique, uniqueIndex } from 'drizzle-orm/pg-core';
import { id, timestamps, ts } from './columns';
import { invitationStatus, memberRole } from './enums';
import { users } from './identity';

export const organizations = pgTable(
  'organizations',
  {
    id: id(),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    logo: text('logo'),
    email: text('email'),
    phone: text('phone'),
    address: text('address'),
    city: text('city'),
    country: text('country'),
    metadata: jsonb('metadata'),
    // Members must have a second factor to reach the organization's pages (migrations/0016).
    requireTwoFactor: boolean('require_two_factor').notNull().default(false),
    ...timestamps(),
  },
  (t) => [
    unique('organizations_slug_key').on(t.slug),
    check('organizations_email_lower_check', sql`${t.email} = lower(${t.email})`),
  ],
);

export const organizationMembers = pgTable(
  'organization_members',
  {
    id: id(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: memberRole('role').notNull().default('MEMBER'),
    ...timestamps(),
  },
  (t) => [
    unique('organization_members_organization_user_key').on(t.organizationId, t.userId),
    index('organization_members_user_id_idx').on(t.userId),
  ],
);

export const teams = pgTable(
  'teams',
  {
    id: id(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    ...timestamps(),
  },
  (t) => [unique('teams_organization_name_key').on(t.organizationId, t.name)],
);

export const teamMembers = pgTable(
  'team_members',
  {
    id: id(),
    teamId: text('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    ...timestamps(),
  },
  (t) => [
    unique('team_members_team_user_key').on(t.teamId, t.userId),
    index('team_members_user_id_idx').on(t.userId),
  ],
);

export const invitations = pgTable(
  'invitations',
  {
    id: id(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    role: memberRole('role').notNull().default('MEMBER'),
    status: invitationStatus('status').notNull().default('PENDING'),
    inviterId: text('inviter_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    teamId: text('team_id').references(() => teams.id, { onDelete: 'set null' }),
    tokenHash: text('token_hash').notNull(),
    expiresAt: ts('expires_at').notNull(),
    ...timestamps(),
  },
  (t) => [
    unique('invitations_token_hash_key').on(t.tokenHash),
    check('invitations_email_lower_check', sql`${t.email} = lower(${t.email})`),
    index('invitations_organization_id_idx').on(t.organizationId),
    index('invitations_inviter_id_idx').on(t.inviterId),
    index('invitations_team_id_idx').on(t.teamId),
    index('invitations_email_idx').on(t.email),
    uniqueIndex('invitations_pending_email_key').on(t.organizationId, t.email).where(sql`status = 'PENDING'`),
    index('invitations_expires_at_idx').on(t.expiresAt).where(sql`status = 'PENDING'`),
  ],
);

export const projects = pgTable(
  'projects',
  {
    id: id(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    description: text('description'),
    createdBy: text('created_by').references(() => users.id, { onDelete: 'set null' }),
    ...timestamps(),
  },
  (t) => [
    unique('projects_organization_slug_key').on(t.organizationId, t.slug),
    index('projects_created_by_idx').on(t.createdBy),
  ],
);
