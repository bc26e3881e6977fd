// Support tickets on a real database: who may do what (members of the organization, the opener, platform
// staff), tenant isolation (another organization's ticket is "not found" for every function), internal
// notes that never reach a customer, the status rules, the email queued on a staff reply, and one
// audit_logs row per change.
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { deleteAccount } from '~/auth/profile.server';
import { Conflict, Forbidden, NotFound, ValidationFailed } from '~/lib/errors';
import { listAuditLog } from '~/orgs/audit-log.server';
import { addMember, createOrg, createUser, type TestUser } from '~/orgs/test-support';
import { isForeignKeyViolation } from '~db/client.server';
import {
  auditLogs,
  emailLogs,
  TICKET_PRIORITIES as SQL_PRIORITIES,
  TICKET_STATUSES as SQL_STATUSES,
  supportMessages,
  supportTickets,
  users,
} from '~db/schema';
import { useTestDatabase } from '../../tests/support/db';
import { TICKET_PRIORITIES, TICKET_STATUSES } from './schemas';
import {
  addInternalNote,
  assignTicket,
  changeStatus,
  closeTicket,
  getTicket,
  listTickets,
  openTicket,
  replyToTicket,
} from './tickets.server';

const t = useTestDatabase();

async function createStaff(role: 'ADMIN' | 'SUPPORT' = 'SUPPORT'): Promise<TestUser> {
  const user = await createUser(t.db);
  await t.db.update(users).set({ role }).where(eq(users.id, user.id));
  return user;
}

/** An organization with an owner, a MEMBER who opened a ticket, and that ticket. */
async function withTicket() {
  const { organization, owner } = await createOrg(t.db);
  const member = await addMember(t.db, organization.id, 'MEMBER');
  const ticket = await openTicket(t.db, member.actor, {
    organizationId: organization.id,
    subject: 'Export fails',
    description: 'The CSV export times out.',
    priority: 'HIGH',
  });
  return {
    organization,
    owner,
    member,
    ticket,
    o: organization.id,
    ref: { organizationId: organization.id, ticketId: ticket.id },
  };
}

const audits = (entityId: string) =>
  t.db.select().from(auditLogs).where(eq(auditLogs.entityId, entityId)).orderBy(auditLogs.createdAt);

const statusOf = async (ticketId: string) =>
  (await t.db.select().from(supportTickets).where(eq(supportTickets.id, ticketId)))[0];

