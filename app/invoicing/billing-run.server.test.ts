// Invoicing on PostgreSQL (issue 11): billing-run's exact counts then zeros, gapless numbering under 10
// concurrent finalizations, SPEC §6's balance recomputed from the movements after a random sequence of
// operations, grace → suspension → restoration with exactly the billing-suspended services, the stored
// PDF unchanged by later payments, and subscription-maintenance.
import { and, asc, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { systemActor } from '~/audit/audit.server';
import { changePlan } from '~/billing/subscriptions.server';
import { findCronJob } from '~/cron/jobs.server';
import { runCronJob } from '~/cron/runner.server';
import { countRows, createOrg, createUser, type TestUser } from '~/orgs/test-support';
import { type Connection, connectPostgres, rowsOf } from '~db/client.server';
import {
  billingAccounts,
  invoiceDocuments,
  invoiceLineItems,
  invoices,
  organizationModules,
  services,
  subscriptions,
  users,
} from '~db/schema';
import { itConcurrent, useAppTestDatabase } from '../../tests/support/db';
import { billingRun } from './billing-run.server';
import { finalizeInvoice, invoicePdf } from './invoices.server';
import { accountTotals, insertPayment, lockBillingAccount } from './ledger.server';
import { addService, changeService, issueCredit, recordManualPayment, voidInvoice } from './staff.server';
import { subscriptionMaintenance } from './subscription-maintenance.server';
import { platformAdmin } from './test-support';

const t = useAppTestDatabase();

const staffAdmin = () => platformAdmin(t.db);

async function accountOf(organizationId: string) {
  const [a] = await t.db
    .select()
    .from(billingAccounts)
    .where(eq(billingAccounts.organizationId, organizationId));
  return a!;
}

const run = (now: Date) => billingRun.run(t.db, { now });

async function invoicesOf(organizationId: string) {
  const account = await accountOf(organizationId);
  return t.db
    .select()
    .from(invoices)
    .where(eq(invoices.billingAccountId, account.id))
    .orderBy(asc(invoices.periodStart));
}

/** A services customer of seed 002: two POS terminals and a maintenance contract. */
async function servicesCustomer(admin: TestUser) {
  const { organization, owner } = await createOrg(t.db);
  const add = (name: string, fee: number, type: 'POS_TERMINAL' | 'POS_MAINTENANCE' = 'POS_TERMINAL') =>
    addService(t.db, admin.actor, {
      organizationId: organization.id,
      type,
      name,
      monthlyFee: fee,
      hardwareSerial: `SN-${name}`,
    });
  const services_ = [
    await add('Till 1', 2500),
    await add('Till 2', 2500),
    await add('Maintenance', 1000, 'POS_MAINTENANCE'),
  ];
  return { organization, owner, services: services_ };
}

describe('billing-run', () => {
  it('issues exactly one invoice per account and period, then nothing', async () => {
    const admin = await staffAdmin();
    const a = await servicesCustomer(admin);
    // A local paid plan too (its period is its own invoice).
    const b = await createOrg(t.db);
    await changePlan(t.db, b.owner.actor, b.organization.id, 'monthly');
    const now = new Date();
    const first = await run(now);
    // The first test of the file: these two organizations are the only customers so far.
    expect(first).toMatchObject({ renewed: 0, drafted: 2, finalized: 2, creditApplied: 0 });
    const second = await run(now);
    expect(second).toMatchObject({
      renewed: 0,
      drafted: 0,
      finalized: 0,
      invoicesOverdue: 0,
      accountsSuspended: 0,
    });

    const [aInvoice] = await invoicesOf(a.organization.id);
    expect(aInvoice).toMatchObject({ status: 'OPEN', subtotal: 6000, total: 6000 });
    expect(aInvoice!.invoiceNumber).toMatch(/^INV-\d{4}-\d{6}$/);
    const lines = await t.db
      .select()
      .from(invoiceLineItems)
      .where(eq(invoiceLineItems.invoiceId, aInvoice!.id));
    expect(lines.map((l) => l.amount).sort()).toEqual([1000, 2500, 2500]);
    const [bInvoice] = await invoicesOf(b.organization.id);
    expect(bInvoice).toMatchObject({ total: 2900, status: 'OPEN' });
    // The invoice email went out with a payment link; the PDF is stored.
    expect(
      await countRows(
        t.db,
        sql`SELECT count(*) AS n FROM email_logs WHERE template = 'invoice' AND entity_id = ${aInvoice!.id}`,
      ),
    ).toBe(1);
    expect(
      await countRows(
        t.db,
        sql`SELECT count(*) AS n FROM invoice_documents WHERE invoice_id = ${aInvoice!.id}`,
      ),
    ).toBe(1);
    expect((await accountOf(a.organization.id)).balance).toBe(-6000);
  });

  it('renews a local paid subscription whose period ended and invoices the new period', async () => {
    const { organization, owner } = await createOrg(t.db);
    await changePlan(t.db, owner.actor, organization.id, 'monthly');
    const later = new Date(Date.now() + 32 * 86_400_000);
    const result = await run(later);
    expect(result.renewed).toBeGreaterThanOrEqual(1);
    const [sub] = await t.db
      .select()
      .from(subscriptions)
      .where(eq(subscriptions.organizationId, organization.id));
    expect(sub!.currentPeriodEnd!.getTime()).toBeGreaterThan(later.getTime());
    const periods = (await invoicesOf(organization.id)).map((i) => i.periodStart.getTime());
    expect(periods).toContain(sub!.currentPeriodStart.getTime());
  });

  it('applies available credit when it issues an invoice', async () => {
    const admin = await staffAdmin();
    const { organization } = await servicesCustomer(admin);
    await issueCredit(t.db, admin.actor, {
      organizationId: organization.id,
      amount: 4000,
      reason: 'Installation delay',
    });
    await run(new Date());
    const [invoice] = await invoicesOf(organization.id);
    expect({ total: invoice!.total, amountPaid: invoice!.amountPaid, status: invoice!.status }).toEqual({
      total: 6000,
      amountPaid: 4000,
      status: 'PARTIAL',
    });
    const account = await accountOf(organization.id);
    expect(account.balance).toBe(4000 - 6000);
    expect((await accountTotals(t.db, account.id)).available).toBe(0);
  });
});

describe('gapless invoice numbers', () => {
  itConcurrent('10 concurrent finalizations take 10 consecutive numbers', async () => {
    const conns: Connection[] = Array.from({ length: 10 }, () => connectPostgres(t.url!, { max: 1 }));
    try {
      const drafts: { id: string; account: string }[] = [];
      for (let i = 0; i < 10; i++) {
        const { organization } = await createOrg(t.db);
        const account = await accountOf(organization.id);
        const [draft] = await t.db
          .insert(invoices)
          .values({
            billingAccountId: account.id,
            periodStart: new Date(Date.UTC(2031, 0, 1)),
            periodEnd: new Date(Date.UTC(2031, 1, 1)),
          })
          .returning();
        await t.db.insert(invoiceLineItems).values({
          invoiceId: draft!.id,
          description: 'Item',
          quantity: 1,
          unitPrice: 100 + i,
          amount: 100 + i,
        });
        drafts.push({ id: draft!.id, account: account.id });
      }
      const now = new Date(Date.UTC(2031, 0, 2));
      const numbers = await Promise.all(
        drafts.map((d, i) =>
          conns[i]!.db.transaction(async (tx) => {
            await lockBillingAccount(tx, d.account);
            return (await finalizeInvoice(tx, systemActor, d.id, now)).invoice.invoiceNumber!;
          }),
        ),
      );
      const seq = numbers.map((n) => Number(n.slice(-6))).sort((x, y) => x - y);
      expect(new Set(numbers).size).toBe(10);
      expect(seq[9]! - seq[0]!).toBe(9);
      expect(numbers.every((n) => n.startsWith('INV-2031-'))).toBe(true);
      // A rolled-back finalization gives its number back: the next one continues the sequence.
      const { organization } = await createOrg(t.db);
      const account = await accountOf(organization.id);
      const [draft] = await t.db
        .insert(invoices)
        .values({
          billingAccountId: account.id,
          periodStart: new Date(Date.UTC(2031, 5, 1)),
          periodEnd: new Date(Date.UTC(2031, 6, 1)),
        })
        .returning();
      await t.db
        .transaction(async (tx) => {
          await finalizeInvoice(tx, systemActor, draft!.id, now);
          throw new Error('rollback');
        })
        .catch(() => {});
      const next = await t.db.transaction((tx) => finalizeInvoice(tx, systemActor, draft!.id, now));
      expect(Number(next.invoice.invoiceNumber!.slice(-6))).toBe(seq[9]! + 1);
    } finally {
      await Promise.all(conns.map((c) => c.close()));
    }
  });
});

describe('the balance (SPEC §6) after random operations', () => {
  it('equals Σ credits + Σ PAID payments − Σ finalized invoices, recomputed from the rows', async () => {
    const admin = await staffAdmin();
    const { organization } = await servicesCustomer(admin);
    const account = await accountOf(organization.id);
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let month = 0;
    for (let step = 0; step < 40; step++) {
      const r = random();
      const open = (await invoicesOf(organization.id)).filter(
        (i) => i.finalizedAt && !['PAID', 'VOID'].includes(i.status),
      );
      if (r < 0.25) {
        month++;
        await run(new Date(Date.UTC(2032, month, 3)));
      } else if (r < 0.5 && open.length) {
        const target = open[Math.floor(random() * open.length)]!;
        await recordManualPayment(t.db, admin.actor, {
          organizationId: organization.id,
          invoiceNumber: target.invoiceNumber!,
          amount: 1 + Math.floor(random() * 8000),
          method: random() < 0.5 ? 'CASH' : 'BANK_TRANSFER',
        });
      } else if (r < 0.65) {
        await issueCredit(t.db, admin.actor, {
          organizationId: organization.id,
          amount: 1 + Math.floor(random() * 3000),
          reason: 'Random credit',
        });
      } else if (r < 0.8 && open.length) {
        const target = open[0]!;
        const { available } = await accountTotals(t.db, account.id);
        const due = target.total - target.amountPaid;
        if (available > 0)
          await t.db.transaction(async (tx) => {
            await lockBillingAccount(tx, account.id);
            await insertPayment(tx, admin.actor, {
              billingAccountId: account.id,
              invoiceId: target.id,
              amount: Math.min(available, due),
              method: 'CREDIT',
              status: 'PAID',
            });
          });
      } else if (r < 0.9 && open.length) {
        const unpaid = open.find((i) => i.amountPaid === 0);
        if (unpaid)
          await voidInvoice(t.db, admin.actor, {
            organizationId: organization.id,
            invoiceNumber: unpaid.invoiceNumber!,
            reason: 'Random void',
          });
      } else {
        await recordManualPayment(t.db, admin.actor, {
          organizationId: organization.id,
          amount: 1 + Math.floor(random() * 5000),
          method: 'CASH',
        });
      }
      const [recomputed] = rowsOf<{ balance: string }>(
        await t.db.execute(sql`
          SELECT (SELECT coalesce(sum(amount), 0) FROM credits WHERE billing_account_id = ${account.id})
               + (SELECT coalesce(sum(p.amount), 0) FROM payments p LEFT JOIN invoices i ON i.id = p.invoice_id
                   WHERE p.billing_account_id = ${account.id} AND p.status = 'PAID' AND p.method <> 'CREDIT'
                     AND (p.invoice_id IS NULL OR i.stripe_invoice_id IS NULL))
               - (SELECT coalesce(sum(total), 0) FROM invoices WHERE billing_account_id = ${account.id}
                   AND finalized_at IS NOT NULL AND status <> 'VOID' AND stripe_invoice_id IS NULL) AS balance`),
      );
      expect((await accountOf(organization.id)).balance, `after step ${step}`).toBe(
        Number(recomputed!.balance),
      );
      // Every invoice's amount_paid is its PAID payments, capped at its total.
      const mismatched = rowsOf<{ id: string }>(
        await t.db.execute(sql`
          SELECT i.id FROM invoices i WHERE i.billing_account_id = ${account.id} AND i.status <> 'VOID'
             AND i.finalized_at IS NOT NULL
             AND i.amount_paid <> least(i.total, (SELECT coalesce(sum(amount), 0) FROM payments p WHERE p.invoice_id = i.id AND p.status = 'PAID'))`),
      );
      expect(mismatched, `after step ${step}`).toEqual([]);
    }
  });

  it('refuses bad amounts, paying a paid or void invoice, and CREDIT beyond what is available', async () => {
    const admin = await staffAdmin();
    const { organization } = await servicesCustomer(admin);
    await run(new Date(Date.UTC(2033, 0, 2)));
    const [invoice] = await invoicesOf(organization.id);
    for (const amount of [0, -5, 1.5])
      await expect(
        recordManualPayment(t.db, admin.actor, {
          organizationId: organization.id,
          invoiceNumber: invoice!.invoiceNumber!,
          amount,
          method: 'CASH',
        }),
      ).rejects.toThrow();
    // Overpayment by cash becomes credit.
    await recordManualPayment(t.db, admin.actor, {
      organizationId: organization.id,
      invoiceNumber: invoice!.invoiceNumber!,
      amount: 7000,
      method: 'CASH',
    });
    const [paid] = await invoicesOf(organization.id);
    expect(paid).toMatchObject({ status: 'PAID', amountPaid: 6000 });
    const account = await accountOf(organization.id);
    expect(account.balance).toBe(1000);
    expect((await accountTotals(t.db, account.id)).available).toBe(1000);
    await expect(
      recordManualPayment(t.db, admin.actor, {
        organizationId: organization.id,
        invoiceNumber: invoice!.invoiceNumber!,
        amount: 100,
        method: 'CASH',
      }),
    ).rejects.toThrow(/already paid/);
    await expect(
      voidInvoice(t.db, admin.actor, {
        organizationId: organization.id,
        invoiceNumber: invoice!.invoiceNumber!,
        reason: 'x',
      }),
    ).rejects.toThrow(/payments on it/);
    // Support staff cannot move money.
    const support = await createUser(t.db);
    await t.db.update(users).set({ role: 'SUPPORT' }).where(eq(users.id, support.id));
    await expect(
      issueCredit(t.db, support.actor, { organizationId: organization.id, amount: 100, reason: 'nope' }),
    ).rejects.toThrow(/support staff/);
  });
});

describe('concurrent double payment', () => {
  itConcurrent(
    'two staff recording the full amount at once: one pays, the other is told it is paid',
    async () => {
      const admin = await staffAdmin();
      const { organization } = await servicesCustomer(admin);
      await run(new Date(Date.UTC(2036, 0, 2)));
      const [invoice] = await invoicesOf(organization.id);
      const conns: Connection[] = [connectPostgres(t.url!, { max: 1 }), connectPostgres(t.url!, { max: 1 })];
      try {
        const results = await Promise.allSettled(
          conns.map((c) =>
            recordManualPayment(c.db, admin.actor, {
              organizationId: organization.id,
              invoiceNumber: invoice!.invoiceNumber!,
              amount: 6000,
              method: 'BANK_TRANSFER',
            }),
          ),
        );
        expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
        const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        expect(String(refused.reason)).toMatch(/already paid/);
        expect(
          await countRows(t.db, sql`SELECT count(*) AS n FROM payments WHERE invoice_id = ${invoice!.id}`),
        ).toBe(1);
        expect((await accountOf(organization.id)).balance).toBe(0);
      } finally {
        await Promise.all(conns.map((c) => c.close()));
      }
    },
  );
});

describe('grace period, suspension and restoration', () => {
  it('overdue → suspended with its services → a payment restores exactly those services', async () => {
    const admin = await staffAdmin();
    const { organization, services: svc } = await servicesCustomer(admin);
    // Staff suspended Till 2 themselves: the billing run must not resume it later.
    await changeService(t.db, admin.actor, {
      organizationId: organization.id,
      serviceId: svc[1]!.id,
      change: 'suspend',
    });
    const issued = new Date(Date.UTC(2034, 2, 1));
    await run(issued);
    const [invoice] = await invoicesOf(organization.id);
    expect(invoice!.total).toBe(3500);
    // Past due (14 days): overdue.
    const overdueAt = new Date(issued.getTime() + 15 * 86_400_000);
    const r1 = await run(overdueAt);
    // Counts cover the whole database (earlier tests' unpaid invoices too); this account's state is exact.
    expect(r1.invoicesOverdue).toBeGreaterThanOrEqual(1);
    expect(r1.accountsOverdue).toBeGreaterThanOrEqual(1);
    expect(await accountOf(organization.id)).toMatchObject({ status: 'OVERDUE' });
    // Grace (14 days after due): suspended, active services stopped.
    const r2 = await run(new Date(invoice!.dueAt!.getTime() + 15 * 86_400_000));
    expect(r2.accountsSuspended).toBeGreaterThanOrEqual(1);
    expect(await accountOf(organization.id)).toMatchObject({ status: 'SUSPENDED' });
    const statuses = async () =>
      Object.fromEntries(
        (await t.db.select().from(services).where(eq(services.organizationId, organization.id))).map((s) => [
          s.name,
          [s.status, s.suspendedByBilling],
        ]),
      );
    expect(await statuses()).toEqual({
      'Till 1': ['SUSPENDED', true],
      'Till 2': ['SUSPENDED', false],
      Maintenance: ['SUSPENDED', true],
    });
    expect(
      await countRows(t.db, sql`SELECT count(*) AS n FROM email_logs WHERE template = 'account-suspended'`),
    ).toBeGreaterThan(0);
    // A partial payment restores nothing; paying the rest does, exactly the billing-suspended ones.
    await recordManualPayment(t.db, admin.actor, {
      organizationId: organization.id,
      invoiceNumber: invoice!.invoiceNumber!,
      amount: 1000,
      method: 'BANK_TRANSFER',
    });
    expect((await accountOf(organization.id)).status).toBe('SUSPENDED');
    await recordManualPayment(t.db, admin.actor, {
      organizationId: organization.id,
      invoiceNumber: invoice!.invoiceNumber!,
      amount: 2500,
      method: 'BANK_TRANSFER',
    });
    expect(await accountOf(organization.id)).toMatchObject({ status: 'ACTIVE', overdueSince: null });
    expect(await statuses()).toEqual({
      'Till 1': ['ACTIVE', false],
      'Till 2': ['SUSPENDED', false],
      Maintenance: ['ACTIVE', false],
    });
    expect(
      await countRows(
        t.db,
        sql`SELECT count(*) AS n FROM audit_logs WHERE organization_id = ${organization.id} AND action = 'billing_account.restored'`,
      ),
    ).toBe(1);
  });

  it('the stored PDF does not change when the invoice is paid later', async () => {
    const admin = await staffAdmin();
    const { organization, owner } = await servicesCustomer(admin);
    await run(new Date(Date.UTC(2035, 0, 2)));
    const [invoice] = await invoicesOf(organization.id);
    const before = await invoicePdf(t.db, owner.actor, organization.id, invoice!.invoiceNumber!);
    expect(before.content.subarray(0, 5).toString()).toBe('%PDF-');
    await recordManualPayment(t.db, admin.actor, {
      organizationId: organization.id,
      invoiceNumber: invoice!.invoiceNumber!,
      amount: 6000,
      method: 'CASH',
    });
    const after = await invoicePdf(t.db, owner.actor, organization.id, invoice!.invoiceNumber!);
    expect(after.content.equals(before.content)).toBe(true);
    await expect(
      t.db.update(invoiceDocuments).set({ sha256: 'x' }).where(eq(invoiceDocuments.invoiceId, invoice!.id)),
    ).rejects.toThrow();
  });
});

describe('subscription-maintenance (local rows)', () => {
  it('ends trials and period-end cancellations on free, trims modules, reminds once', async () => {
    const { organization, owner } = await createOrg(t.db);
    const job = findCronJob('subscription-maintenance')!;
    expect(job).toBe(subscriptionMaintenance);
    await changePlan(t.db, owner.actor, organization.id, 'monthly');
    for (const key of ['ticket_management', 'inventory', 'crm'])
      await t.db.insert(organizationModules).values({
        organizationId: organization.id,
        moduleKey: key,
        enabledAt: new Date(Date.now() + 1000 * key.length),
      });
    // A trial ending in two days: reminded once.
    await t.db
      .update(subscriptions)
      .set({
        status: 'TRIALING',
        trialStart: sql`now() - interval '12 days'`,
        trialEnd: sql`now() + interval '2 days'`,
      })
      .where(eq(subscriptions.organizationId, organization.id));
    const r1 = await subscriptionMaintenance.run(t.db, { now: new Date() });
    expect(r1.trialReminders).toBeGreaterThanOrEqual(1);
    expect((await subscriptionMaintenance.run(t.db, { now: new Date() })).trialReminders).toBe(0);
    // Three days later the trial is over: free plan, modules above 2 disabled newest first.
    const r3 = await subscriptionMaintenance.run(t.db, { now: new Date(Date.now() + 3 * 86_400_000) });
    expect(r3.trialsEnded).toBeGreaterThanOrEqual(1);
    const [sub] = await t.db
      .select()
      .from(subscriptions)
      .where(eq(subscriptions.organizationId, organization.id));
    expect(sub).toMatchObject({ status: 'ACTIVE', currentPeriodEnd: null });
    const enabled = await t.db
      .select({ key: organizationModules.moduleKey })
      .from(organizationModules)
      .where(
        and(eq(organizationModules.organizationId, organization.id), eq(organizationModules.isEnabled, true)),
      );
    expect(enabled).toHaveLength(2);
    expect(
      await subscriptionMaintenance.run(t.db, { now: new Date(Date.now() + 3 * 86_400_000) }),
    ).toMatchObject({ trialsEnded: 0, canceledEnded: 0, modulesDisabled: 0 });
  });

  it('runs through POST /cron with the exactly-once runner', async () => {
    const job = findCronJob('billing-run')!;
    const first = await runCronJob(t.db, job);
    expect(first.status).toBe('succeeded');
    const again = await runCronJob(t.db, job);
    expect(again.status === 'succeeded' ? again.counts : {}).toMatchObject({ drafted: 0, finalized: 0 });
  });
});
