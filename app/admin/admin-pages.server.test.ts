// Issue 14 through the admin routes: impersonation (ADMIN only, never staff, banner data, read-only, one
// click to end, audited with both identities), the support queue (internal notes never reach a customer's
// page or email; unread markers on both sides), typed settings, plans — each staff action audited with the
// staff member as actor, SUPPORT refused ADMIN actions with a 403 that explains.
import { and, desc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { platformAdmin } from '~/invoicing/test-support';
import { cookieFor, createOrg, createUser } from '~/orgs/test-support';
import { loader as rootLoader } from '~/root';
import { action as impersonationAction } from '~/routes/admin.impersonation';
import { action as planAction } from '~/routes/admin.plans.$planId/route';
import { action as settingsAction } from '~/routes/admin.settings/route';
import { loader as queueLoader } from '~/routes/admin.support._index/route';
import {
  action as staffTicketAction,
  loader as staffTicketLoader,
} from '~/routes/admin.support.$ticketId/route';
import { action as userAction } from '~/routes/admin.users.$userId/route';
import { action as projectsAction } from '~/routes/o.$slug.projects._index';
import { loader as customerListLoader } from '~/routes/o.$slug.support._index';
import { loader as customerTicketLoader } from '~/routes/o.$slug.support.$ticketId';
import { openTicket } from '~/support/tickets.server';
import { auditLogs, emailLogs, plans, systemSettings, users } from '~db/schema';
import { useAppTestDatabase } from '../../tests/support/db';
import { getPage, postForm, runRoute } from '../../tests/support/routes';

const t = useAppTestDatabase();

async function support() {
  const s = await createUser(t.db);
  await t.db.update(users).set({ role: 'SUPPORT' }).where(eq(users.id, s.id));
  return s;
}

describe('impersonation', () => {
  it('ADMIN views as a customer read-only, the banner says so, one POST ends it; both identities audited', async () => {
    const admin = await platformAdmin(t.db);
    const { organization, owner } = await createOrg(t.db);
    const cookie = await cookieFor(t.db, admin.id);
    const start = await runRoute(
      userAction,
      postForm(`/admin/users/${owner.id}`, cookie, { intent: 'impersonate' }),
      { userId: owner.id },
    );
    expect(start.status).toBe(302);

    const root = await runRoute(rootLoader, getPage(`/o/${organization.slug}`, cookie), {});
    expect(root.data).toMatchObject({
      user: { id: owner.id },
      impersonation: { staffEmail: admin.email, targetEmail: owner.email },
    });
    // Read-only: any other write is refused with the reason, and nothing is created.
    const write = await runRoute(
      projectsAction,
      postForm(`/o/${organization.slug}/projects`, cookie, { intent: 'create', name: 'Nope', slug: 'nope' }),
      { slug: organization.slug },
    );
    expect(write.status).toBe(403);
    expect(write.text).toMatch(/read-only/);

    const end = await runRoute(impersonationAction, postForm('/admin/impersonation', cookie, {}), {});
    expect(end.status).toBe(302);
    const after = await runRoute(rootLoader, getPage('/orgs', cookie), {});
    expect(after.data).toMatchObject({ user: { id: admin.id }, impersonation: null });

    const rows = await t.db
      .select()
      .from(auditLogs)
      .where(eq(auditLogs.entityId, owner.id))
      .orderBy(desc(auditLogs.createdAt));
    const actions = rows.filter((r) => r.action.startsWith('user.impersonation_'));
    expect(actions.map((r) => r.action).sort()).toEqual([
      'user.impersonation_ended',
      'user.impersonation_started',
    ]);
    for (const r of actions) {
      expect(r.userId).toBe(admin.id);
      expect(r.metadata).toMatchObject({ staffUserId: admin.id, targetUserId: owner.id });
    }
  });

  it('refuses another staff member (nothing changes) and SUPPORT gets a 403 that explains', async () => {
    const admin = await platformAdmin(t.db);
    const staff = await support();
    const refused = await runRoute(
      userAction,
      postForm(`/admin/users/${staff.id}`, await cookieFor(t.db, admin.id), { intent: 'impersonate' }),
      { userId: staff.id },
    );
    expect(refused.status).toBe(403);
    expect(JSON.stringify(refused.data)).toMatch(/Platform staff cannot be impersonated/);
    const customer = await createUser(t.db);
    const bySupport = await runRoute(
      userAction,
      postForm(`/admin/users/${customer.id}`, await cookieFor(t.db, staff.id), { intent: 'impersonate' }),
      { userId: customer.id },
    );
    expect(bySupport.status).toBe(403);
    expect(bySupport.text).toMatch(/Support staff cannot view the product as a user/);
    const started = await t.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.action, 'user.impersonation_started'), eq(auditLogs.entityId, staff.id)));
    expect(started).toEqual([]);
  });
});

