// Building blocks of the apps and rooms pages: the manifest field, the settings a manifest describes
// rendered as inputs (and read back from the form), the line diff of the manifest history, the room
// status badge, UTC date inputs and the room's live updates. No server imports: this reaches the browser.
import { type FieldMetadata, getInputProps } from '@conform-to/react';
import { useRevalidator } from '@remix-run/react';
import { type ReactNode, useEffect, useRef, useState } from 'react';
import { z } from 'zod';
import { FieldErrors } from '~/components/form';
import { storableDateSchema } from '~/lib/dates';
import { formatDate } from '~/orgs/components';
import { type Manifest, manifestSchema, type SettingDescription } from './manifest';

// ---- the manifest as JSON text ------------------------------------------------------------------------

/** Keys sorted at every level: jsonb keeps no key order, so the history compares like with like. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  return value;
}

export const prettyJson = (value: unknown) => JSON.stringify(sortKeys(value), null, 2) ?? '';

/**
 * The manifest textarea: JSON text that must parse and pass the manifest schema. Every problem is
 * reported on the field itself, prefixed with where in the manifest it is (`meta.version: …`).
 */
export const manifestFieldSchema = z
  .string({ required_error: 'Paste the manifest (JSON)' })
  .max(200_000, 'The manifest is too long')
  .transform((text, ctx): Manifest => {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `The manifest is not valid JSON (${err instanceof Error ? err.message : 'parse error'})`,
      });
      return z.NEVER;
    }
    const parsed = manifestSchema.safeParse(json);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
        });
      return z.NEVER;
    }
    return parsed.data;
  });

export const EXAMPLE_MANIFEST = prettyJson({
  name: 'Lucky draw',
  meta: { version: '1.0.0' },
  settings: {
    rounds: { type: 'number', label: 'Rounds', min: 1, max: 10, default: 1 },
    theme: { type: 'enum', label: 'Theme', options: ['light', 'dark'], required: true },
  },
  prizeTypes: ['physical', 'voucher'],
});

// ---- line diff of two manifests -----------------------------------------------------------------------

export interface DiffLine {
  kind: 'same' | 'added' | 'removed';
  text: string;
}

const MAX_DIFF_CELLS = 1_000_000;

/** A line diff (longest common subsequence) of two texts. */
export function lineDiff(before: string, after: string): DiffLine[] {
  const a = before ? before.split('\n') : [];
  const b = after ? after.split('\n') : [];
  if (a.length * b.length > MAX_DIFF_CELLS)
    return [
      ...a.map((text) => ({ kind: 'removed' as const, text })),
      ...b.map((text) => ({ kind: 'added' as const, text })),
    ];
  // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
  const lcs = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push({ kind: 'same', text: a[i]! });
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) out.push({ kind: 'removed', text: a[i++]! });
    else out.push({ kind: 'added', text: b[j++]! });
  }
  while (i < a.length) out.push({ kind: 'removed', text: a[i++]! });
  while (j < b.length) out.push({ kind: 'added', text: b[j++]! });
  return out;
}

const CONTEXT_LINES = 3;

/** Unchanged runs longer than the context around changes fold into one "… n unchanged lines" row. */
function foldUnchanged(lines: DiffLine[]): (DiffLine | { kind: 'fold'; count: number })[] {
  const near = lines.map((_, i) =>
    lines.slice(Math.max(0, i - CONTEXT_LINES), i + CONTEXT_LINES + 1).some((l) => l.kind !== 'same'),
  );
  const out: (DiffLine | { kind: 'fold'; count: number })[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.kind !== 'same' || near[i]) {
      out.push(lines[i]!);
      continue;
    }
    const last = out.at(-1);
    if (last?.kind === 'fold') last.count += 1;
    else out.push({ kind: 'fold', count: 1 });
  }
  return out;
}

/** A box that scrolls sideways on a phone: focusable, so keyboard users can scroll it (axe). */
export function ScrollBox({
  label,
  className = '',
  children,
}: {
  label: string;
  className?: string;
  children: ReactNode;
}) {
  return (
    <section
      className={`overflow-x-auto rounded-md ring-1 ring-slate-200 ${className}`}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard
      tabIndex={0}
      aria-label={label}
    >
      {children}
    </section>
  );
}

const SIGN = { same: ' ', added: '+', removed: '−' } as const;
const TONE = { same: '', added: 'bg-green-50 text-green-900', removed: 'bg-red-50 text-red-900' } as const;

