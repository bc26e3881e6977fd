// System settings (SPEC §4 system_settings; seed 002 SystemSetting ∪ seed 003 SystemConfig): a closed list
// of keys, each with its zod type, stored as jsonb. A value of the wrong type is refused with a message and
// nothing changes; every change is audited with the old and new value. Keys not in the list are shown
// read-only (someone wrote them by hand) but cannot be set from the admin area.
import { asc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { type Actor, recordAudit } from '~/audit/audit.server';
import { Forbidden, NotFound, ValidationFailed } from '~/lib/errors';
import type { Database } from '~db/client.server';
import { systemSettings, users } from '~db/schema';

type Kind = 'boolean' | 'integer' | 'number' | 'text' | 'email';

interface SettingDefinition {
  label: string;
  description: string;
  kind: Kind;
  schema: z.ZodType<unknown>;
  default: unknown;
}

/** Keeps each setting's value type (its schema's output) so readSetting can return it typed. */
const def = <T>(d: SettingDefinition & { schema: z.ZodType<T>; default: T }) => d;

/** The settings staff may change, with their types and the defaults development seeds. */
export const SETTINGS = {
  'platform.name': def({
    label: 'Platform name',
    description: 'Shown in emails and page titles.',
    kind: 'text',
    schema: z.string().trim().min(1, 'Enter a name').max(80, 'Use at most 80 characters'),
    default: 'SaaS Platform',
  }),
  'support.email': def({
    label: 'Support email',
    description: 'Where customers are told to write.',
    kind: 'email',
    schema: z.string().trim().toLowerCase().email('Enter an email address'),
    default: 'support@example.com',
  }),
  'maintenance.enabled': def({
    label: 'Maintenance mode',
    description: 'Announces planned maintenance to signed-in users.',
    kind: 'boolean',
    schema: z.boolean(),
    default: false,
  }),
  'signups.enabled': def({
    label: 'Sign-ups open',
    description: 'Whether new accounts may be created.',
    kind: 'boolean',
    schema: z.boolean(),
    default: true,
  }),
  'billing.grace_period_days': def({
    label: 'Grace period (days)',
    description: 'Default days an overdue billing account has before it is suspended (seed 002).',
    kind: 'integer',
    schema: z.number().int('Enter a whole number of days').min(0, 'At least 0').max(365, 'At most 365'),
    default: 14,
  }),
  'billing.invoice_due_days': def({
    label: 'Invoice due (days)',
    description: 'Days between issuing a local invoice and its due date.',
    kind: 'integer',
    schema: z.number().int('Enter a whole number of days').min(0, 'At least 0').max(365, 'At most 365'),
    default: 14,
  }),
  'billing.tax_rate': def({
    label: 'Tax rate',
    description: 'Sales tax as a fraction from 0 to 1 (0.15 = 15%).',
    kind: 'number',
    schema: z.number().min(0, 'At least 0').max(1, 'At most 1 (a fraction: 0.15 = 15%)'),
    default: 0,
  }),
} as const satisfies Record<string, SettingDefinition>;

export type SettingKey = keyof typeof SETTINGS;
export type SettingValue<K extends SettingKey> = (typeof SETTINGS)[K]['default'];
export type SettingValues<K extends SettingKey = SettingKey> = { [P in K]: SettingValue<P> };
export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];
const isSettingKey = (key: string): key is SettingKey => key in SETTINGS;

/**
 * The values of `keys` in one query. A missing row, or a stored value its schema refuses (written by hand,
 * or before the schema changed), reads as the setting's default, so a bad row never breaks a page.
 */
export async function readSettings<K extends SettingKey>(
  db: Database,
  keys: readonly K[],
): Promise<SettingValues<K>> {
  const rows = keys.length
    ? await db
        .select({ key: systemSettings.key, value: systemSettings.value })
        .from(systemSettings)
        .where(inArray(systemSettings.key, [...keys]))
    : [];
  const values: Record<string, unknown> = {};
  for (const key of keys) {
    const s: SettingDefinition = SETTINGS[key];
    const row = rows.find((r) => r.key === key);
    const parsed = row ? s.schema.safeParse(row.value) : null;
    values[key] = parsed?.success ? parsed.data : s.default;
  }
  return values as SettingValues<K>;
}

export async function readSetting<K extends SettingKey>(db: Database, key: K): Promise<SettingValue<K>> {
  return (await readSettings(db, [key]))[key];
}

/** How long a process keeps the settings it read for pages (the root loader's maintenance banner). */
export const SETTINGS_CACHE_MS = 5_000;
const cache = new WeakMap<Database, { at: number; values: Promise<SettingValues> }>();

