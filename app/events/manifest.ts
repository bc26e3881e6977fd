// App manifests (seed 001 "Manifest Versioning"): the zod schema an app's manifest must pass, the semver
// rules of its version, and the validation of a room's `app_settings` against the settings description of
// the manifest version the room locked. No server imports: the app and room forms validate with it in the
// browser too.
import semver from 'semver';
import { z } from 'zod';

/** Seed 001: the version comes from `manifest.meta.version`, defaulting to 1.0.0. */
export const DEFAULT_MANIFEST_VERSION = '1.0.0';

export const SETTING_TYPES = ['string', 'number', 'boolean', 'enum'] as const;
export type SettingType = (typeof SETTING_TYPES)[number];

const MAX_SETTINGS = 50;
const MAX_STRING_SETTING = 10_000;

/** A semantic version written canonically (`1.2.3`, `2.0.0-beta.1`; no leading `v`, no spaces). */
export const versionSchema = z
  .string({ invalid_type_error: 'The version must be a string like 1.2.0' })
  .max(64, 'Use at most 64 characters')
  .refine((v) => semver.valid(v) === v, 'Use a semantic version like 1.2.0');

export function isValidVersion(version: string): boolean {
  return semver.valid(version) === version;
}

/** True when `next` is strictly higher than `current` in semver order (1.10.0 > 1.9.0, 1.0.0 > 1.0.0-rc.1). */
export function isHigherVersion(next: string, current: string): boolean {
  return isValidVersion(next) && isValidVersion(current) && semver.gt(next, current);
}

/** Sorts versions newest first (for history lists). */
export const compareVersionsDescending = (a: string, b: string) => semver.rcompare(a, b);

const settingKeySchema = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9_]{0,63}$/,
    'Setting names start with a letter: letters, digits, _ (at most 64)',
  );

const scalar = z.union([z.string().max(MAX_STRING_SETTING), z.number().finite(), z.boolean()]);

/** One entry of `settings`: what a room may (or must) set for this app. */
export const settingSchema = z
  .object({
    type: z.enum(SETTING_TYPES, {
      errorMap: () => ({ message: `The type is one of ${SETTING_TYPES.join(', ')}` }),
    }),
    label: z.string().trim().min(1).max(100).optional(),
    description: z.string().trim().max(500).optional(),
    required: z.boolean().optional(),
    default: scalar.optional(),
    /** number: the smallest value; string: the shortest length. */
    min: z.number().finite().optional(),
    /** number: the largest value; string: the longest length. */
    max: z.number().finite().optional(),
    /** enum: the allowed values. */
    options: z.array(z.string().min(1).max(100)).min(1).max(100).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const issue = (path: string, message: string) =>
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: [path], message });
    if (s.type === 'enum') {
      if (!s.options) issue('options', 'An enum setting lists its options');
      else if (new Set(s.options).size !== s.options.length) issue('options', 'Options must be unique');
    } else if (s.options) issue('options', 'Only an enum setting has options');
    if ((s.min !== undefined || s.max !== undefined) && s.type !== 'number' && s.type !== 'string')
      issue('min', 'Only number and string settings have min and max');
    if (s.type === 'string') {
      for (const bound of ['min', 'max'] as const) {
        const v = s[bound];
        if (v !== undefined && (!Number.isInteger(v) || v < 0))
          issue(bound, 'A string length bound is a whole number ≥ 0');
      }
    }
    if (s.min !== undefined && s.max !== undefined && s.min > s.max) issue('max', 'max must be ≥ min');
    if (s.default !== undefined) {
      const problem = settingValueProblem(s as SettingDescription, s.default);
      if (problem) issue('default', `The default does not fit the setting: ${problem}`);
    }
  });
export type SettingDescription = z.infer<typeof settingSchema>;

/**
 * An app's manifest: `{ name, meta: { version }, settings?, prizeTypes? }`. `meta` may carry more
 * (author, homepage…); the other top-level keys are fixed so a typo (`setting`) is an error, not ignored.
 */
export const manifestSchema = z
  .object({
    name: z
      .string({ required_error: 'The manifest needs a name' })
      .trim()
      .min(1, 'The manifest needs a name')
      .max(100),
    description: z.string().trim().max(2000).optional(),
    meta: z
      .object({ version: versionSchema.default(DEFAULT_MANIFEST_VERSION) })
      .passthrough()
      .default({}),
    settings: z
      .record(settingKeySchema, settingSchema)
      .refine((s) => Object.keys(s).length <= MAX_SETTINGS, `At most ${MAX_SETTINGS} settings`)
      .optional(),
    prizeTypes: z
      .array(z.string().trim().min(1).max(50))
      .max(50)
      .refine((t) => new Set(t).size === t.length, 'Prize types must be unique')
      .optional(),
  })
  .strict();
export type Manifest = z.infer<typeof manifestSchema>;

