import { describe, expect, it } from 'vitest';
import { formatLimit, isUnlimited, PLAN_DEFINITIONS, withinLimit } from './plans';

describe('plan limits', () => {
  it('null is unlimited, and every number is a real limit (999 included)', () => {
    const [free, monthly, yearly] = PLAN_DEFINITIONS;
    expect(formatLimit(free!.limits.api_calls_per_month)).toBe('1,000');
    expect(formatLimit(monthly!.limits.api_calls_per_month)).toBe('50,000');
    expect(formatLimit(yearly!.limits.api_calls_per_month)).toBe('unlimited');
    expect(formatLimit(free!.limits.members)).toBe('10');
    expect(formatLimit(yearly!.limits.members)).toBe('unlimited');
    expect(isUnlimited(yearly!.limits.modules)).toBe(true);
    expect(isUnlimited(monthly!.limits.modules)).toBe(false);
    expect(formatLimit(999)).toBe('999');
    expect(withinLimit(999, 999)).toBe(true);
    expect(withinLimit(1000, 999)).toBe(false);
    expect(withinLimit(1_000_000, null)).toBe(true);
  });
});