/**
 * Every setting, read at most once per SETTINGS_CACHE_MS per process and database: for what each request
 * shows (the maintenance banner) but nothing decides a rule by (sign-ups and billing read fresh). A change
 * made here clears it at once; other instances see it within SETTINGS_CACHE_MS.
 */
export function readSettingsCached(db: Database, now = Date.now()): Promise<SettingValues> {
  const hit = cache.get(db);
  if (hit && now >= hit.at && now - hit.at < SETTINGS_CACHE_MS) return hit.values;
  const values = readSettings(db, SETTING_KEYS);
  cache.set(db, { at: now, values });
  // A failed read is not kept: the next request tries again.
  values.catch(() => cache.delete(db));
  return values;
}

/** A form's text for a setting → its typed value, by the setting's kind (then its zod schema). */
export function parseSettingValue(key: string, raw: string | undefined | null): unknown {
  if (!isSettingKey(key)) throw new NotFound('Unknown setting');
  const setting: SettingDefinition = SETTINGS[key];
  const text = (raw ?? '').trim();
  let value: unknown = text;
  if (setting.kind === 'boolean') {
    if (!['true', 'false'].includes(text))
      throw new ValidationFailed('Choose on or off', { value: ['Choose on or off'] });
    value = text === 'true';
  } else if (setting.kind === 'integer' || setting.kind === 'number') {
    value = text === '' ? Number.NaN : Number(text);
    if (!Number.isFinite(value)) throw new ValidationFailed('Enter a number', { value: ['Enter a number'] });
  }
  const parsed = setting.schema.safeParse(value);
  if (!parsed.success) {
    const message = parsed.error.issues[0]?.message ?? 'Invalid value';
    throw new ValidationFailed(`${setting.label}: ${message}`, { value: [message] });
  }
  return parsed.data;
}

export async function listSettings(db: Database) {
  const rows = await db
    .select({
      key: systemSettings.key,
      value: systemSettings.value,
      updatedAt: systemSettings.updatedAt,
      updatedByEmail: users.email,
    })
    .from(systemSettings)
    .leftJoin(users, eq(users.id, systemSettings.updatedBy))
    .orderBy(asc(systemSettings.key));
  const known = SETTING_KEYS.map((key) => {
    const row = rows.find((r) => r.key === key);
    const s: SettingDefinition = SETTINGS[key];
    return {
      key,
      label: s.label,
      description: s.description,
      kind: s.kind,
      value: row ? row.value : s.default,
      isDefault: !row,
      updatedAt: row?.updatedAt ?? null,
      updatedBy: row?.updatedByEmail ?? null,
    };
  });
  const other = rows.filter((r) => !isSettingKey(r.key));
  return { settings: known, other };
}

/** Sets one setting (typed by its schema), audited; an unchanged value writes nothing. */
export async function updateSetting(
  db: Database,
  actor: Actor & { userId: string },
  input: { key: string; value: unknown },
) {
  if (!isSettingKey(input.key)) throw new NotFound('Unknown setting');
  const setting: SettingDefinition = SETTINGS[input.key];
  const parsed = setting.schema.safeParse(input.value);
  if (!parsed.success)
    throw new ValidationFailed(`${setting.label}: ${parsed.error.issues[0]?.message ?? 'Invalid value'}`);
  const value = parsed.data;
  const result = await db.transaction(async (tx) => {
    const [staff] = await tx.select({ role: users.role }).from(users).where(eq(users.id, actor.userId));
    if (staff?.role !== 'ADMIN') throw new Forbidden('Only a platform administrator can change settings.');
    const [before] = await tx
      .select({ value: systemSettings.value })
      .from(systemSettings)
      .where(eq(systemSettings.key, input.key))
      .for('update');
    const old = before ? before.value : setting.default;
    if (before && JSON.stringify(old) === JSON.stringify(value)) return { changed: false, value };
    await tx
      .insert(systemSettings)
      .values({ key: input.key, value, description: setting.description, updatedBy: actor.userId })
      .onConflictDoUpdate({ target: systemSettings.key, set: { value, updatedBy: actor.userId } });
    await recordAudit(tx, actor, {
      action: 'system_setting.updated',
      entityType: 'system_setting',
      entityId: input.key,
      oldValues: { value: old },
      newValues: { value },
      metadata: { key: input.key },
    });
    return { changed: true, value };
  });
  // This process shows the new value at once (other instances within SETTINGS_CACHE_MS).
  if (result.changed) cache.delete(db);
  return result;
}

/** Development seed (db/seed.ts): every default that has no row yet. */
export async function seedSystemSettings(db: Database) {
  for (const key of SETTING_KEYS) {
    const s: SettingDefinition = SETTINGS[key];
    await db
      .insert(systemSettings)
      .values({ key, value: s.default, description: s.description })
      .onConflictDoNothing({ target: systemSettings.key });
  }
}