describe('opening tickets', () => {
  it('every role of the matrix opens one (BILLING included); it starts OPEN, audited', async () => {
    const { organization, owner } = await createOrg(t.db);
    for (const role of ['OWNER', 'ADMIN', 'MEMBER', 'BILLING'] as const) {
      const who = role === 'OWNER' ? owner : await addMember(t.db, organization.id, role);
      const ticket = await openTicket(t.db, who.actor, {
        organizationId: organization.id,
        subject: `  From ${role}  `,
        description: 'Help',
      });
      expect(ticket).toMatchObject({
        organizationId: organization.id,
        customerId: who.id,
        subject: `From ${role}`,
        status: 'OPEN',
        priority: 'NORMAL',
        assigneeId: null,
        resolvedAt: null,
      });
      const [audit] = await audits(ticket.id);
      expect(audit).toMatchObject({
        action: 'support_ticket.opened',
        userId: who.id,
        organizationId: organization.id,
        newValues: { subject: `From ${role}`, priority: 'NORMAL', status: 'OPEN' },
      });
    }
  });

  it('refuses a non-member (not found) and an empty subject (field error)', async () => {
    const { organization } = await createOrg(t.db);
    const stranger = await createUser(t.db);
    await expect(
      openTicket(t.db, stranger.actor, { organizationId: organization.id, subject: 'x', description: 'y' }),
    ).rejects.toBeInstanceOf(NotFound);
    const member = await addMember(t.db, organization.id, 'MEMBER');
    const err = await openTicket(t.db, member.actor, {
      organizationId: organization.id,
      subject: '   ',
      description: 'y',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationFailed);
    expect((err as ValidationFailed).fieldErrors).toMatchObject({ subject: ['Enter a subject'] });
    expect(
      await t.db.select().from(supportTickets).where(eq(supportTickets.organizationId, organization.id)),
    ).toEqual([]);
  });

  it('the status and priority lists equal the SQL enums', () => {
    expect([...TICKET_STATUSES]).toEqual([...SQL_STATUSES]);
    expect([...TICKET_PRIORITIES]).toEqual([...SQL_PRIORITIES]);
  });
});

describe('listing tickets', () => {
  it('every member sees the organization’s tickets (not another’s), newest first, filtered by status', async () => {
    const { organization, owner, member, ticket } = await withTicket();
    const billing = await addMember(t.db, organization.id, 'BILLING');
    const second = await openTicket(t.db, owner.actor, {
      organizationId: organization.id,
      subject: 'Second',
      description: 'More',
    });
    await withTicket(); // another organization's ticket
    for (const who of [owner, member, billing]) {
      const { tickets, nextCursor } = await listTickets(t.db, who.actor, { organizationId: organization.id });
      expect(tickets.map((x) => x.id)).toEqual([second.id, ticket.id]);
      expect(nextCursor).toBeNull();
    }
    const staff = await createStaff();
    await changeStatus(t.db, staff.actor, { ticketId: ticket.id, status: 'WAITING_ON_CLIENT' });
    const waiting = await listTickets(t.db, member.actor, {
      organizationId: organization.id,
      status: 'WAITING_ON_CLIENT',
    });
    expect(waiting.tickets.map((x) => x.id)).toEqual([ticket.id]);
    expect(waiting.tickets[0]).toMatchObject({
      subject: 'Export fails',
      priority: 'HIGH',
      openedBy: expect.any(String),
    });
  });

  it('keyset pagination on (created_at, id) walks every ticket once, even with equal timestamps', async () => {
    const { organization, owner } = await createOrg(t.db);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const ticket = await openTicket(t.db, owner.actor, {
        organizationId: organization.id,
        subject: `T${i}`,
        description: 'd',
      });
      ids.push(ticket.id);
    }
    // Three tickets share one timestamp: the id breaks the tie.
    await t.db
      .update(supportTickets)
      .set({ createdAt: new Date('2030-01-01T00:00:00.000Z') })
      .where(eq(supportTickets.organizationId, organization.id));
    await t.db
      .update(supportTickets)
      .set({ createdAt: new Date('2029-01-01T00:00:00.000Z') })
      .where(eq(supportTickets.id, ids[0]!));
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listTickets(t.db, owner.actor, {
        organizationId: organization.id,
        cursor,
        limit: 2,
      });
      seen.push(...page.tickets.map((x) => x.id));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(5);
    expect(seen.at(-1)).toBe(ids[0]); // the oldest comes last
    const sameTime = seen.slice(0, 4);
    expect(sameTime).toEqual([...sameTime].sort().reverse());
    // A garbled cursor is ignored, not a 500.
    const garbled = await listTickets(t.db, owner.actor, { organizationId: organization.id, cursor: '%%%' });
    expect(garbled.tickets).toHaveLength(5);
  });

  it('a non-member gets not found; only staff may list without an organization', async () => {
    const { organization, ticket, member } = await withTicket();
    const stranger = await createUser(t.db);
    await expect(
      listTickets(t.db, stranger.actor, { organizationId: organization.id }),
    ).rejects.toBeInstanceOf(NotFound);
    await expect(listTickets(t.db, member.actor, {})).rejects.toBeInstanceOf(Forbidden);
    const staff = await createStaff('ADMIN');
    expect(
      (await listTickets(t.db, staff.actor, { organizationId: organization.id })).tickets.map((x) => x.id),
    ).toEqual([ticket.id]);
    const all = await listTickets(t.db, staff.actor, { limit: 100 });
    expect(all.tickets.map((x) => x.id)).toContain(ticket.id);
  });
});

