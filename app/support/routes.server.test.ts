// The support pages as a browser calls them (Request + session cookie, no JavaScript): every role reaches
// them (BILLING included), forms answer 400 with field errors and keep the values, internal notes are
// absent from the loader's output, another organization's ticket is a 404 on the page and on every
// action, and closing someone else's ticket is a 403.
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { addMember, cookieFor, createOrg, createUser, type TestUser } from '~/orgs/test-support';
import * as listPage from '~/routes/o.$slug.support._index';
import * as ticketPage from '~/routes/o.$slug.support.$ticketId';
import { supportMessages, supportTickets, users } from '~db/schema';
import { postgresAvailable, useAppTestDatabase } from '../../tests/support/db';
import { getPage as get, postForm as post, type RouteFn, runRoute as run } from '../../tests/support/routes';
import { addInternalNote, changeStatus, openTicket, replyToTicket } from './tickets.server';

const t = useAppTestDatabase();

interface Side {
  organization: { id: string; slug: string };
  owner: TestUser & { cookie: string };
  member: TestUser & { cookie: string };
  ticketId: string;
}

async function side(): Promise<Side> {
  const { organization, owner } = await createOrg(t.db);
  const member = await addMember(t.db, organization.id, 'MEMBER');
  const ticket = await openTicket(t.db, member.actor, {
    organizationId: organization.id,
    subject: 'Login loop',
    description: 'I keep landing on the sign-in page.',
  });
  return {
    organization,
    owner: { ...owner, cookie: await cookieFor(t.db, owner.id) },
    member: { ...member, cookie: await cookieFor(t.db, member.id) },
    ticketId: ticket.id,
  };
}

const ticketOf = async (id: string) =>
  (await t.db.select().from(supportTickets).where(eq(supportTickets.id, id)))[0];

