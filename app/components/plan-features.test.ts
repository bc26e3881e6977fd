import { describe, expect, it } from 'vitest';
import { PLAN_DEFINITIONS } from '~/billing/plans';
import { planHighlights } from './plan-features';

describe('plan card lines', () => {
  it('list every seeded plan’s limits once, never a feature that repeats a limit', () => {
    for (const plan of PLAN_DEFINITIONS) {
      const lines = planHighlights(plan).map((l) => l.toLowerCase());
      expect(new Set(lines).size, plan.name).toBe(lines.length);
    }
    const enterprise = planHighlights(PLAN_DEFINITIONS.find((p) => p.key === 'yearly')!);
    expect(enterprise.filter((l) => l === 'Unlimited members')).toHaveLength(1);
    expect(enterprise.filter((l) => l === 'Unlimited modules')).toHaveLength(1);
    expect(enterprise).toContain('Dedicated account manager');
    expect(planHighlights(PLAN_DEFINITIONS[0]!).slice(0, 3)).toEqual([
      '10 members',
      '2 modules',
      '1,000 API calls / month',
    ]);
  });
});