describe('reading a thread: internal notes only for staff', () => {
  it('members see replies but never internal notes; staff see both', async () => {
    const { owner, member, ticket, ref } = await withTicket();
    const staff = await createStaff();
    await replyToTicket(t.db, staff.actor, { ...ref, message: 'Which browser?' });
    const note = await addInternalNote(t.db, staff.actor, {
      ...ref,
      message: 'Customer is on the legacy plan',
    });
    expect(note.isInternal).toBe(true);
    await replyToTicket(t.db, member.actor, { ...ref, message: 'Firefox' });

    for (const who of [member, owner]) {
      const view = await getTicket(t.db, who.actor, ref);
      expect(view.messages.map((m) => m.message)).toEqual(['Which browser?', 'Firefox']);
      expect(view.messages.some((m) => m.isInternal)).toBe(false);
      expect(JSON.stringify(view)).not.toContain('legacy plan');
      expect(view.messages[0]).toMatchObject({ fromStaff: true });
      expect(view.messages[1]).toMatchObject({ fromStaff: false, senderId: member.id });
      expect(view.viewer).toEqual({ isStaff: false, isOpener: who.id === member.id });
    }
    const asStaff = await getTicket(t.db, staff.actor, { ticketId: ticket.id });
    expect(asStaff.messages.map((m) => [m.message, m.isInternal])).toEqual([
      ['Which browser?', false],
      ['Customer is on the legacy plan', true],
      ['Firefox', false],
    ]);
    expect(asStaff.viewer.isStaff).toBe(true);
  });

  it('the internal note’s audit row stays out of the organization’s audit log', async () => {
    const { owner, o, ref, ticket } = await withTicket();
    const staff = await createStaff();
    const note = await addInternalNote(t.db, staff.actor, { ...ref, message: 'secret' });
    const [row] = await t.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.action, 'support_ticket.note_added'), eq(auditLogs.entityId, ticket.id)));
    expect(row).toMatchObject({
      userId: staff.id,
      organizationId: null,
      newValues: { messageId: note.id },
      metadata: { organizationId: o },
    });
    const log = await listAuditLog(t.db, owner.actor, o, {});
    expect(log.entries.map((e) => e.action)).not.toContain('support_ticket.note_added');
  });

  it('a deactivated or deleted staff account is not staff', async () => {
    const { ref } = await withTicket();
    const former = await createStaff('ADMIN');
    await t.db.update(users).set({ status: 'SUSPENDED' }).where(eq(users.id, former.id));
    await expect(getTicket(t.db, former.actor, { ticketId: ref.ticketId })).rejects.toBeInstanceOf(NotFound);
    await expect(addInternalNote(t.db, former.actor, { ...ref, message: 'x' })).rejects.toBeInstanceOf(
      Forbidden,
    );
  });
});

