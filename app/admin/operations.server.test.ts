// Issue 14 operations pages: the overview's numbers, the email log (never the payload; send a failed one
// again), cron runs (latest per job, failures counted), the webhook ledger (per provider, re-process
// refused for processed or unknown events), the audit log across organizations; each page's loader for
// staff, with the staff member as the actor of every write.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createPasswordUser } from '~/auth/test-helpers.server';
import { platformAdmin } from '~/invoicing/test-support';
import { cookieFor, createOrg, createUser } from '~/orgs/test-support';
import { loader as overviewLoader } from '~/routes/admin._index/route';
import { loader as auditLoader } from '~/routes/admin.audit/route';
import { loader as cronLoader } from '~/routes/admin.cron/route';
import { action as emailsAction, loader as emailsLoader } from '~/routes/admin.emails/route';
import { loader as orgsLoader } from '~/routes/admin.organizations._index/route';
import { loader as orgLoader } from '~/routes/admin.organizations.$slug._index/route';
import { loader as usersLoader } from '~/routes/admin.users._index/route';
import { loader as userLoader } from '~/routes/admin.users.$userId/route';
import { action as webhooksAction, loader as webhooksLoader } from '~/routes/admin.webhooks/route';
import { auditLogs, cronRuns, emailLogs, systemSettings, users, webhookEvents } from '~db/schema';
import { useAppTestDatabase } from '../../tests/support/db';
import { getPage, postForm, runRoute } from '../../tests/support/routes';
import { SETTING_KEYS, seedSystemSettings } from './settings.server';

const t = useAppTestDatabase();

