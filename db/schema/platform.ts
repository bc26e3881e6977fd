// Support, audit, email, settings and cron tables (SPEC §4); mirrors migrations/0005_platform.sql.
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
import { createdAt, id, timestamps, ts } from './columns';
import { auditActorType, cronRunStatus, emailStatus, ticketPriority, ticketStatus } from './enums';
import { users } from './identity';
import { organizations } from './tenancy';

export const supportTickets = pgTable(
  'support_tickets',
  {
    id: id(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    // The creator (seed 003): kept, so a user with tickets is not hard-deleted.
    customerId: text('customer_id')
      .notNull()
      .references(() => users.id, { onDelete: 'restrict' }),
    assigneeId: text('assignee_id').references(() => users.id, { onDelete: 'set null' }),
    subject: text('subject').notNull(),
    description: text('description').notNull(),
    status: ticketStatus('status').notNull().default('OPEN'),
    priority: ticketPriority('priority').notNull().default('NORMAL'),
    metadata: jsonb('metadata'),
    resolvedAt: ts('resolved_at'),
    ...timestamps(),
  },
  (t) => [
    index('support_tickets_organization_status_idx').on(t.organizationId, t.status),
    index('support_tickets_status_idx').on(t.status),
    index('support_tickets_customer_id_idx').on(t.customerId),
    index('support_tickets_assignee_id_idx').on(t.assigneeId),
  ],
);

/** Never edited: no updated_at (SPEC §4). is_internal notes are shown to staff only. */
export const supportMessages = pgTable(
  'support_messages',
  {
    id: id(),
    ticketId: text('ticket_id')
      .notNull()
      .references(() => supportTickets.id, { onDelete: 'cascade' }),
    senderId: text('sender_id')
      .notNull()
      .references(() => users.id, { onDelete: 'restrict' }),
    message: text('message').notNull(),
    isInternal: boolean('is_internal').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [
    index('support_messages_ticket_created_at_idx').on(t.ticketId, t.createdAt),
    index('support_messages_sender_id_idx').on(t.senderId),
  ],
);

/**
 * Append-only (SPEC §6, enforced by triggers). user_id is the only foreign key; the other references are
 * plain columns so the trail outlives what it describes. No updated_at.
 */
export const auditLogs = pgTable(
  'audit_logs',
  {
    id: id(),
    userId: text('user_id').references(() => users.id, { onDelete: 'set null' }),
    actorType: auditActorType('actor_type').notNull(),
    actorApiKeyId: text('actor_api_key_id'),
    organizationId: text('organization_id'),
    action: text('action').notNull(),
    entityType: text('entity_type').notNull(),
    entityId: text('entity_id'),
    oldValues: jsonb('old_values'),
    newValues: jsonb('new_values'),
    metadata: jsonb('metadata'),
    ipAddress: text('ip_address'),
    userAgent: text('user_agent'),
    createdAt: createdAt(),
  },
  (t) => [
    index('audit_logs_organization_created_at_idx').on(t.organizationId, t.createdAt),
    index('audit_logs_user_id_idx').on(t.userId),
    index('audit_logs_action_idx').on(t.action),
    index('audit_logs_entity_idx').on(t.entityType, t.entityId),
  ],
);

/** The email outbox; template_data (encrypted link tokens) is cleared once SENT or FAILED. */
export const emailLogs = pgTable(
  'email_logs',
  {
    id: id(),
    to: text('to').notNull(),
    subject: text('subject').notNull(),
    template: text('template').notNull(),
    templateData: jsonb('template_data'),
    status: emailStatus('status').notNull().default('QUEUED'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at').notNull().defaultNow(),
    lastError: text('last_error'),
    entityType: text('entity_type'),
    entityId: text('entity_id'),
    sentAt: ts('sent_at'),
    ...timestamps(),
  },
  (t) => [
    check('email_logs_attempts_check', sql`${t.attempts} >= 0`),
    index('email_logs_status_next_attempt_at_idx').on(t.status, t.nextAttemptAt),
    index('email_logs_to_idx').on(t.to),
    index('email_logs_entity_idx').on(t.entityType, t.entityId),
  ],
);

export const systemSettings = pgTable(
  'system_settings',
  {
    id: id(),
    key: text('key').notNull(),
    value: jsonb('value').notNull(),
    description: text('description'),
    updatedBy: text('updated_by').references(() => users.id, { onDelete: 'set null' }),
    ...timestamps(),
  },
  (t) => [
    unique('system_settings_key_key').on(t.key),
    index('system_settings_updated_by_idx').on(t.updatedBy),
  ],
);

/** One row per cron run (SPEC §8); a second concurrent RUNNING row for a job fails with 23505. */
export const cronRuns = pgTable(
  'cron_runs',
  {
    id: id(),
    job: text('job').notNull(),
    status: cronRunStatus('status').notNull().default('RUNNING'),
    startedAt: ts('started_at').notNull().defaultNow(),
    finishedAt: ts('finished_at'),
    leaseExpiresAt: ts('lease_expires_at'),
    counts: jsonb('counts'),
    error: text('error'),
    ...timestamps(),
  },
  (t) => [
    check('cron_runs_running_lease_check', sql`${t.status} <> 'RUNNING' OR ${t.leaseExpiresAt} IS NOT NULL`),
    uniqueIndex('cron_runs_running_job_key').on(t.job).where(sql`status = 'RUNNING'`),
    index('cron_runs_job_started_at_idx').on(t.job, t.startedAt),
  ],
);

/** Unread markers (issue 14, migrations/0017_admin.sql): when each person last opened a ticket. */
export const supportTicketReads = pgTable(
  'support_ticket_reads',
  {
    id: id(),
    ticketId: text('ticket_id')
      .notNull()
      .references(() => supportTickets.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    readAt: ts('read_at').notNull().defaultNow(),
    ...timestamps(),
  },
  (t) => [
    unique('support_ticket_reads_ticket_user_key').on(t.ticketId, t.userId),
    index('support_ticket_reads_user_id_idx').on(t.userId),
  ],
);