describe('support queue', () => {
  it('internal notes never reach the customer page or an email; replies do; unread on both sides', async () => {
    const { organization, owner } = await createOrg(t.db);
    const staff = await support();
    const staffCookie = await cookieFor(t.db, staff.id);
    const ownerCookie = await cookieFor(t.db, owner.id);
    const ticket = await openTicket(t.db, owner.actor, {
      organizationId: organization.id,
      subject: 'Printer on fire',
      description: 'Help',
    });
    const queue = async () =>
      (await runRoute(queueLoader, getPage('/admin/support', staffCookie), {})).data as {
        tickets: { id: string; unread: boolean }[];
      };
    expect((await queue()).tickets.find((x) => x.id === ticket.id)?.unread).toBe(true);
    const page = await runRoute(staffTicketLoader, getPage(`/admin/support/${ticket.id}`, staffCookie), {
      ticketId: ticket.id,
    });
    expect(page.status).toBe(200);
    expect((await queue()).tickets.find((x) => x.id === ticket.id)?.unread).toBe(false);

    const post = (form: Record<string, string>) =>
      runRoute(staffTicketAction, postForm(`/admin/support/${ticket.id}`, staffCookie, form), {
        ticketId: ticket.id,
      });
    expect((await post({ intent: 'note', message: 'SECRET-NOTE customer is difficult' })).status).toBe(302);
    expect((await post({ intent: 'reply', message: 'We are on it' })).status).toBe(302);
    expect((await post({ intent: 'assign', assigneeId: staff.id })).status).toBe(302);
    expect((await post({ intent: 'status', status: 'WAITING_ON_CLIENT' })).status).toBe(302);
    expect((await post({ intent: 'status', status: 'BOGUS' })).status).toBe(400);

    const list = async () =>
      (
        (await runRoute(customerListLoader, getPage(`/o/${organization.slug}/support`, ownerCookie), {
          slug: organization.slug,
        })) as { data: { tickets: { id: string; unread: boolean }[] } }
      ).data.tickets.find((x) => x.id === ticket.id);
    expect((await list())?.unread).toBe(true);
    const customerPage = await runRoute(
      customerTicketLoader,
      getPage(`/o/${organization.slug}/support/${ticket.id}`, ownerCookie),
      { slug: organization.slug, ticketId: ticket.id },
    );
    const seen = JSON.stringify(customerPage.data);
    expect(seen).toContain('We are on it');
    expect(seen).not.toContain('SECRET-NOTE');
    expect((await list())?.unread).toBe(false);

    const mails = await t.db.select().from(emailLogs).where(eq(emailLogs.entityId, ticket.id));
    expect(mails.length).toBeGreaterThan(0);
    expect(JSON.stringify(mails)).not.toContain('SECRET-NOTE');
    // The staff member sees their own page including the note.
    const staffView = JSON.stringify(
      (
        await runRoute(staffTicketLoader, getPage(`/admin/support/${ticket.id}`, staffCookie), {
          ticketId: ticket.id,
        })
      ).data,
    );
    expect(staffView).toContain('SECRET-NOTE');
  });
});