/** The manifest as stored (defaults applied), or the zod error. */
export const parseManifest = (input: unknown) => manifestSchema.safeParse(input);

/** The version of a stored or parsed manifest (seed 001: `meta.version`, else 1.0.0). */
export function manifestVersionOf(manifest: unknown): string {
  const version = (manifest as { meta?: { version?: unknown } } | null)?.meta?.version;
  return typeof version === 'string' && version ? version : DEFAULT_MANIFEST_VERSION;
}

// ---- a room's app_settings against the locked manifest -------------------------------------------------

type SettingValue = string | number | boolean;

/** Why `value` does not fit the setting, or null when it does. */
export function settingValueProblem(setting: SettingDescription, value: unknown): string | null {
  switch (setting.type) {
    case 'string': {
      if (typeof value !== 'string') return 'expected text';
      const length = [...value].length;
      if (length > MAX_STRING_SETTING) return `at most ${MAX_STRING_SETTING} characters`;
      if (setting.min !== undefined && length < setting.min) return `at least ${setting.min} characters`;
      if (setting.max !== undefined && length > setting.max) return `at most ${setting.max} characters`;
      return null;
    }
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'expected a number';
      if (setting.min !== undefined && value < setting.min) return `at least ${setting.min}`;
      if (setting.max !== undefined && value > setting.max) return `at most ${setting.max}`;
      return null;
    case 'boolean':
      return typeof value === 'boolean' ? null : 'expected true or false';
    case 'enum':
      return typeof value === 'string' && setting.options?.includes(value)
        ? null
        : `expected one of ${(setting.options ?? []).join(', ')}`;
  }
}

export type AppSettingsResult =
  | { ok: true; value: Record<string, SettingValue> }
  | { ok: false; fieldErrors: Record<string, string[]> };

/**
 * Validates a room's `app_settings` against a manifest's `settings` description: every key must be
 * described, every value fit its type and bounds, every required setting without a default be given.
 * Absent settings with a default get it, so the stored settings are complete for the locked version.
 * Field errors are keyed `appSettings.<name>`.
 */
export function validateAppSettings(
  settings: Manifest['settings'] | undefined,
  input: unknown,
): AppSettingsResult {
  const described = settings ?? {};
  const fieldErrors: Record<string, string[]> = {};
  const fail = (key: string, message: string) => {
    const path = key ? `appSettings.${key}` : 'appSettings';
    fieldErrors[path] = [...(fieldErrors[path] ?? []), message];
  };
  if (input !== undefined && input !== null && (typeof input !== 'object' || Array.isArray(input))) {
    fail('', 'App settings are an object of setting names to values');
    return { ok: false, fieldErrors };
  }
  const given = (input ?? {}) as Record<string, unknown>;
  const value: Record<string, SettingValue> = {};
  for (const key of Object.keys(given)) {
    const setting = Object.hasOwn(described, key) ? described[key] : undefined;
    if (!setting) {
      fail(key, 'This app version has no such setting');
      continue;
    }
    const problem = settingValueProblem(setting, given[key]);
    if (problem) fail(key, `${setting.label ?? key}: ${problem}`);
    else value[key] = given[key] as SettingValue;
  }
  for (const [key, setting] of Object.entries(described)) {
    if (Object.hasOwn(given, key)) continue;
    if (setting.default !== undefined) value[key] = setting.default;
    else if (setting.required) fail(key, `${setting.label ?? key} is required`);
  }
  return Object.keys(fieldErrors).length ? { ok: false, fieldErrors } : { ok: true, value };
}

/** Validates `app_settings` against a whole manifest (stored JSON is parsed first). */
export function validateAppSettingsFor(manifest: unknown, input: unknown): AppSettingsResult {
  const parsed = manifestSchema.safeParse(manifest);
  return validateAppSettings(parsed.success ? parsed.data.settings : undefined, input);
}

// ---- history ----------------------------------------------------------------------------------------

/** One entry of `apps.manifest_history` (SPEC §4): the manifest a newer version replaced, and when. */
export interface ManifestHistoryEntry {
  version: string;
  manifest: unknown;
  replaced_at: string;
}

export interface ManifestChange {
  /** Dotted path, e.g. `settings.rounds.max`. */
  path: string;
  kind: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * What changed from one manifest to the next, leaf by leaf (arrays compare as a whole), ordered by
 * path: the history page shows it for each version.
 */
export function diffManifests(before: unknown, after: unknown, path = ''): ManifestChange[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => {
      const at = path ? `${path}.${key}` : key;
      if (!Object.hasOwn(after, key)) return [{ path: at, kind: 'removed' as const, before: before[key] }];
      if (!Object.hasOwn(before, key)) return [{ path: at, kind: 'added' as const, after: after[key] }];
      return diffManifests(before[key], after[key], at);
    });
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  return [{ path: path || '(manifest)', kind: 'changed', before, after }];
}