describe('replies and status', () => {
  it('a member’s reply on a ticket waiting on them (or resolved) puts it back to OPEN; staff replies keep the status', async () => {
    const { member, ref, ticket } = await withTicket();
    const staff = await createStaff();
    await changeStatus(t.db, staff.actor, { ...ref, status: 'IN_PROGRESS' });
    await replyToTicket(t.db, staff.actor, { ...ref, message: 'Looking into it' });
    expect((await statusOf(ticket.id))?.status).toBe('IN_PROGRESS');
    await replyToTicket(t.db, member.actor, { ...ref, message: 'Thanks' });
    expect((await statusOf(ticket.id))?.status).toBe('IN_PROGRESS');

    await changeStatus(t.db, staff.actor, { ...ref, status: 'WAITING_ON_CLIENT' });
    const { ticket: reopened } = await replyToTicket(t.db, member.actor, { ...ref, message: 'Here it is' });
    expect(reopened.status).toBe('OPEN');

    await changeStatus(t.db, staff.actor, { ...ref, status: 'RESOLVED' });
    expect((await statusOf(ticket.id))?.resolvedAt).toBeInstanceOf(Date);
    await replyToTicket(t.db, member.actor, { ...ref, message: 'It broke again' });
    expect(await statusOf(ticket.id)).toMatchObject({ status: 'OPEN', resolvedAt: null });

    const replied = (await audits(ticket.id)).filter((a) => a.action === 'support_ticket.replied');
    expect(replied).toHaveLength(4);
    expect(replied[2]).toMatchObject({
      userId: member.id,
      oldValues: { status: 'WAITING_ON_CLIENT' },
      newValues: { status: 'OPEN' },
    });
  });

  it('any member of the organization may reply, not only the opener', async () => {
    const { organization, ref } = await withTicket();
    const billing = await addMember(t.db, organization.id, 'BILLING');
    const { message } = await replyToTicket(t.db, billing.actor, { ...ref, message: 'Also seeing this' });
    expect(message).toMatchObject({ senderId: billing.id, isInternal: false });
  });

  it('a closed ticket takes no more replies', async () => {
    const { member, ref } = await withTicket();
    await closeTicket(t.db, member.actor, ref);
    const err = await replyToTicket(t.db, member.actor, { ...ref, message: 'Hello?' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Conflict);
    expect((err as Conflict).fieldErrors).toMatchObject({ message: ['This ticket is closed'] });
    expect(
      await t.db.select().from(supportMessages).where(eq(supportMessages.ticketId, ref.ticketId)),
    ).toEqual([]);
  });

  it('an empty reply is a field error', async () => {
    const { member, ref } = await withTicket();
    await expect(replyToTicket(t.db, member.actor, { ...ref, message: '  ' })).rejects.toMatchObject({
      fieldErrors: { message: ['Write a message'] },
    });
  });

  it('changeStatus: staff only; RESOLVED stamps resolved_at, reopening clears it, CLOSED keeps it; staff may reopen a closed ticket', async () => {
    const { owner, member, ref, ticket } = await withTicket();
    for (const who of [owner, member]) {
      await expect(changeStatus(t.db, who.actor, { ...ref, status: 'RESOLVED' })).rejects.toBeInstanceOf(
        Forbidden,
      );
    }
    const staff = await createStaff('ADMIN');
    const resolved = await changeStatus(t.db, staff.actor, { ...ref, status: 'RESOLVED' });
    expect(resolved.resolvedAt).toBeInstanceOf(Date);
    const closed = await changeStatus(t.db, staff.actor, { ...ref, status: 'CLOSED' });
    expect(closed.resolvedAt).toEqual(resolved.resolvedAt);
    const reopened = await changeStatus(t.db, staff.actor, { ...ref, status: 'OPEN' });
    expect(reopened).toMatchObject({ status: 'OPEN', resolvedAt: null });
    // The same status again changes nothing and writes no audit row.
    await changeStatus(t.db, staff.actor, { ...ref, status: 'OPEN' });
    const changes = (await audits(ticket.id)).filter((a) => a.action === 'support_ticket.status_changed');
    expect(changes.map((a) => [a.oldValues, a.newValues])).toEqual([
      [{ status: 'OPEN' }, { status: 'RESOLVED' }],
      [{ status: 'RESOLVED' }, { status: 'CLOSED' }],
      [{ status: 'CLOSED' }, { status: 'OPEN' }],
    ]);
    await expect(changeStatus(t.db, staff.actor, { ...ref, status: 'DONE' as never })).rejects.toBeInstanceOf(
      ValidationFailed,
    );
  });
});

describe('email on a staff reply', () => {
  it('a staff reply queues one email to the customer in the same transaction; a member reply none', async () => {
    const { member, ref, ticket, organization } = await withTicket();
    const staff = await createStaff();
    const { emailIds } = await replyToTicket(t.db, staff.actor, { ...ref, message: 'Fixed on our side.' });
    expect(emailIds).toHaveLength(1);
    const [email] = await t.db.select().from(emailLogs).where(eq(emailLogs.id, emailIds[0]!));
    expect(email).toMatchObject({
      to: member.email,
      template: 'support-reply',
      status: 'QUEUED',
      entityType: 'support_ticket',
      entityId: ticket.id,
      subject: 'New reply to your ticket: Export fails',
    });
    expect(email?.templateData).toMatchObject({
      message: 'Fixed on our side.',
      ticketUrl: expect.stringMatching(new RegExp(`/o/${organization.slug}/support/${ticket.id}$`)),
    });

    const answer = await replyToTicket(t.db, member.actor, { ...ref, message: 'Great' });
    expect(answer.emailIds).toEqual([]);
    expect(await t.db.select().from(emailLogs).where(eq(emailLogs.entityId, ticket.id))).toHaveLength(1);
  });

  it('an internal note emails nobody; a reply that fails writes neither message nor email', async () => {
    const { ref, ticket, member } = await withTicket();
    const staff = await createStaff();
    await addInternalNote(t.db, staff.actor, { ...ref, message: 'note' });
    await closeTicket(t.db, member.actor, ref);
    await expect(replyToTicket(t.db, staff.actor, { ...ref, message: 'late' })).rejects.toBeInstanceOf(
      Conflict,
    );
    expect(await t.db.select().from(emailLogs).where(eq(emailLogs.entityId, ticket.id))).toEqual([]);
  });

  it('no email when the customer deleted their account (the ticket stays, the opener shows as gone)', async () => {
    const { organization, owner } = await createOrg(t.db);
    const member = await addMember(t.db, organization.id, 'MEMBER');
    const ticket = await openTicket(t.db, member.actor, {
      organizationId: organization.id,
      subject: 'Bye',
      description: 'd',
    });
    await deleteAccount(t.db, member.actor, { confirm: member.email });
    const staff = await createStaff();
    const { emailIds } = await replyToTicket(t.db, staff.actor, {
      ticketId: ticket.id,
      message: 'Still there?',
    });
    expect(emailIds).toEqual([]);
    const view = await getTicket(t.db, owner.actor, { organizationId: organization.id, ticketId: ticket.id });
    expect(view.ticket.openedBy).toBeNull();
  });

  it('the database refuses to hard-delete a user who opened a ticket (RESTRICT), so the product never does', async () => {
    const { member } = await withTicket();
    const err = await t.db
      .delete(users)
      .where(eq(users.id, member.id))
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(isForeignKeyViolation(err)).toBe(true);
  });
});

describe('closing: the opener or staff', () => {
  it('the opener closes their own ticket, once; audited', async () => {
    const { member, ref, ticket } = await withTicket();
    const closed = await closeTicket(t.db, member.actor, ref);
    expect(closed.status).toBe('CLOSED');
    await closeTicket(t.db, member.actor, ref);
    const rows = (await audits(ticket.id)).filter((a) => a.action === 'support_ticket.closed');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      userId: member.id,
      oldValues: { status: 'OPEN' },
      newValues: { status: 'CLOSED' },
    });
  });

  it('another member (even the OWNER) may not close someone else’s ticket; staff may', async () => {
    const { organization, owner, ref, ticket } = await withTicket();
    const admin = await addMember(t.db, organization.id, 'ADMIN');
    for (const who of [owner, admin]) {
      const err = await closeTicket(t.db, who.actor, ref).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Forbidden);
      expect((err as Forbidden).message).toContain('Only the person who opened this ticket');
    }
    expect((await statusOf(ticket.id))?.status).toBe('OPEN');
    const staff = await createStaff();
    expect((await closeTicket(t.db, staff.actor, { ticketId: ticket.id })).status).toBe('CLOSED');
  });
});

