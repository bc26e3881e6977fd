// The chart labels read exactly as toLocaleString wrote them before the formatters were built once.
import { describe, expect, it } from 'vitest';
import { count, dayLong, dayShort, dollars, dollarsShort, monthName, percent, runningTotal } from './format';

describe('chart label formats', () => {
  it('money, percentages and counts', () => {
    expect(dollars(123456)).toBe('$1,234.56');
    expect(dollars(-5)).toBe('-$0.05');
    expect(dollarsShort(123456)).toBe('$1,235');
    expect(dollarsShort(12_345_678_900)).toBe('$123M');
    expect(percent(0.0125)).toBe('1.25%');
    expect(percent(1 / 3)).toBe('33.33%');
    expect(count(999_999)).toBe('999,999');
    expect(count(1_250_000)).toBe('1.3M');
  });

  it('days in UTC, whatever the machine zone', () => {
    expect(dayShort('2026-03-10')).toBe('Mar 10');
    expect(dayLong('2026-03-10')).toBe('Tue, Mar 10, 2026');
    expect(monthName('2026-03')).toBe('March 2026');
    expect(runningTotal([1, 0, 2])).toEqual([1, 1, 3]);
  });
});
