// What a plan card lists: its limits in words, then the plan's own feature lines — minus any line that
// only repeats a limit (seed 000's Enterprise says "Unlimited members", and so does its limit).
import { formatLimit, type PlanLimits } from '~/billing/plans';

const LIMIT_LINES: [keyof PlanLimits, string][] = [
  ['members', 'members'],
  ['modules', 'modules'],
  ['api_calls_per_month', 'API calls / month'],
];

export function planHighlights(plan: { limits: PlanLimits; features?: readonly string[] }): string[] {
  const lines = LIMIT_LINES.map(([key, noun]) => {
    const label = formatLimit(plan.limits[key]);
    return `${label === 'unlimited' ? 'Unlimited' : label} ${noun}`;
  });
  const seen = new Set(lines.map(normalize));
  for (const feature of plan.features ?? []) {
    const key = normalize(feature);
    if (seen.has(key)) continue;
    seen.add(key);
    lines.push(feature);
  }
  return lines;
}

const normalize = (line: string) => line.trim().replace(/\s+/g, ' ').toLowerCase();