describe.skipIf(!postgresAvailable())('support routes', () => {
  let a: Side;
  let b: Side;
  let staff: TestUser;

  beforeAll(async () => {
    a = await side();
    b = await side();
    staff = await createUser(t.db);
    await t.db.update(users).set({ role: 'SUPPORT' }).where(eq(users.id, staff.id));
  });

  const listPath = (s: Side) => `/o/${s.organization.slug}/support`;
  const ticketPath = (s: Side, ticketId = s.ticketId) => `/o/${s.organization.slug}/support/${ticketId}`;

  describe('the list and the open form', () => {
    it('every role reaches it, BILLING included; a non-member gets 404; signed out goes to sign-in', async () => {
      const billing = await addMember(t.db, a.organization.id, 'BILLING');
      const params = { slug: a.organization.slug };
      for (const cookie of [a.owner.cookie, a.member.cookie, await cookieFor(t.db, billing.id)]) {
        const out = await run(listPage.loader as RouteFn, get(listPath(a), cookie), params);
        expect(out.status).toBe(200);
        const tickets = (out.data as { tickets: { id: string }[] }).tickets.map((x) => x.id);
        expect(tickets).toContain(a.ticketId);
        expect(tickets).not.toContain(b.ticketId);
      }
      expect((await run(listPage.loader as RouteFn, get(listPath(a), b.owner.cookie), params)).status).toBe(
        404,
      );
      const signedOut = await run(listPage.loader as RouteFn, get(listPath(a)), params);
      expect(signedOut.status).toBe(302);
      expect(signedOut.location).toContain('/login?redirectTo=');
    });

    it('filters by status from the query string; a bad status shows everything', async () => {
      const params = { slug: a.organization.slug };
      const closed = await run(
        listPage.loader as RouteFn,
        get(`${listPath(a)}?status=CLOSED`, a.member.cookie),
        params,
      );
      expect(closed.data).toMatchObject({ tickets: [], status: 'CLOSED' });
      const bad = await run(
        listPage.loader as RouteFn,
        get(`${listPath(a)}?status=NOPE`, a.member.cookie),
        params,
      );
      expect((bad.data as { tickets: unknown[] }).tickets.length).toBeGreaterThan(0);
    });

    it('an invalid ticket is a 400 with errors next to the fields and the values kept', async () => {
      const out = await run(
        listPage.action as RouteFn,
        post(listPath(a), a.member.cookie, { subject: '', description: 'Kept text', priority: 'HIGH' }),
        { slug: a.organization.slug },
      );
      expect(out.status).toBe(400);
      const answer = out.data as {
        form: string;
        result: { error: Record<string, string[]>; initialValue: Record<string, string> };
      };
      expect(answer.form).toBe('open');
      expect(answer.result.error.subject).toEqual(['Enter a subject']);
      expect(answer.result.initialValue).toMatchObject({ description: 'Kept text', priority: 'HIGH' });
    });

    it('a valid ticket is opened and the browser goes to its page', async () => {
      const out = await run(
        listPage.action as RouteFn,
        post(listPath(a), a.member.cookie, {
          subject: 'Billing question',
          description: 'Why?',
          priority: 'LOW',
        }),
        { slug: a.organization.slug },
      );
      expect(out.status).toBe(302);
      const id = out.location?.split('/').at(-1) ?? '';
      expect(out.location).toBe(ticketPath(a, id));
      expect(await ticketOf(id)).toMatchObject({
        organizationId: a.organization.id,
        customerId: a.member.id,
        subject: 'Billing question',
        priority: 'LOW',
      });
    });
  });

  describe('the ticket page', () => {
    it('shows the thread without internal notes (not even in the loader’s data)', async () => {
      const ref = { organizationId: a.organization.id, ticketId: a.ticketId };
      await replyToTicket(t.db, staff.actor, { ...ref, message: 'Clear your cookies, please.' });
      await addInternalNote(t.db, staff.actor, { ...ref, message: 'TOP-SECRET-NOTE' });
      for (const who of [a.member, a.owner]) {
        const out = await run(ticketPage.loader as RouteFn, get(ticketPath(a), who.cookie), {
          slug: a.organization.slug,
          ticketId: a.ticketId,
        });
        expect(out.status).toBe(200);
        expect(JSON.stringify(out.data)).not.toContain('TOP-SECRET-NOTE');
        const view = out.data as { messages: { message: string; fromStaff: boolean }[]; canClose: boolean };
        expect(view.messages).toEqual([
          expect.objectContaining({ message: 'Clear your cookies, please.', fromStaff: true }),
        ]);
        // Only the opener gets the close button.
        expect(view.canClose).toBe(who === a.member);
      }
    });

    it('a reply: 400 with the error next to the field when empty; sent otherwise; reopens a ticket waiting on the client', async () => {
      const params = { slug: a.organization.slug, ticketId: a.ticketId };
      const empty = await run(
        ticketPage.action as RouteFn,
        post(ticketPath(a), a.member.cookie, { intent: 'reply', message: '  ' }),
        params,
      );
      expect(empty.status).toBe(400);
      expect((empty.data as { result: { error: Record<string, string[]> } }).result.error.message).toEqual([
        'Write a message',
      ]);
      await changeStatus(t.db, staff.actor, { ticketId: a.ticketId, status: 'WAITING_ON_CLIENT' });
      const sent = await run(
        ticketPage.action as RouteFn,
        post(ticketPath(a), a.owner.cookie, { intent: 'reply', message: 'Done, still looping.' }),
        params,
      );
      expect(sent).toMatchObject({ status: 302, location: ticketPath(a) });
      expect((await ticketOf(a.ticketId))?.status).toBe('OPEN');
      const messages = await t.db
        .select()
        .from(supportMessages)
        .where(eq(supportMessages.ticketId, a.ticketId));
      expect(messages.map((m) => m.message)).toContain('Done, still looping.');
    });

    it('closing someone else’s ticket is a 403 with the reason; the opener closes it; then no more replies (409)', async () => {
      const params = { slug: a.organization.slug, ticketId: a.ticketId };
      const refused = await run(
        ticketPage.action as RouteFn,
        post(ticketPath(a), a.owner.cookie, { intent: 'close' }),
        params,
      );
      expect(refused.status).toBe(403);
      expect((refused.data as { error: string }).error).toContain('Only the person who opened this ticket');
      expect((await ticketOf(a.ticketId))?.status).toBe('OPEN');

      const closed = await run(
        ticketPage.action as RouteFn,
        post(ticketPath(a), a.member.cookie, { intent: 'close' }),
        params,
      );
      expect(closed).toMatchObject({ status: 302, location: ticketPath(a) });
      expect((await ticketOf(a.ticketId))?.status).toBe('CLOSED');

      const late = await run(
        ticketPage.action as RouteFn,
        post(ticketPath(a), a.member.cookie, { intent: 'reply', message: 'One more thing' }),
        params,
      );
      expect(late.status).toBe(409);
      const page = await run(ticketPage.loader as RouteFn, get(ticketPath(a), a.member.cookie), params);
      expect(page.data).toMatchObject({ canReply: false, canClose: false });
    });

    it('an unknown intent is a 400', async () => {
      const out = await run(
        ticketPage.action as RouteFn,
        post(ticketPath(a), a.member.cookie, { intent: 'delete' }),
        { slug: a.organization.slug, ticketId: a.ticketId },
      );
      expect(out.status).toBe(400);
    });
  });

  describe('another organization’s ticket is a 404 on the page and on every action', () => {
    const forms: Record<string, string>[] = [{ intent: 'reply', message: 'Mine now' }, { intent: 'close' }];

    it('through my organization’s address', async () => {
      const params = { slug: a.organization.slug, ticketId: b.ticketId };
      const path = ticketPath(a, b.ticketId);
      for (const who of [a.owner, a.member]) {
        expect((await run(ticketPage.loader as RouteFn, get(path, who.cookie), params)).status).toBe(404);
        for (const form of forms)
          expect((await run(ticketPage.action as RouteFn, post(path, who.cookie, form), params)).status).toBe(
            404,
          );
      }
    });

    it('through theirs', async () => {
      const params = { slug: b.organization.slug, ticketId: b.ticketId };
      const path = ticketPath(b);
      expect((await run(ticketPage.loader as RouteFn, get(path, a.owner.cookie), params)).status).toBe(404);
      for (const form of forms)
        expect(
          (await run(ticketPage.action as RouteFn, post(path, a.owner.cookie, form), params)).status,
        ).toBe(404);
      expect(
        (
          await run(
            listPage.action as RouteFn,
            post(listPath(b), a.owner.cookie, { subject: 'x', description: 'y', priority: 'LOW' }),
            { slug: b.organization.slug },
          )
        ).status,
      ).toBe(404);
    });

    it('an unknown ticket id is the same 404', async () => {
      const out = await run(ticketPage.loader as RouteFn, get(ticketPath(a, 'nope'), a.owner.cookie), {
        slug: a.organization.slug,
        ticketId: 'nope',
      });
      expect(out.status).toBe(404);
    });

    it('nothing of theirs changed', async () => {
      expect(await ticketOf(b.ticketId)).toMatchObject({ status: 'OPEN' });
      expect(
        await t.db.select().from(supportMessages).where(eq(supportMessages.ticketId, b.ticketId)),
      ).toEqual([]);
      expect(
        await t.db.select().from(supportTickets).where(eq(supportTickets.organizationId, b.organization.id)),
      ).toHaveLength(1);
    });
  });
});