describe('assigning (staff only, to staff only)', () => {
  it('assigns to ADMIN or SUPPORT staff, refuses a customer, unassigns with null', async () => {
    const { owner, ref, ticket } = await withTicket();
    const support = await createStaff('SUPPORT');
    const admin = await createStaff('ADMIN');
    await expect(assignTicket(t.db, owner.actor, { ...ref, assigneeId: support.id })).rejects.toBeInstanceOf(
      Forbidden,
    );
    expect((await assignTicket(t.db, support.actor, { ...ref, assigneeId: admin.id })).assigneeId).toBe(
      admin.id,
    );
    expect((await assignTicket(t.db, admin.actor, { ...ref, assigneeId: support.id })).assigneeId).toBe(
      support.id,
    );
    const err = await assignTicket(t.db, admin.actor, { ...ref, assigneeId: owner.id }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ValidationFailed);
    expect((err as ValidationFailed).fieldErrors).toHaveProperty('assigneeId');
    await expect(
      assignTicket(t.db, admin.actor, { ...ref, assigneeId: 'no-such-user' }),
    ).rejects.toBeInstanceOf(ValidationFailed);
    expect((await assignTicket(t.db, admin.actor, { ...ref, assigneeId: null })).assigneeId).toBeNull();
    const rows = (await audits(ticket.id)).filter((a) => a.action === 'support_ticket.assigned');
    expect(rows.map((a) => a.newValues)).toEqual([
      { assigneeId: admin.id },
      { assigneeId: support.id },
      { assigneeId: null },
    ]);
    const view = await getTicket(t.db, owner.actor, ref);
    expect(view.ticket.assigneeId).toBeNull();
  });
});

