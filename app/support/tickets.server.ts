// Support tickets (SPEC §2, §4; seeds 002 SupportTicket and 003 TicketMessage). Every member of the
// organization opens, reads and replies to its tickets ('tickets:use'); the member who opened a ticket may
// close it. Platform staff (users.role ADMIN or SUPPORT) reach every ticket, reply, assign, change the
// status and write internal notes, which only staff ever read. A ticket id of another organization is
// "not found", like any unknown id (SPEC §7).

import { and, asc, desc, eq, inArray, isNull, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { type ZodType, type ZodTypeDef, z } from 'zod';
import { type Actor, recordAudit } from '~/audit/audit.server';
import { queueEmail } from '~/email/outbox.server';
import { env } from '~/env.server';
import { Conflict, Forbidden, NotFound, ValidationFailed } from '~/lib/errors';
import { keysetPage, olderThanCursor } from '~/lib/keyset.server';
import { authorize } from '~/orgs/access.server';
import type { Database } from '~db/client.server';
import { organizations, supportMessages, supportTickets, users } from '~db/schema';
import {
  MESSAGE_MAX,
  openTicketFormSchema,
  replyFormSchema,
  type TicketStatus,
  ticketStatusSchema,
} from './schemas';

export const TICKET_PAGE_SIZE = 20;
export const TICKET_NOT_FOUND = 'Ticket not found';
const STAFF_ROLES = ['ADMIN', 'SUPPORT'] as const;
const STAFF_ONLY = 'Only platform staff (Admin or Support) can do this.';
/** A member's reply puts these back in the support team's queue. */
const REOPENED_BY_MEMBER_REPLY: TicketStatus[] = ['WAITING_ON_CLIENT', 'RESOLVED'];

type Ticket = typeof supportTickets.$inferSelect;

/** Domain inputs come from routes that already validated them; a bad one is still a 400, never a 500. */
function parseInput<T>(schema: ZodType<T, ZodTypeDef, unknown>, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fieldErrors: Record<string, string[]> = {};
  for (const issue of result.error.issues) {
    const path = issue.path.join('.') || 'input';
    fieldErrors[path] = [...(fieldErrors[path] ?? []), issue.message];
  }
  throw new ValidationFailed(result.error.issues[0]?.message ?? 'Invalid input', fieldErrors);
}

/** Platform staff: an active, not deleted user whose users.role is ADMIN or SUPPORT. */
export async function isStaff(db: Database, userId: string | null | undefined): Promise<boolean> {
  if (!userId) return false;
  const [row] = await db
    .select({ id: users.id })
    .from(users)
    .where(
      and(
        eq(users.id, userId),
        inArray(users.role, [...STAFF_ROLES]),
        eq(users.status, 'ACTIVE'),
        isNull(users.deletedAt),
      ),
    );
  return Boolean(row);
}

/**
 * Who may reach a ticket: staff anywhere (within `organizationId` when given), a member of the
 * organization within it only. Members always pass the organization of the page they are on, so a
 * ticket of another organization is not found.
 */
async function reachTicket(
  tx: Database,
  actor: Actor,
  ref: { organizationId?: string; ticketId: string },
  options: { lock?: boolean; staffOnly?: boolean } = {},
): Promise<{ ticket: Ticket; staff: boolean }> {
  const staff = await isStaff(tx, actor.userId);
  if (options.staffOnly && !staff) throw new Forbidden(STAFF_ONLY);
  if (!staff) {
    if (!ref.organizationId) throw new NotFound(TICKET_NOT_FOUND);
    await authorize(tx, actor, ref.organizationId, 'tickets:use');
  }
  const query = tx
    .select()
    .from(supportTickets)
    .where(
      and(
        eq(supportTickets.id, ref.ticketId),
        ref.organizationId ? eq(supportTickets.organizationId, ref.organizationId) : undefined,
      ),
    );
  const [ticket] = options.lock ? await query.for('update') : await query;
  if (!ticket) throw new NotFound(TICKET_NOT_FOUND);
  return { ticket, staff };
}

const id = z.string({ required_error: 'Missing id' });
const ticketRef = z.object({ organizationId: id.min(1).optional(), ticketId: id });
export type TicketRef = z.input<typeof ticketRef>;

// ---------------------------------------------------------------------------------------------------
// Opening and listing

export const openTicketInput = openTicketFormSchema.extend({ organizationId: id.min(1) });

export async function openTicket(db: Database, actor: Actor, input: z.input<typeof openTicketInput>) {
  const { organizationId, subject, description, priority } = parseInput(openTicketInput, input);
  return db.transaction(async (tx) => {
    await authorize(tx, actor, organizationId, 'tickets:use');
    const [ticket] = await tx
      .insert(supportTickets)
      .values({ organizationId, customerId: actor.userId!, subject, description, priority })
      .returning();
    if (!ticket) throw new Error('ticket insert returned nothing');
    await recordAudit(tx, actor, {
      organizationId,
      action: 'support_ticket.opened',
      entityType: 'support_ticket',
      entityId: ticket.id,
      newValues: { subject, priority, status: ticket.status },
    });
    return ticket;
  });
}

export const listTicketsInput = z.object({
  /** Required for members; staff may omit it to list every organization's tickets. */
  organizationId: id.min(1).optional(),
  status: ticketStatusSchema.optional(),
  cursor: z.string().max(200).optional(),
  limit: z.number().int().min(1).max(100).default(TICKET_PAGE_SIZE),
});

const customers = alias(users, 'customers');
const assignees = alias(users, 'assignees');

/** Newest first, keyset pagination on (created_at, id) so pages stay stable while tickets arrive. */
export async function listTickets(db: Database, actor: Actor, input: z.input<typeof listTicketsInput>) {
  const { organizationId, status, cursor, limit } = parseInput(listTicketsInput, input);
  if (!(await isStaff(db, actor.userId))) {
    if (!organizationId) throw new Forbidden(STAFF_ONLY);
    await authorize(db, actor, organizationId, 'tickets:use');
  }
  const where: (SQL | undefined)[] = [
    organizationId ? eq(supportTickets.organizationId, organizationId) : undefined,
    status ? eq(supportTickets.status, status) : undefined,
    olderThanCursor(supportTickets.createdAt, supportTickets.id, cursor),
  ];
  const rows = await db
    .select({
      id: supportTickets.id,
      organizationId: supportTickets.organizationId,
      subject: supportTickets.subject,
      status: supportTickets.status,
      priority: supportTickets.priority,
      createdAt: supportTickets.createdAt,
      updatedAt: supportTickets.updatedAt,
      customerId: supportTickets.customerId,
      customerName: customers.name,
      customerEmail: customers.email,
      customerDeletedAt: customers.deletedAt,
      assigneeName: assignees.name,
    })
    .from(supportTickets)
    .innerJoin(customers, eq(customers.id, supportTickets.customerId))
    .leftJoin(assignees, eq(assignees.id, supportTickets.assigneeId))
    .where(and(...where))
    .orderBy(desc(supportTickets.createdAt), desc(supportTickets.id))
    .limit(limit + 1);
  const { page, nextCursor } = keysetPage(rows, limit);
  return {
    tickets: page.map(({ customerName, customerEmail, customerDeletedAt, ...t }) => ({
      ...t,
      openedBy: customerDeletedAt ? null : (customerName ?? customerEmail),
    })),
    nextCursor,
  };
}

// ---------------------------------------------------------------------------------------------------
// Reading a thread

/** The ticket and its messages, oldest first; internal notes only when the viewer is staff. */
export async function getTicket(db: Database, actor: Actor, input: TicketRef) {
  const ref = parseInput(ticketRef, input);
  const { ticket, staff } = await reachTicket(db, actor, ref);
  const [people] = await db
    .select({
      customerName: customers.name,
      customerEmail: customers.email,
      customerDeletedAt: customers.deletedAt,
      assigneeName: assignees.name,
      assigneeEmail: assignees.email,
    })
    .from(supportTickets)
    .innerJoin(customers, eq(customers.id, supportTickets.customerId))
    .leftJoin(assignees, eq(assignees.id, supportTickets.assigneeId))
    .where(eq(supportTickets.id, ticket.id));
  const messages = await db
    .select({
      id: supportMessages.id,
      senderId: supportMessages.senderId,
      senderName: users.name,
      senderEmail: users.email,
      senderDeletedAt: users.deletedAt,
      senderRole: users.role,
      message: supportMessages.message,
      isInternal: supportMessages.isInternal,
      createdAt: supportMessages.createdAt,
    })
    .from(supportMessages)
    .innerJoin(users, eq(users.id, supportMessages.senderId))
    .where(
      and(
        eq(supportMessages.ticketId, ticket.id),
        // Internal notes never leave the database for a customer (SPEC §2).
        staff ? undefined : eq(supportMessages.isInternal, false),
      ),
    )
    .orderBy(asc(supportMessages.createdAt), asc(supportMessages.id));
  return {
    ticket: {
      ...ticket,
      openedBy: people?.customerDeletedAt ? null : (people?.customerName ?? people?.customerEmail ?? null),
      assigneeName: people?.assigneeName ?? people?.assigneeEmail ?? null,
    },
    messages: messages.map(({ senderName, senderEmail, senderDeletedAt, senderRole, ...m }) => ({
      ...m,
      senderName: senderDeletedAt ? null : (senderName ?? senderEmail),
      fromStaff: senderRole === 'ADMIN' || senderRole === 'SUPPORT',
    })),
    viewer: { isStaff: staff, isOpener: ticket.customerId === actor.userId },
  };
}

// ---------------------------------------------------------------------------------------------------
// Replies, closing

export const replyInput = ticketRef.merge(replyFormSchema);

/**
 * A member's reply on a ticket waiting on them (or resolved) puts it back to OPEN; a staff reply
 * emails the customer, queued in the same transaction. A closed ticket takes no more replies.
 */
export async function replyToTicket(db: Database, actor: Actor, input: z.input<typeof replyInput>) {
  const { message, ...ref } = parseInput(replyInput, input);
  return db.transaction(async (tx) => {
    const { ticket, staff } = await reachTicket(tx, actor, ref, { lock: true });
    if (ticket.status === 'CLOSED')
      throw new Conflict('This ticket is closed. Open a new ticket to continue.', {
        message: ['This ticket is closed'],
      });
    const [reply] = await tx
      .insert(supportMessages)
      .values({ ticketId: ticket.id, senderId: actor.userId!, message, isInternal: false })
      .returning();
    if (!reply) throw new Error('message insert returned nothing');
    const status: TicketStatus =
      !staff && REOPENED_BY_MEMBER_REPLY.includes(ticket.status) ? 'OPEN' : ticket.status;
    // Always touched: updated_at (trigger) is the ticket's last activity.
    const [updated] = await tx
      .update(supportTickets)
      .set(status === ticket.status ? { status } : { status, resolvedAt: null })
      .where(eq(supportTickets.id, ticket.id))
      .returning();
    await recordAudit(tx, actor, {
      organizationId: ticket.organizationId,
      action: 'support_ticket.replied',
      entityType: 'support_ticket',
      entityId: ticket.id,
      oldValues: status === ticket.status ? null : { status: ticket.status },
      newValues: { messageId: reply.id, ...(status === ticket.status ? {} : { status }) },
      metadata: { byStaff: staff },
    });
    const emailIds = staff ? await emailCustomer(tx, actor, ticket, message) : [];
    return { message: reply, ticket: updated ?? ticket, emailIds };
  });
}

async function emailCustomer(tx: Database, actor: Actor, ticket: Ticket, message: string): Promise<string[]> {
  if (ticket.customerId === actor.userId) return [];
  const [row] = await tx
    .select({
      email: users.email,
      name: users.name,
      deletedAt: users.deletedAt,
      slug: organizations.slug,
      organizationName: organizations.name,
    })
    .from(users)
    .innerJoin(organizations, eq(organizations.id, ticket.organizationId))
    .where(eq(users.id, ticket.customerId));
  // A deleted account's address is deleted-<id>@deleted.invalid: nobody to write to.
  if (!row || row.deletedAt) return [];
  const id = await queueEmail(tx, {
    to: row.email,
    template: 'support-reply',
    data: {
      name: row.name,
      subject: ticket.subject,
      organizationName: row.organizationName,
      message: message.slice(0, MESSAGE_MAX),
      ticketUrl: `${env().APP_URL}/o/${row.slug}/support/${ticket.id}`,
    },
    entityType: 'support_ticket',
    entityId: ticket.id,
  });
  return [id];
}

/** "Close their own" (SPEC §2): the member who opened the ticket, or staff. Closing twice changes nothing. */
export async function closeTicket(db: Database, actor: Actor, input: TicketRef) {
  const ref = parseInput(ticketRef, input);
  return db.transaction(async (tx) => {
    const { ticket, staff } = await reachTicket(tx, actor, ref, { lock: true });
    if (!staff && ticket.customerId !== actor.userId)
      throw new Forbidden('Only the person who opened this ticket, or platform staff, can close it.');
    if (ticket.status === 'CLOSED') return ticket;
    const [closed] = await tx
      .update(supportTickets)
      .set({ status: 'CLOSED' })
      .where(eq(supportTickets.id, ticket.id))
      .returning();
    await recordAudit(tx, actor, {
      organizationId: ticket.organizationId,
      action: 'support_ticket.closed',
      entityType: 'support_ticket',
      entityId: ticket.id,
      oldValues: { status: ticket.status },
      newValues: { status: 'CLOSED' },
    });
    return closed ?? ticket;
  });
}

// ---------------------------------------------------------------------------------------------------
// Staff only

export const assignInput = ticketRef.extend({ assigneeId: id.min(1).nullable() });

/** Assigns the ticket to a staff member (or nobody, with null). */
export async function assignTicket(db: Database, actor: Actor, input: z.input<typeof assignInput>) {
  const { assigneeId, ...ref } = parseInput(assignInput, input);
  return db.transaction(async (tx) => {
    const { ticket } = await reachTicket(tx, actor, ref, { lock: true, staffOnly: true });
    if (assigneeId && !(await isStaff(tx, assigneeId)))
      throw new ValidationFailed('A ticket can only be assigned to platform staff (Admin or Support).', {
        assigneeId: ['Choose a member of the support staff'],
      });
    if (ticket.assigneeId === assigneeId) return ticket;
    const [assigned] = await tx
      .update(supportTickets)
      .set({ assigneeId })
      .where(eq(supportTickets.id, ticket.id))
      .returning();
    await recordAudit(tx, actor, {
      organizationId: ticket.organizationId,
      action: 'support_ticket.assigned',
      entityType: 'support_ticket',
      entityId: ticket.id,
      oldValues: { assigneeId: ticket.assigneeId },
      newValues: { assigneeId },
    });
    return assigned ?? ticket;
  });
}

export const changeStatusInput = ticketRef.extend({ status: ticketStatusSchema });

/**
 * Any status to any other (staff may reopen a closed ticket). RESOLVED stamps resolved_at; back to an
 * open status clears it; CLOSED keeps whatever resolution time there was.
 */
export async function changeStatus(db: Database, actor: Actor, input: z.input<typeof changeStatusInput>) {
  const { status, ...ref } = parseInput(changeStatusInput, input);
  return db.transaction(async (tx) => {
    const { ticket } = await reachTicket(tx, actor, ref, { lock: true, staffOnly: true });
    if (ticket.status === status) return ticket;
    const resolvedAt = status === 'RESOLVED' ? sql`now()` : status === 'CLOSED' ? ticket.resolvedAt : null;
    const [changed] = await tx
      .update(supportTickets)
      .set({ status, resolvedAt })
      .where(eq(supportTickets.id, ticket.id))
      .returning();
    await recordAudit(tx, actor, {
      organizationId: ticket.organizationId,
      action: 'support_ticket.status_changed',
      entityType: 'support_ticket',
      entityId: ticket.id,
      oldValues: { status: ticket.status },
      newValues: { status },
    });
    return changed ?? ticket;
  });
}

export const internalNoteInput = ticketRef.merge(replyFormSchema);

/**
 * A note for staff only (is_internal). Its audit row carries no organization_id, so it stays out of the
 * organization's own audit log (owners and admins read that one); the organization is in metadata.
 */
export async function addInternalNote(db: Database, actor: Actor, input: z.input<typeof internalNoteInput>) {
  const { message, ...ref } = parseInput(internalNoteInput, input);
  return db.transaction(async (tx) => {
    const { ticket } = await reachTicket(tx, actor, ref, { lock: true, staffOnly: true });
    const [note] = await tx
      .insert(supportMessages)
      .values({ ticketId: ticket.id, senderId: actor.userId!, message, isInternal: true })
      .returning();
    if (!note) throw new Error('note insert returned nothing');
    await recordAudit(tx, actor, {
      action: 'support_ticket.note_added',
      entityType: 'support_ticket',
      entityId: ticket.id,
      newValues: { messageId: note.id },
      metadata: { organizationId: ticket.organizationId },
    });
    return note;
  });
}