describe('operations pages', () => {
  it('development seeds every default system setting once (seed 002), without overwriting a change', async () => {
    await seedSystemSettings(t.db);
    await t.db.update(systemSettings).set({ value: false }).where(eq(systemSettings.key, 'signups.enabled'));
    await seedSystemSettings(t.db);
    const rows = await t.db.select().from(systemSettings);
    expect(rows.map((r) => r.key).sort()).toEqual([...SETTING_KEYS].sort());
    expect(rows.find((r) => r.key === 'signups.enabled')?.value).toBe(false);
    expect(rows.find((r) => r.key === 'billing.grace_period_days')?.value).toBe(14);
  });

  it('overview counts sign-ups, failures and says MRR is not computed before the rollup', async () => {
    const admin = await platformAdmin(t.db);
    const cookie = await cookieFor(t.db, admin.id);
    await t.db
      .insert(emailLogs)
      .values({ to: 'x@example.com', subject: 'S', template: 'welcome', status: 'FAILED' });
    await t.db
      .insert(cronRuns)
      .values({ job: 'billing-run', status: 'FAILED', error: 'boom', finishedAt: new Date() });
    await t.db.insert(webhookEvents).values({
      provider: 'stripe',
      eventId: 'evt_1',
      type: 'x',
      payload: {},
      outcome: 'FAILED',
      error: 'bad',
    });
    const r = await runRoute(overviewLoader, getPage('/admin', cookie), {});
    expect(r.data).toMatchObject({ failedEmails: 1, failedCronJobs: 1, failedWebhooks: 1, mrr: null });
    expect((r.data as { signups7: number }).signups7).toBeGreaterThanOrEqual(1);
    const cron = (await runRoute(cronLoader, getPage('/admin/cron', cookie), {})).data as {
      jobs: { job: string; latest: { status: string; error: string } | null; failed30: number }[];
    };
    expect(cron.jobs.find((j) => j.job === 'billing-run')).toMatchObject({
      latest: { status: 'FAILED', error: 'boom' },
      failed30: 1,
    });
    expect(cron.jobs.find((j) => j.job === 'send-emails')?.latest).toBeNull();
  });

  it('the email log never carries the payload; a failed reset email is sent afresh, others explain', async () => {
    const admin = await platformAdmin(t.db);
    const cookie = await cookieFor(t.db, admin.id);
    const person = await createPasswordUser(t.db);
    const [queued] = await t.db
      .insert(emailLogs)
      .values({
        to: person.email,
        subject: 'S',
        template: 'welcome',
        templateData: { link: 'SEALED-SECRET' },
      })
      .returning();
    const [failed] = await t.db
      .insert(emailLogs)
      .values({
        to: person.email,
        subject: 'Reset',
        template: 'reset-password',
        status: 'FAILED',
        lastError: 'smtp down',
      })
      .returning();
    const [other] = await t.db
      .insert(emailLogs)
      .values({ to: person.email, subject: 'Hi', template: 'support-reply', status: 'FAILED' })
      .returning();
    const list = await runRoute(emailsLoader, getPage(`/admin/emails?to=${person.email}`, cookie), {});
    expect(JSON.stringify(list.data)).not.toContain('SEALED-SECRET');
    expect(JSON.stringify(list.data)).toContain('smtp down');
    const resend = (id: string, c = cookie) =>
      runRoute(emailsAction, postForm('/admin/emails', c, { emailId: id }), {});
    expect((await resend(failed!.id)).status).toBe(302);
    const resets = await t.db.select().from(emailLogs).where(eq(emailLogs.to, person.email));
    expect(resets.filter((e) => e.template === 'reset-password')).toHaveLength(2);
    expect((await resend(other!.id)).status).toBe(409);
    expect((await resend(queued!.id)).status).toBe(409);
    const [audit] = await t.db.select().from(auditLogs).where(eq(auditLogs.action, 'email.resent'));
    expect(audit?.userId).toBe(admin.id);
    const support = await createUser(t.db);
    await t.db.update(users).set({ role: 'SUPPORT' }).where(eq(users.id, support.id));
    const supportCookie = await cookieFor(t.db, support.id);
    expect((await runRoute(emailsLoader, getPage('/admin/emails', supportCookie), {})).status).toBe(200);
    expect((await resend(failed!.id, supportCookie)).status).toBe(403);
  });

  it('the webhook ledger lists per provider; processed and unknown events are not re-processed', async () => {
    const admin = await platformAdmin(t.db);
    const cookie = await cookieFor(t.db, admin.id);
    const [done] = await t.db
      .insert(webhookEvents)
      .values({
        provider: 'paynow',
        eventId: 'p1:Paid',
        type: 'result',
        payload: {},
        processedAt: new Date(),
        outcome: 'APPLIED',
      })
      .returning();
    const page = (await runRoute(webhooksLoader, getPage('/admin/webhooks?provider=paynow', cookie), {}))
      .data as {
      events: { id: string }[];
      providers: { provider: string; total: number }[];
    };
    expect(page.events.map((e) => e.id)).toContain(done!.id);
    expect(page.providers.find((p) => p.provider === 'paynow')?.total).toBeGreaterThanOrEqual(1);
    const post = (eventId: string) =>
      runRoute(webhooksAction, postForm('/admin/webhooks', cookie, { eventId }), {});
    expect((await post(done!.id)).status).toBe(409);
    expect((await post('nope')).status).toBe(404);
    expect(
      (await runRoute(webhooksLoader, getPage('/admin/webhooks?provider=junk', cookie), {})).status,
    ).toBe(200);
  });

  it('users, organizations and the audit log across organizations', async () => {
    const admin = await platformAdmin(t.db);
    const cookie = await cookieFor(t.db, admin.id);
    const { organization, owner } = await createOrg(t.db);
    const users_ = await runRoute(usersLoader, getPage(`/admin/users?q=${owner.email}`, cookie), {});
    expect((users_.data as { users: { id: string }[] }).users.map((u) => u.id)).toEqual([owner.id]);
    const detail = await runRoute(userLoader, getPage(`/admin/users/${owner.id}`, cookie), {
      userId: owner.id,
    });
    expect(detail.data).toMatchObject({
      memberships: [{ slug: organization.slug, role: 'OWNER' }],
      canImpersonate: true,
    });
    expect(
      (await runRoute(userLoader, getPage('/admin/users/nobody', cookie), { userId: 'nobody' })).status,
    ).toBe(404);
    const orgs = await runRoute(
      orgsLoader,
      getPage(`/admin/organizations?q=${organization.slug}`, cookie),
      {},
    );
    expect((orgs.data as { organizations: { slug: string }[] }).organizations.map((o) => o.slug)).toEqual([
      organization.slug,
    ]);
    const org = await runRoute(orgLoader, getPage(`/admin/organizations/${organization.slug}`, cookie), {
      slug: organization.slug,
    });
    expect(org.data).toMatchObject({ plan: { key: 'free' }, members: [{ userId: owner.id, role: 'OWNER' }] });
    expect(
      (await runRoute(orgLoader, getPage('/admin/organizations/none', cookie), { slug: 'none' })).status,
    ).toBe(404);
    const audit = await runRoute(
      auditLoader,
      getPage(`/admin/audit?organization=${organization.slug}&action=organization.created`, cookie),
      {},
    );
    const entries = (audit.data as { entries: { sentence: string; organizationSlug: string }[] }).entries;
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ organizationSlug: organization.slug });
    const nobody = await runRoute(
      auditLoader,
      getPage('/admin/audit?actorEmail=nobody@example.com', cookie),
      {},
    );
    expect((nobody.data as { entries: unknown[] }).entries).toEqual([]);
    const bad = await runRoute(auditLoader, getPage('/admin/audit?from=2026-02-31', cookie), {});
    expect(bad.status).toBe(200);
    expect((bad.data as { invalid: string[] | null }).invalid).not.toBeNull();
  });
});
