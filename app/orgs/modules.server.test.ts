// Modules: enable/disable from the catalog, refused beyond the plan's modules limit with a message
// naming the limit and the upgrade, also when two enables race for the last slot.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conflict, LimitReached, NotFound } from '~/lib/errors';
import { type Connection, connectPostgres } from '~db/client.server';
import { auditLogs, organizationModules } from '~db/schema';
import { itConcurrent, useTestDatabase } from '../../tests/support/db';
import { disableModule, enableModule, listModules } from './modules.server';
import { createOrg, setLimits } from './test-support';

const t = useTestDatabase();

const enabledKeys = async (organizationId: string) =>
  (
    await t.db
      .select({ key: organizationModules.moduleKey })
      .from(organizationModules)
      .where(
        and(eq(organizationModules.organizationId, organizationId), eq(organizationModules.isEnabled, true)),
      )
  )
    .map((r) => r.key)
    .sort();

describe('modules', () => {
  it('a new organization has visitor_management; enable and disable write audit rows', async () => {
    const { organization, owner } = await createOrg(t.db);
    expect(await enabledKeys(organization.id)).toEqual(['visitor_management']);
    await enableModule(t.db, owner.actor, { organizationId: organization.id, moduleKey: 'inventory' });
    expect(await enabledKeys(organization.id)).toEqual(['inventory', 'visitor_management']);
    await disableModule(t.db, owner.actor, { organizationId: organization.id, moduleKey: 'inventory' });
    expect(await enabledKeys(organization.id)).toEqual(['visitor_management']);
    const [row] = await t.db
      .select()
      .from(organizationModules)
      .where(
        and(
          eq(organizationModules.organizationId, organization.id),
          eq(organizationModules.moduleKey, 'inventory'),
        ),
      );
    expect(row).toMatchObject({ isEnabled: false, disabledBy: owner.id, enabledBy: owner.id });
    const actions = (
      await t.db.select().from(auditLogs).where(eq(auditLogs.organizationId, organization.id))
    ).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['module.enabled', 'module.disabled']));
    // Re-enabling reuses the row.
    await enableModule(t.db, owner.actor, { organizationId: organization.id, moduleKey: 'inventory' });
    expect(await enabledKeys(organization.id)).toEqual(['inventory', 'visitor_management']);
  });

  it('beyond the plan’s modules limit: refused, naming the limit and the upgrade path', async () => {
    const { organization, owner } = await createOrg(t.db);
    await enableModule(t.db, owner.actor, { organizationId: organization.id, moduleKey: 'crm' });
    const err = await enableModule(t.db, owner.actor, {
      organizationId: organization.id,
      moduleKey: 'invoicing',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LimitReached);
    expect((err as Error).message).toContain('Free plan allows 2 enabled modules');
    expect((err as Error).message).toContain(`/o/${organization.slug}/billing`);
    expect(await enabledKeys(organization.id)).toEqual(['crm', 'visitor_management']);
    const { plan, enabledCount } = await listModules(t.db, owner.actor, organization.id);
    expect([plan.key, enabledCount]).toEqual(['free', 2]);
  });

  it('unknown, already enabled and not enabled modules are refused', async () => {
    const { organization, owner } = await createOrg(t.db);
    await expect(
      enableModule(t.db, owner.actor, { organizationId: organization.id, moduleKey: 'nope' }),
    ).rejects.toThrow();
    await expect(
      enableModule(t.db, owner.actor, { organizationId: organization.id, moduleKey: 'visitor_management' }),
    ).rejects.toBeInstanceOf(Conflict);
    await expect(
      disableModule(t.db, owner.actor, { organizationId: organization.id, moduleKey: 'crm' }),
    ).rejects.toBeInstanceOf(NotFound);
  });

  describe('under concurrency (SPEC §3)', () => {
    let second: Connection | undefined;
    beforeAll(() => {
      if (t.url) second = connectPostgres(t.url, { max: 2 });
    });
    afterAll(async () => {
      await second?.close();
    });

    itConcurrent('two enables racing for the last slot: one wins', async () => {
      for (let round = 0; round < 5; round++) {
        const { organization, owner } = await createOrg(t.db);
        await setLimits(t.db, organization.id, { modules: 2 });
        const results = await Promise.allSettled([
          enableModule(t.db, owner.actor, { organizationId: organization.id, moduleKey: 'crm' }),
          enableModule(second!.db, owner.actor, { organizationId: organization.id, moduleKey: 'inventory' }),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        expect(await enabledKeys(organization.id)).toHaveLength(2);
      }
    });
  });
});