describe('settings and plans', () => {
  it('a setting of the wrong type is refused with a message and nothing changes; a right one is audited', async () => {
    const admin = await platformAdmin(t.db);
    const cookie = await cookieFor(t.db, admin.id);
    const set = (key: string, value: string) =>
      runRoute(settingsAction, postForm('/admin/settings', cookie, { key, value }), {});
    const bad = await set('billing.tax_rate', 'lots');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.data)).toMatch(/Enter a number/);
    expect((await set('billing.tax_rate', '1.5')).status).toBe(400);
    expect((await set('maintenance.enabled', 'maybe')).status).toBe(400);
    expect((await set('nope.unknown', '1')).status).toBe(404);
    expect(
      await t.db.select().from(systemSettings).where(eq(systemSettings.key, 'billing.tax_rate')),
    ).toEqual([]);
    expect((await set('billing.tax_rate', '0.15')).status).toBe(302);
    const [row] = await t.db.select().from(systemSettings).where(eq(systemSettings.key, 'billing.tax_rate'));
    expect(row?.value).toBe(0.15);
    const [audit] = await t.db.select().from(auditLogs).where(eq(auditLogs.action, 'system_setting.updated'));
    expect(audit).toMatchObject({ userId: admin.id, oldValues: { value: 0 }, newValues: { value: 0.15 } });
    const staff = await support();
    const refused = await runRoute(
      settingsAction,
      postForm('/admin/settings', await cookieFor(t.db, staff.id), { key: 'billing.tax_rate', value: '0.2' }),
      {},
    );
    expect(refused.status).toBe(403);
    expect(refused.text).toMatch(/Support staff cannot change system settings/);
  });

  it('ADMIN edits limits, features, trial days and the Stripe price; retires a plan; never free; SUPPORT 403', async () => {
    const admin = await platformAdmin(t.db);
    const cookie = await cookieFor(t.db, admin.id);
    const [monthly] = await t.db.select().from(plans).where(eq(plans.key, 'monthly'));
    const [free] = await t.db.select().from(plans).where(eq(plans.key, 'free'));
    const post = (planId: string, form: Record<string, string>, c = cookie) =>
      runRoute(planAction, postForm(`/admin/plans/${planId}`, c, form), { planId });
    const base = {
      intent: 'update',
      name: 'Pro',
      members: '25',
      modules: '',
      storageGb: '10',
      apiCallsPerMonth: '5000',
    };
    const bad = await post(monthly!.id, { ...base, trialDays: '-3', stripePriceId: 'nope' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.data)).toMatch(/Trial days: at least 0/);
    const ok = await post(monthly!.id, {
      ...base,
      trialDays: '14',
      stripePriceId: 'price_123',
      features: 'A\nB\n',
    });
    expect(ok.status).toBe(302);
    const [after] = await t.db.select().from(plans).where(eq(plans.id, monthly!.id));
    expect(after).toMatchObject({
      name: 'Pro',
      trialDays: 14,
      stripePriceId: 'price_123',
      features: ['A', 'B'],
    });
    expect(after?.limits).toMatchObject({ members: 25, modules: null, api_calls_per_month: 5000 });
    const retireFree = await post(free!.id, { intent: 'retire', confirm: 'yes' });
    expect(retireFree.status).toBe(409);
    const staff = await support();
    expect(
      (await post(monthly!.id, { intent: 'retire', confirm: 'yes' }, await cookieFor(t.db, staff.id))).status,
    ).toBe(403);
    expect((await post(monthly!.id, { intent: 'retire' })).status).toBe(200); // asks first
    expect((await post(monthly!.id, { intent: 'retire', confirm: 'yes' })).status).toBe(302);
    const [retired] = await t.db.select().from(plans).where(eq(plans.id, monthly!.id));
    expect(retired?.deletedAt).not.toBeNull();
    const audits = await t.db.select().from(auditLogs).where(eq(auditLogs.entityId, monthly!.id));
    expect(audits.map((a) => [a.action, a.userId])).toEqual(
      expect.arrayContaining([
        ['plan.updated', admin.id],
        ['plan.retired', admin.id],
      ]),
    );
  });
});