describe('tenant isolation: another organization’s ticket is not found, for every function', () => {
  it('through my organization, and through theirs', async () => {
    const a = await withTicket();
    const b = await withTicket();
    const mine = { organizationId: a.o, ticketId: b.ticket.id };
    const theirs = { organizationId: b.o, ticketId: b.ticket.id };
    const noOrg = { ticketId: b.ticket.id };
    for (const ref of [mine, theirs, noOrg]) {
      for (const who of [a.owner, a.member]) {
        const calls = [
          () => getTicket(t.db, who.actor, ref),
          () => replyToTicket(t.db, who.actor, { ...ref, message: 'Mine now' }),
          () => closeTicket(t.db, who.actor, ref),
        ];
        for (const call of calls) await expect(call()).rejects.toBeInstanceOf(NotFound);
      }
    }
    // Staff-only functions refuse members before anything else.
    for (const call of [
      () => assignTicket(t.db, a.owner.actor, { ...mine, assigneeId: null }),
      () => changeStatus(t.db, a.owner.actor, { ...mine, status: 'CLOSED' }),
      () => addInternalNote(t.db, a.owner.actor, { ...mine, message: 'x' }),
    ])
      await expect(call()).rejects.toBeInstanceOf(Forbidden);
    // Staff scoped to an organization do not reach another organization's ticket through it either.
    const staff = await createStaff('ADMIN');
    for (const call of [
      () => getTicket(t.db, staff.actor, mine),
      () => replyToTicket(t.db, staff.actor, { ...mine, message: 'x' }),
      () => closeTicket(t.db, staff.actor, mine),
      () => assignTicket(t.db, staff.actor, { ...mine, assigneeId: staff.id }),
      () => changeStatus(t.db, staff.actor, { ...mine, status: 'CLOSED' }),
      () => addInternalNote(t.db, staff.actor, { ...mine, message: 'x' }),
    ])
      await expect(call()).rejects.toBeInstanceOf(NotFound);

    expect(await statusOf(b.ticket.id)).toMatchObject({ status: 'OPEN', assigneeId: null });
    expect(
      await t.db.select().from(supportMessages).where(eq(supportMessages.ticketId, b.ticket.id)),
    ).toEqual([]);
  });

  it('an unknown ticket id is the same not found', async () => {
    const a = await withTicket();
    await expect(getTicket(t.db, a.member.actor, { organizationId: a.o, ticketId: 'nope' })).rejects.toThrow(
      'Ticket not found',
    );
  });
});
