// Plans for platform ADMIN (issue 14 §2): edit limits, features, trial_days and the Stripe price id; retire
// (soft delete, SPEC §3). A retired plan leaves pricing and plan changes; organizations already on it keep
// it (subscriptions.plan_id is RESTRICT, and nothing is hard-deleted). `free` is what every ended
// subscription falls back to, so it cannot be retired. Every change is audited with before and after.
import { and, asc, count, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { type Actor, recordAudit } from '~/audit/audit.server';
import { Conflict, Forbidden, NotFound } from '~/lib/errors';
import { type Database, isUniqueViolation } from '~db/client.server';
import { plans, subscriptions, users } from '~db/schema';

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
/** Empty = unlimited (a JSON null limit, migration 0010). */
const limit = (label: string) =>
  z.preprocess(
    (v) => (blank(v) === undefined ? null : Number(v)),
    z
      .number({ invalid_type_error: `${label}: enter a whole number, or leave empty for unlimited` })
      .int(`${label}: enter a whole number`)
      .min(0, `${label}: at least 0`)
      .max(1_000_000_000, `${label}: too large`)
      .nullable(),
  );

export const planFormSchema = z.object({
  name: z.string().trim().min(1, 'Enter a name').max(80, 'Use at most 80 characters'),
  description: z.preprocess(blank, z.string().trim().max(500, 'Use at most 500 characters').optional()),
  members: limit('Members'),
  modules: limit('Modules'),
  storageGb: limit('Storage'),
  apiCallsPerMonth: limit('API calls per month'),
  /** One feature per line. */
  features: z
    .string()
    .max(5000, 'Use at most 5000 characters')
    .default('')
    .transform((s) =>
      s
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(z.string().max(200, 'A feature has at most 200 characters')).max(50, 'At most 50 features'),
    ),
  trialDays: z.preprocess(
    (v) => (blank(v) === undefined ? 0 : Number(v)),
    z
      .number({ invalid_type_error: 'Trial days: enter a whole number' })
      .int('Trial days: enter a whole number')
      .min(0, 'Trial days: at least 0')
      .max(730, 'Trial days: at most 730'),
  ),
  stripePriceId: z.preprocess(
    blank,
    z
      .string()
      .trim()
      .regex(/^price_[A-Za-z0-9_]{1,200}$/, 'A Stripe price id looks like price_…')
      .optional(),
  ),
});
export type PlanForm = z.infer<typeof planFormSchema>;

async function requireAdmin(tx: Database, actor: Actor) {
  const [row] = await tx
    .select({ role: users.role })
    .from(users)
    .where(eq(users.id, actor.userId ?? ''));
  if (row?.role !== 'ADMIN') throw new Forbidden('Only a platform administrator can edit or retire plans.');
}

export async function listPlansForStaff(db: Database) {
  const rows = await db
    .select({ plan: plans, subscribers: count(subscriptions.id) })
    .from(plans)
    .leftJoin(subscriptions, eq(subscriptions.planId, plans.id))
    .where(isNull(plans.deletedAt))
    .groupBy(plans.id)
    .orderBy(asc(plans.displayOrder), asc(plans.key));
  return rows.map((r) => ({ ...r.plan, subscribers: Number(r.subscribers) }));
}

export async function getPlanForStaff(db: Database, planId: string) {
  const [plan] = await db
    .select()
    .from(plans)
    .where(and(eq(plans.id, planId), isNull(plans.deletedAt)));
  if (!plan) throw new NotFound('Plan not found');
  return plan;
}

export async function updatePlan(
  db: Database,
  actor: Actor,
  input: { planId: string } & z.input<typeof planFormSchema>,
) {
  const v = planFormSchema.parse(input);
  try {
    return await db.transaction(async (tx) => {
      await requireAdmin(tx, actor);
      const [before] = await tx
        .select()
        .from(plans)
        .where(and(eq(plans.id, input.planId), isNull(plans.deletedAt)))
        .for('update');
      if (!before) throw new NotFound('Plan not found');
      const limits = {
        ...(before.limits as Record<string, unknown>),
        members: v.members,
        modules: v.modules,
        storage_gb: v.storageGb,
        api_calls_per_month: v.apiCallsPerMonth,
      };
      const next = {
        name: v.name,
        description: v.description ?? null,
        limits,
        features: v.features,
        trialDays: v.trialDays,
        stripePriceId: v.stripePriceId ?? null,
      };
      const [after] = await tx.update(plans).set(next).where(eq(plans.id, before.id)).returning();
      await recordAudit(tx, actor, {
        action: 'plan.updated',
        entityType: 'plan',
        entityId: before.id,
        oldValues: {
          name: before.name,
          description: before.description,
          limits: before.limits,
          features: before.features,
          trialDays: before.trialDays,
          stripePriceId: before.stripePriceId,
        },
        newValues: next,
      });
      return after;
    });
  } catch (err) {
    if (isUniqueViolation(err))
      throw new Conflict('Another plan already uses this Stripe price id.', {
        stripePriceId: ['Another plan already uses this Stripe price id'],
      });
    throw err;
  }
}

export async function retirePlan(db: Database, actor: Actor, planId: string) {
  return db.transaction(async (tx) => {
    await requireAdmin(tx, actor);
    const [before] = await tx
      .select()
      .from(plans)
      .where(and(eq(plans.id, planId), isNull(plans.deletedAt)))
      .for('update');
    if (!before) throw new NotFound('Plan not found');
    if (before.key === 'free')
      throw new Conflict('The free plan cannot be retired: every ended subscription falls back to it.');
    await tx.update(plans).set({ deletedAt: new Date(), isActive: false }).where(eq(plans.id, before.id));
    const [{ n } = { n: 0 }] = await tx
      .select({ n: count() })
      .from(subscriptions)
      .where(eq(subscriptions.planId, before.id));
    await recordAudit(tx, actor, {
      action: 'plan.retired',
      entityType: 'plan',
      entityId: before.id,
      oldValues: { name: before.name, key: before.key, isActive: before.isActive },
      newValues: { deleted: true },
      metadata: { subscribersKept: Number(n) },
    });
    return { ...before, subscribersKept: Number(n) };
  });
}