/** The diff of two manifests, pretty-printed: removed lines −, added lines +. */
export function ManifestDiff({ before, after, label }: { before: unknown; after: unknown; label: string }) {
  const lines = lineDiff(prettyJson(before), prettyJson(after));
  const added = lines.filter((l) => l.kind === 'added').length;
  const removed = lines.filter((l) => l.kind === 'removed').length;
  return (
    <div className="space-y-2">
      <p className="text-sm text-slate-700">
        {added} line{added === 1 ? '' : 's'} added, {removed} removed.
      </p>
      <ScrollBox label={label}>
        <pre className="min-w-max py-2 font-mono text-xs leading-5" data-testid="manifest-diff">
          {foldUnchanged(lines).map((line, i) =>
            line.kind === 'fold' ? (
              // biome-ignore lint/suspicious/noArrayIndexKey: the lines of one rendering, in order
              <div key={i} className="px-3 text-slate-600 italic">
                … {line.count} unchanged line{line.count === 1 ? '' : 's'}
              </div>
            ) : (
              // biome-ignore lint/suspicious/noArrayIndexKey: the lines of one rendering, in order
              <div key={i} className={`px-3 ${TONE[line.kind]}`} data-diff={line.kind}>
                <span aria-hidden="true">{SIGN[line.kind]} </span>
                {line.kind === 'same' ? null : (
                  <span className="sr-only">{line.kind === 'added' ? 'added: ' : 'removed: '}</span>
                )}
                {line.text}
              </div>
            ),
          )}
        </pre>
      </ScrollBox>
    </div>
  );
}

// ---- a manifest's settings as form inputs -------------------------------------------------------------

export type SettingsDescription = Record<string, SettingDescription>;

/** The input name of a setting: conform reads `appSettings.<key>` as a nested object. */
export const settingInputName = (key: string) => `appSettings.${key}`;

/**
 * Reads the settings the manifest describes from the form: numbers and booleans become numbers and
 * booleans, an empty input is "not given" (the manifest's default applies, or it is required). What does
 * not convert is passed on as typed, so the domain's check names the setting and the problem.
 */
export function readAppSettings(
  settings: SettingsDescription | undefined,
  formData: FormData,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(settings ?? {})) {
    const raw = formData.get(settingInputName(key));
    if (typeof raw !== 'string' || raw.trim() === '') continue;
    if (setting.type === 'number') {
      const n = Number(raw.trim());
      values[key] = Number.isFinite(n) ? n : raw;
    } else if (setting.type === 'boolean')
      values[key] = raw === 'true' ? true : raw === 'false' ? false : raw;
    else values[key] = raw;
  }
  return values;
}

const asText = (value: unknown) =>
  value === undefined || value === null ? '' : typeof value === 'string' ? value : String(value);

/**
 * One input per described setting. `values` are what to show (the submitted values after an error, else
 * the room's settings or the defaults); `errors` are keyed by input name (`appSettings.<key>`).
 */
export function SettingsFields({
  settings,
  values,
  errors,
  idPrefix,
}: {
  settings: SettingsDescription;
  values: Record<string, unknown>;
  errors?: Record<string, string[] | null | undefined>;
  idPrefix: string;
}) {
  const entries = Object.entries(settings);
  if (entries.length === 0) return <p className="text-sm text-slate-700">This app has no settings.</p>;
  return (
    <div className="space-y-4">
      {entries.map(([key, setting]) => {
        const id = `${idPrefix}-setting-${key}`;
        const name = settingInputName(key);
        const fieldErrors = errors?.[name] ?? undefined;
        const errorId = `${id}-error`;
        const hintId = setting.description ? `${id}-hint` : undefined;
        const describedBy = [hintId, fieldErrors?.length ? errorId : undefined].filter(Boolean).join(' ');
        const value = asText(values[key] ?? setting.default);
        const common = {
          id,
          name,
          defaultValue: value,
          'aria-invalid': fieldErrors?.length ? true : undefined,
          'aria-describedby': describedBy || undefined,
          className: 'input mt-1',
        } as const;
        const required = Boolean(setting.required) && setting.default === undefined;
        return (
          <div key={key}>
            <label htmlFor={id} className="label">
              {setting.label ?? key}
              {required ? '' : ' (optional)'}
            </label>
            {setting.type === 'enum' ? (
              <select {...common} required={required}>
                {setting.default === undefined ? <option value="">Choose…</option> : null}
                {(setting.options ?? []).map((o) => (
                  <option key={o} value={o}>
                    {o}
                  </option>
                ))}
              </select>
            ) : setting.type === 'boolean' ? (
              <select {...common} required={required}>
                {setting.default === undefined ? <option value="">Not set</option> : null}
                <option value="true">Yes</option>
                <option value="false">No</option>
              </select>
            ) : setting.type === 'number' ? (
              <input
                {...common}
                type="number"
                step="any"
                inputMode="decimal"
                min={setting.min}
                max={setting.max}
                required={required}
              />
            ) : (
              <input
                {...common}
                type="text"
                minLength={setting.min}
                maxLength={setting.max}
                required={required}
              />
            )}
            {setting.description ? (
              <p id={hintId} className="mt-1 text-sm text-slate-600">
                {setting.description}
              </p>
            ) : null}
            {fieldErrors?.length ? (
              <ul id={errorId} className="field-error">
                {fieldErrors.map((e) => (
                  <li key={e}>{e}</li>
                ))}
              </ul>
            ) : null}
          </div>
        );
      })}
    </div>
  );
}

