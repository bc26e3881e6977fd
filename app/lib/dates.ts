// The one date schema (issue 8 §2). JavaScript's Date accepts what PostgreSQL refuses: `2026-02-31`
// silently becomes 3 March, year 0 exists (PostgreSQL has none), and 9999-12-31T23:00-05:00 is year
// 10000, which toISOString() writes as `+010000-…` — a string PostgreSQL cannot parse (a 500). Every date
// a client sends (filters, cursors, event timestamps, expiries) goes through these: calendar-valid, with
// the instant between 1970-01-01 and 9999-12-31 UTC.
import { z } from 'zod';

export const MIN_INSTANT = Date.UTC(1970, 0, 1);
export const MAX_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
// ISO 8601 date-time as zod's .datetime({ offset: true }) accepts it; the date part is re-checked.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function calendarValid(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (m === 2 && leap ? 29 : (DAYS_IN_MONTH[m - 1] ?? 0));
}

const inRange = (t: number) => Number.isFinite(t) && t >= MIN_INSTANT && t <= MAX_INSTANT;

/** A YYYY-MM-DD day PostgreSQL accepts, as midnight UTC; null otherwise. */
export function parseDay(value: string): Date | null {
  const m = DAY.exec(value);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!calendarValid(y, mo, d)) return null;
  const t = Date.UTC(y, mo - 1, d);
  return inRange(t) ? new Date(t) : null;
}

/** An ISO 8601 date-time with an offset (or Z) that PostgreSQL accepts; null otherwise. */
export function parseDateTime(value: string): Date | null {
  const m = DATE_TIME.exec(value);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as number[];
  if (!calendarValid(y!, mo!, d!) || h! > 23 || mi! > 59 || s! > 59) return null;
  const t = Date.parse(value);
  return inRange(t) ? new Date(t) : null;
}

/** A day or a date-time (either form above). */
export const parseDayOrDateTime = (value: string): Date | null =>
  value.length === 10 ? parseDay(value) : parseDateTime(value);

const RANGE_HINT = 'between 1970 and 9999';

/** `YYYY-MM-DD` → the string itself (validated). */
export const daySchema = z
  .string()
  .regex(DAY, 'Use a date like 2026-01-31')
  .refine((v) => parseDay(v) !== null, `Not a valid date (a real calendar day ${RANGE_HINT})`);

/** ISO 8601 date-time with offset → the string itself (validated). */
export const dateTimeSchema = z
  .string()
  .refine(
    (v) => parseDateTime(v) !== null,
    `Use an ISO 8601 date-time ${RANGE_HINT}, e.g. 2025-01-31T12:00:00Z`,
  );

/** A day or a date-time → Date. */
export const dayOrDateTimeSchema = z
  .string()
  .refine(
    (v) => parseDayOrDateTime(v) !== null,
    `Use a date (2025-01-31) or an ISO 8601 date-time ${RANGE_HINT}`,
  )
  .transform((v) => parseDayOrDateTime(v) as Date);

/** A Date (from a form's date input, a JSON string or a Date) PostgreSQL accepts. */
export const storableDateSchema = z.preprocess(
  (v) => (typeof v === 'string' ? (parseDayOrDateTime(v) ?? new Date(Number.NaN)) : v),
  z
    .date({ errorMap: () => ({ message: `Use a date like 2026-01-31, ${RANGE_HINT}` }) })
    .refine((d) => inRange(d.getTime()), `Use a date ${RANGE_HINT}`),
);
