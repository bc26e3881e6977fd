// The staff side of support (issue 14 §2): the queue of every organization's tickets, filtered by status,
// priority and assignee, with unread markers for both sides. A marker is per reader
// (support_ticket_reads): staff see a ticket as unread while the customer wrote something after they last
// opened it (or they never did); a customer sees staff replies newer than their last visit. Internal notes
// never count for a customer. Assigning, replying, status changes and notes are app/support/tickets.server.ts.
import { and, desc, eq, inArray, isNull, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { Actor } from '~/audit/audit.server';
import { Forbidden } from '~/lib/errors';
import { TICKET_PRIORITIES, TICKET_STATUSES } from '~/support/schemas';
import { isStaff } from '~/support/tickets.server';
import type { Database } from '~db/client.server';
import { organizations, supportTicketReads, supportTickets, users } from '~db/schema';

export const QUEUE_PAGE_SIZE = 25;
const blank = (v: unknown) => (v === '' || v === null ? undefined : v);

export const queueFilterSchema = z.object({
  status: z.preprocess(blank, z.enum([...TICKET_STATUSES, 'ACTIVE']).optional()),
  priority: z.preprocess(blank, z.enum(TICKET_PRIORITIES).optional()),
  /** "me", "none" or a staff user id. */
  assignee: z.preprocess(blank, z.string().max(100).optional()),
  page: z.preprocess(blank, z.coerce.number().int().min(1).max(10_000).default(1)),
});
export type QueueFilter = z.infer<typeof queueFilterSchema>;

const customers = alias(users, 'customers');
const assignees = alias(users, 'assignees');

/** SQL: a message newer than `reader`'s marker on the ticket, from the other side. */
// Written against support_tickets by name: Drizzle leaves columns unqualified in one-table selects.
function unreadFor(reader: string, side: 'staff' | 'customer'): SQL<boolean> {
  const since = sql`COALESCE((SELECT r.read_at FROM support_ticket_reads r WHERE r.ticket_id = support_tickets.id AND r.user_id = ${reader}), '-infinity'::timestamptz)`;
  if (side === 'staff')
    return sql<boolean>`(support_tickets.created_at > ${since} OR EXISTS (
      SELECT 1 FROM support_messages m JOIN users u ON u.id = m.sender_id
      WHERE m.ticket_id = support_tickets.id AND u.role = 'CUSTOMER' AND m.created_at > ${since}))`.mapWith(
      Boolean,
    );
  return sql<boolean>`EXISTS (
      SELECT 1 FROM support_messages m JOIN users u ON u.id = m.sender_id
      WHERE m.ticket_id = support_tickets.id AND NOT m.is_internal AND u.role IN ('ADMIN', 'SUPPORT')
        AND m.created_at > ${since})`.mapWith(Boolean);
}

export async function listSupportQueue(db: Database, actor: Actor, filter: QueueFilter) {
  if (!(await isStaff(db, actor.userId))) throw new Forbidden('Only platform staff can see the queue.');
  const reader = actor.userId ?? '';
  const where: (SQL | undefined)[] = [
    filter.status === 'ACTIVE'
      ? inArray(supportTickets.status, ['OPEN', 'IN_PROGRESS', 'WAITING_ON_CLIENT'])
      : filter.status
        ? eq(supportTickets.status, filter.status)
        : undefined,
    filter.priority ? eq(supportTickets.priority, filter.priority) : undefined,
    filter.assignee === 'none'
      ? isNull(supportTickets.assigneeId)
      : filter.assignee
        ? eq(supportTickets.assigneeId, filter.assignee === 'me' ? reader : filter.assignee)
        : undefined,
  ];
  const rows = await db
    .select({
      id: supportTickets.id,
      subject: supportTickets.subject,
      status: supportTickets.status,
      priority: supportTickets.priority,
      createdAt: supportTickets.createdAt,
      updatedAt: supportTickets.updatedAt,
      organizationName: organizations.name,
      organizationSlug: organizations.slug,
      customerName: customers.name,
      customerEmail: customers.email,
      assigneeId: supportTickets.assigneeId,
      assigneeName: assignees.name,
      assigneeEmail: assignees.email,
      unread: unreadFor(reader, 'staff'),
    })
    .from(supportTickets)
    .innerJoin(organizations, eq(organizations.id, supportTickets.organizationId))
    .innerJoin(customers, eq(customers.id, supportTickets.customerId))
    .leftJoin(assignees, eq(assignees.id, supportTickets.assigneeId))
    .where(and(...where))
    // Most recent activity first (updated_at is touched by every reply).
    .orderBy(desc(supportTickets.updatedAt), desc(supportTickets.id))
    .limit(QUEUE_PAGE_SIZE + 1)
    .offset((filter.page - 1) * QUEUE_PAGE_SIZE);
  return {
    tickets: rows
      .slice(0, QUEUE_PAGE_SIZE)
      .map(({ customerName, customerEmail, assigneeName, assigneeEmail, ...t }) => ({
        ...t,
        openedBy: customerName ?? customerEmail,
        assignee: t.assigneeId ? (assigneeName ?? assigneeEmail) : null,
      })),
    hasMore: rows.length > QUEUE_PAGE_SIZE,
  };
}

/** The customer side: which of these tickets have staff replies the reader has not seen. */
export async function unreadForCustomer(
  db: Database,
  readerId: string,
  ticketIds: string[],
): Promise<Set<string>> {
  if (ticketIds.length === 0) return new Set();
  const rows = await db
    .select({ id: supportTickets.id, unread: unreadFor(readerId, 'customer') })
    .from(supportTickets)
    .where(inArray(supportTickets.id, ticketIds));
  return new Set(rows.filter((r) => r.unread).map((r) => r.id));
}

/** The reader opened the ticket now. Not audited: reading changes no business data. */
export async function markTicketRead(db: Database, readerId: string, ticketId: string): Promise<void> {
  await db
    .insert(supportTicketReads)
    .values({ ticketId, userId: readerId, readAt: sql`now()` })
    .onConflictDoUpdate({
      target: [supportTicketReads.ticketId, supportTicketReads.userId],
      set: { readAt: sql`now()` },
    });
}
