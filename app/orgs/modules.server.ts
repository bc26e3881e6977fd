// Feature modules per organization (seed 000): enable/disable from the catalog in code, refused beyond
// the plan's `modules` limit with a message naming the limit and the upgrade (seed 000 "Application-Level
// Validations"). The count is taken under the organization row lock (SPEC §3).
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { type Actor, recordAudit } from '~/audit/audit.server';
import { withinLimit } from '~/billing/plans';
import { Conflict, LimitReached, NotFound } from '~/lib/errors';
import { AVAILABLE_MODULES, isModuleKey, MODULE_KEYS, type ModuleKey } from '~/modules/catalog';
import type { Database } from '~db/client.server';
import { organizationModules } from '~db/schema';
import { authorize } from './access.server';
import { countEnabledModules, organizationPlan, upgradePath } from './limits.server';

export async function listModules(db: Database, actor: Actor, organizationId: string) {
  await authorize(db, actor, organizationId, 'organization:view');
  const rows = await db
    .select()
    .from(organizationModules)
    .where(eq(organizationModules.organizationId, organizationId));
  const plan = await organizationPlan(db, organizationId);
  const modules = MODULE_KEYS.map((key) => {
    const row = rows.find((r) => r.moduleKey === key);
    const def = AVAILABLE_MODULES[key];
    return {
      key,
      name: def.name,
      description: def.description,
      category: def.category,
      enabled: row?.isEnabled ?? false,
      enabledAt: row?.isEnabled ? row.enabledAt : null,
    };
  });
  return { modules, plan, enabledCount: modules.filter((m) => m.enabled).length };
}

export const moduleInput = z.object({
  organizationId: z.string().min(1),
  moduleKey: z.string().refine(isModuleKey, 'Unknown module'),
});

export async function enableModule(db: Database, actor: Actor, input: z.input<typeof moduleInput>) {
  const { organizationId, moduleKey } = moduleInput.parse(input) as {
    organizationId: string;
    moduleKey: ModuleKey;
  };
  return db.transaction(async (tx) => {
    const me = await authorize(tx, actor, organizationId, 'modules:manage', { lock: true });
    const def = AVAILABLE_MODULES[moduleKey];
    const [existing] = await tx
      .select()
      .from(organizationModules)
      .where(
        and(
          eq(organizationModules.organizationId, organizationId),
          eq(organizationModules.moduleKey, moduleKey),
        ),
      );
    if (existing?.isEnabled) throw new Conflict(`${def.name} is already enabled.`);
    const plan = await organizationPlan(tx, organizationId);
    const enabled = await countEnabledModules(tx, organizationId);
    if (!withinLimit(enabled + 1, plan.limits.modules)) {
      throw new LimitReached(
        `The ${plan.name} plan allows ${plan.limits.modules} enabled modules and ${enabled} are enabled. Upgrade the plan to enable more: ${upgradePath(me.organization.slug)}`,
      );
    }
    const values = {
      isEnabled: true,
      enabledAt: new Date(),
      enabledBy: actor.userId,
      disabledAt: null,
      disabledBy: null,
    };
    if (existing) {
      await tx.update(organizationModules).set(values).where(eq(organizationModules.id, existing.id));
    } else {
      await tx
        .insert(organizationModules)
        .values({ organizationId, moduleKey, settings: def.defaultSettings, ...values });
    }
    await recordAudit(tx, actor, {
      organizationId,
      action: 'module.enabled',
      entityType: 'organization_module',
      entityId: existing?.id ?? moduleKey,
      oldValues: existing ? { isEnabled: false } : null,
      newValues: { moduleKey, isEnabled: true },
    });
    return { moduleKey };
  });
}

export async function disableModule(db: Database, actor: Actor, input: z.input<typeof moduleInput>) {
  const { organizationId, moduleKey } = moduleInput.parse(input) as {
    organizationId: string;
    moduleKey: ModuleKey;
  };
  return db.transaction(async (tx) => {
    await authorize(tx, actor, organizationId, 'modules:manage', { lock: true });
    const [existing] = await tx
      .select()
      .from(organizationModules)
      .where(
        and(
          eq(organizationModules.organizationId, organizationId),
          eq(organizationModules.moduleKey, moduleKey),
        ),
      );
    if (!existing?.isEnabled) throw new NotFound(`${AVAILABLE_MODULES[moduleKey].name} is not enabled.`);
    await tx
      .update(organizationModules)
      .set({ isEnabled: false, disabledAt: new Date(), disabledBy: actor.userId })
      .where(eq(organizationModules.id, existing.id));
    await recordAudit(tx, actor, {
      organizationId,
      action: 'module.disabled',
      entityType: 'organization_module',
      entityId: existing.id,
      oldValues: { moduleKey, isEnabled: true },
      newValues: { moduleKey, isEnabled: false },
    });
    return { moduleKey };
  });
}
