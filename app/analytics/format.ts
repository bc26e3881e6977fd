// Labels of the charts' numbers and days (browser-safe: no imports from the server).

/** Cents as dollars, e.g. 123456 → "$1,234.56"; whole dollars on axes. */
export const dollars = (cents: number) =>
  (cents / 100).toLocaleString('en-US', { style: 'currency', currency: 'USD' });
export const dollarsShort = (cents: number) =>
  (cents / 100).toLocaleString('en-US', {
    style: 'currency',
    currency: 'USD',
    maximumFractionDigits: 0,
    notation: Math.abs(cents) >= 10_000_000 ? 'compact' : 'standard',
  });

/** A 0–1 fraction as a percentage, e.g. 0.0125 → "1.25%". */
export const percent = (fraction: number) =>
  (fraction * 100).toLocaleString('en-US', { maximumFractionDigits: 2 }).concat('%');

export const count = (v: number) =>
  v.toLocaleString('en-US', { notation: Math.abs(v) >= 1_000_000 ? 'compact' : 'standard' });

const fmt = (day: string, options: Intl.DateTimeFormatOptions) =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString('en-US', { timeZone: 'UTC', ...options });

/** "Mar 10" (axis ticks). */
export const dayShort = (day: string) => fmt(day, { month: 'short', day: 'numeric' });
/** "Tue, Mar 10, 2026" (tooltips and tables). */
export const dayLong = (day: string) =>
  fmt(day, { weekday: 'short', month: 'short', day: 'numeric', year: 'numeric' });
/** "March 2026" of a YYYY-MM month. */
export const monthName = (month: string) => fmt(`${month}-01`, { month: 'long', year: 'numeric' });

/** Running totals of a series (API calls so far this month). */
export function runningTotal(values: number[]): number[] {
  let sum = 0;
  return values.map((v) => {
    sum += v;
    return sum;
  });
}
