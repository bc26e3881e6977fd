// Labels of the charts' numbers and days (browser-safe: no imports from the server).
// Each formatter is built once: `toLocaleString(locale, options)` builds a new Intl formatter on every
// call, and a dashboard formats a few hundred labels (it was the page's hottest own code, npm run bench).

const numberFormat = (options: Intl.NumberFormatOptions) => new Intl.NumberFormat('en-US', options);
const usd = numberFormat({ style: 'currency', currency: 'USD' });
const usdWhole = numberFormat({ style: 'currency', currency: 'USD', maximumFractionDigits: 0 });
const usdCompact = numberFormat({
  style: 'currency',
  currency: 'USD',
  maximumFractionDigits: 0,
  notation: 'compact',
});
const upTo2Decimals = numberFormat({ maximumFractionDigits: 2 });
const plain = numberFormat({});
const compact = numberFormat({ notation: 'compact' });

/** Cents as dollars, e.g. 123456 → "$1,234.56"; whole dollars on axes. */
export const dollars = (cents: number) => usd.format(cents / 100);
export const dollarsShort = (cents: number) =>
  (Math.abs(cents) >= 10_000_000 ? usdCompact : usdWhole).format(cents / 100);

/** A 0–1 fraction as a percentage, e.g. 0.0125 → "1.25%". */
export const percent = (fraction: number) => `${upTo2Decimals.format(fraction * 100)}%`;

export const count = (v: number) => (Math.abs(v) >= 1_000_000 ? compact : plain).format(v);

const dateFormat = (options: Intl.DateTimeFormatOptions) =>
  new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', ...options });
const shortDay = dateFormat({ month: 'short', day: 'numeric' });
const longDay = dateFormat({ weekday: 'short', month: 'short', day: 'numeric', year: 'numeric' });
const longMonth = dateFormat({ month: 'long', year: 'numeric' });
const utcDay = (day: string) => new Date(`${day}T00:00:00Z`);

/** "Mar 10" (axis ticks). */
export const dayShort = (day: string) => shortDay.format(utcDay(day));
/** "Tue, Mar 10, 2026" (tooltips and tables). */
export const dayLong = (day: string) => longDay.format(utcDay(day));
/** "March 2026" of a YYYY-MM month. */
export const monthName = (month: string) => longMonth.format(utcDay(`${month}-01`));

/** Running totals of a series (API calls so far this month). */
export function runningTotal(values: number[]): number[] {
  let sum = 0;
  return values.map((v) => {
    sum += v;
    return sum;
  });
}