/** Submitted settings values after a failed POST (conform's reply keeps what was typed). */
export function submittedSettings(result: unknown): Record<string, unknown> | null {
  const initial = (result as { initialValue?: { appSettings?: unknown } } | undefined)?.initialValue;
  const settings = initial?.appSettings;
  return settings && typeof settings === 'object' ? (settings as Record<string, unknown>) : null;
}

/** The field errors of a conform reply, by input name. */
export function replyErrors(result: unknown): Record<string, string[] | null> | undefined {
  return (result as { error?: Record<string, string[] | null> } | undefined)?.error ?? undefined;
}

// ---- dates: datetime-local inputs, read as UTC --------------------------------------------------------

const LOCAL_INPUT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/;

/** A datetime-local value (no offset) is UTC here: the pages show every time in UTC. */
export const utcFromLocalInput = (value: string) => (LOCAL_INPUT.test(value) ? `${value}Z` : value);

/** A date for a datetime-local input (UTC, minutes). */
export const localInputValue = (value: string | Date | null | undefined) =>
  value ? new Date(value).toISOString().slice(0, 16) : '';

/** A form's date-time field: a datetime-local value in UTC, or an ISO date-time / day. */
export const formDateSchema = z.preprocess(
  (v) => (typeof v === 'string' ? utcFromLocalInput(v) : v),
  storableDateSchema,
);

/** A labelled datetime-local input (read as UTC), with its hint and errors. */
export function DateTimeField<T>({
  field,
  label,
  hint,
}: {
  field: FieldMetadata<T>;
  label: string;
  hint?: string;
}) {
  const hintId = hint ? `${field.id}-hint` : undefined;
  const props = getInputProps(field, { type: 'datetime-local', ariaDescribedBy: hintId });
  return (
    <div>
      <label htmlFor={field.id} className="label">
        {label}
      </label>
      <input {...props} key={props.key} className="input mt-1" />
      {hint ? (
        <p id={hintId} className="mt-1 text-sm text-slate-600">
          {hint}
        </p>
      ) : null}
      <FieldErrors id={field.errorId} errors={field.errors} />
    </div>
  );
}

// ---- rooms --------------------------------------------------------------------------------------------

export const ROOM_STATUS_LABELS = {
  DRAFT: 'Draft',
  ACTIVE: 'Active',
  COMPLETED: 'Completed',
  CANCELED: 'Canceled',
} as const;
export type RoomStatusName = keyof typeof ROOM_STATUS_LABELS;

export function RoomStatusBadge({ status }: { status: RoomStatusName }) {
  const tone =
    status === 'ACTIVE'
      ? 'bg-green-100 text-green-900'
      : status === 'DRAFT'
        ? 'bg-slate-100 text-slate-800'
        : status === 'COMPLETED'
          ? 'bg-sky-100 text-sky-900'
          : 'bg-red-100 text-red-900';
  return (
    <span className={`rounded px-2 py-0.5 text-xs font-semibold ${tone}`} data-room-status={status}>
      {ROOM_STATUS_LABELS[status]}
    </span>
  );
}

/** "2026-01-01 10:00 UTC – 2026-01-01 12:00 UTC", or "From …" without an end. */
export const scheduleText = (startsAt: string | Date, endsAt: string | Date | null) =>
  endsAt ? `${formatDate(startsAt)} – ${formatDate(endsAt)}` : `From ${formatDate(startsAt)}`;

const LIVE_KINDS = ['participants', 'winners', 'room'] as const;

/**
 * The room's live updates (app/events/live.server.ts): every participants / winners / room event reloads
 * the page's data through its loaders; after a dropped connection the next `hello` does too, to catch up.
 * Without JavaScript nothing runs and a reload shows the same. Returns whether the stream is open.
 */
export function useRoomLive(roomId: string): boolean {
  const revalidator = useRevalidator();
  const latest = useRef(revalidator);
  latest.current = revalidator;
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (typeof EventSource === 'undefined') return;
    const source = new EventSource(`/rooms/${encodeURIComponent(roomId)}/live`);
    let dropped = false;
    const refresh = () => latest.current.revalidate();
    for (const kind of LIVE_KINDS) source.addEventListener(kind, refresh);
    source.addEventListener('hello', () => {
      setOpen(true);
      if (dropped) refresh();
      dropped = false;
    });
    source.onerror = () => {
      dropped = true;
      setOpen(false);
    };
    return () => source.close();
  }, [roomId]);
  return open;
}

/** "Live" once the stream is open: the page follows joins and draws without a reload. */
export function LiveIndicator({ open }: { open: boolean }) {
  if (!open) return null;
  return (
    <span className="inline-flex items-center gap-1.5 text-xs font-medium text-green-800" data-live="on">
      <span aria-hidden="true" className="h-2 w-2 rounded-full bg-green-600" />
      Live updates
    </span>
  );
}
