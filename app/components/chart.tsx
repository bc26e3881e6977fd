// The one chart of the product (issue 14 §4), on visx: complete SVG from the server (fixed viewBox, scales with
// its box), axes with units, a title, a legend when there are several series or a limit line, a `<title>` per
// bar or point for hover without JavaScript, a tooltip with it, and the same numbers in a table (the text
// alternative: the SVG is role="img" labelled by the title and a one-line summary).
import { AxisBottom, AxisLeft } from '@visx/axis';
import { GridRows } from '@visx/grid';
import { Group } from '@visx/group';
import { scaleBand, scaleLinear } from '@visx/scale';
import { Bar, LinePath } from '@visx/shape';
import { defaultStyles, TooltipWithBounds, useTooltip } from '@visx/tooltip';
import { type PointerEvent, useId } from 'react';

export interface ChartSeries {
  key: string;
  label: string;
  /** One value per category; null = nothing recorded (a gap in a line, no bar). */
  values: (number | null)[];
  color?: string;
}

export interface ChartProps {
  title: string;
  /** One sentence read with the title by screen readers (what the chart shows, where the numbers are). */
  summary: string;
  kind: 'line' | 'bar';
  /** The x-axis categories (days, event types), in order. */
  categories: string[];
  series: ChartSeries[];
  /** Axis labels with their units, e.g. "Day of March 2026 (UTC)", "API calls". */
  xLabel: string;
  yLabel: string;
  /** A horizontal line, e.g. the plan's monthly limit. */
  limit?: { value: number; label: string } | null;
  /** Values in the table, titles and the tooltip (exact, e.g. "$1,234.56"). */
  formatValue?: (value: number) => string;
  /** Values on the y axis (short, e.g. "$1,235"); defaults to formatValue. */
  formatAxis?: (value: number) => string;
  /** Short tick label of a category (the table and tooltips show `formatCategoryLong`). */
  formatCategory?: (category: string) => string;
  formatCategoryLong?: (category: string) => string;
  /** Heading of the category column of the table. */
  categoryHeading?: string;
  /** Heading level of the title (h2 on a page of charts, h3 inside a section). */
  headingLevel?: 2 | 3;
  /** Open the table by default (when the numbers matter more than the picture). */
  tableOpen?: boolean;
  className?: string;
}

export const CHART_COLORS = ['#4f46e5', '#0d9488', '#c2410c', '#be185d'];
const LIMIT_COLOR = '#dc2626';
const WIDTH = 400;
const HEIGHT = 250;
const MARGIN = { top: 18, right: 12, bottom: 50, left: 62 };
const TICK_FONT = 13;

const plain = (v: number) => v.toLocaleString('en-US');
const same = (c: string) => c;

/** At most `max` evenly spaced tick categories, always the first and the last. */
function tickCategories(categories: string[], max: number): string[] {
  if (categories.length <= max) return categories;
  const step = Math.ceil((categories.length - 1) / (max - 1));
  const ticks = categories.filter((_, i) => i % step === 0);
  const last = categories[categories.length - 1]!;
  if (ticks[ticks.length - 1] !== last) {
    // Keep the last; drop a penultimate tick that would touch it.
    if ((categories.length - 1) % step < step / 2) ticks.pop();
    ticks.push(last);
  }
  return ticks;
}

function ellipsis(text: string, max: number) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function Chart({
  title,
  summary,
  kind,
  categories,
  series,
  xLabel,
  yLabel,
  limit = null,
  formatValue = plain,
  formatAxis = formatValue,
  formatCategory = same,
  formatCategoryLong = formatCategory,
  categoryHeading = xLabel,
  headingLevel = 3,
  tableOpen = false,
  className = '',
}: ChartProps) {
  const id = useId().replace(/:/g, '');
  const titleId = `chart-${id}-title`;
  const summaryId = `chart-${id}-summary`;
  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  const { tooltipOpen, tooltipLeft, tooltipTop, tooltipData, showTooltip, hideTooltip } =
    useTooltip<number>();

  const colored = series.map((s, i) => ({ ...s, color: s.color ?? CHART_COLORS[i % CHART_COLORS.length]! }));
  const innerWidth = WIDTH - MARGIN.left - MARGIN.right;
  const innerHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const values = colored.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const top = Math.max(0, ...values, limit?.value ?? 0);
  const bottom = Math.min(0, ...values);
  const x = scaleBand<string>({
    domain: categories,
    range: [0, innerWidth],
    padding: kind === 'bar' ? 0.2 : 0,
  });
  const y = scaleLinear<number>({
    domain: [bottom, top === bottom ? bottom + 1 : top],
    range: [innerHeight, 0],
    nice: 4,
  });
  const band = x.bandwidth();
  const step = x.step();
  // Dots mark each value while they stay apart; a long range is a plain line.
  const dots = categories.length <= 62;
  const center = (c: string) => (x(c) ?? 0) + band / 2;
  const barWidth = band / Math.max(1, colored.length);
  const labelMax = Math.max(4, Math.floor(innerWidth / Math.min(categories.length, 6) / (TICK_FONT * 0.6)));
  const ticks = tickCategories(categories, kind === 'bar' && categories.length <= 8 ? 8 : 6);
  const legend = colored.length > 1 || limit !== null;
  const pointTitle = (i: number) =>
    `${formatCategoryLong(categories[i]!)}: ${colored
      .map(
        (s) =>
          `${colored.length > 1 ? `${s.label} ` : ''}${s.values[i] === null ? 'not recorded' : formatValue(s.values[i]!)}`,
      )
      .join(', ')}${colored.length === 1 ? ` ${series[0]!.label}` : ''}`;

  // With JavaScript: the category under the pointer (or the focused one) gets a tooltip.
  const onPointer = (event: PointerEvent<SVGSVGElement>) => {
    const box = event.currentTarget.getBoundingClientRect();
    if (box.width === 0 || categories.length === 0) return;
    const scale = WIDTH / box.width;
    const px = (event.clientX - box.left) * scale - MARGIN.left;
    const index = Math.min(
      categories.length - 1,
      Math.max(0, Math.floor(px / (innerWidth / categories.length))),
    );
    showTooltip({
      tooltipData: index,
      tooltipLeft: (MARGIN.left + center(categories[index]!)) / scale,
      tooltipTop: event.clientY - box.top,
    });
  };

  return (
    <figure className={`card min-w-0 space-y-3 ${className}`} data-chart={kind}>
      <figcaption className="space-y-1">
        <Heading id={titleId} className="text-base font-semibold">
          {title}
        </Heading>
        <p id={summaryId} className="text-sm text-slate-700">
          {summary}
        </p>
      </figcaption>
      {legend ? (
        <ul
          className="flex flex-wrap gap-x-4 gap-y-1 text-sm text-slate-700"
          aria-label={`Legend of ${title}`}
        >
          {colored.map((s) => (
            <li key={s.key} className="flex items-center gap-2">
              <span
                aria-hidden="true"
                className="inline-block h-3 w-3 rounded-sm"
                style={{ background: s.color }}
              />
              {s.label}
            </li>
          ))}
          {limit ? (
            <li className="flex items-center gap-2">
              <span
                aria-hidden="true"
                className="inline-block h-0 w-4 border-t-2 border-dashed"
                style={{ borderColor: LIMIT_COLOR }}
              />
              {limit.label}
            </li>
          ) : null}
        </ul>
      ) : null}
      <div className="relative">
        <svg
          viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
          className="block h-auto w-full max-w-3xl touch-pan-y"
          role="img"
          aria-labelledby={`${titleId} ${summaryId}`}
          onPointerMove={onPointer}
          onPointerDown={onPointer}
          onPointerLeave={hideTooltip}
        >
          <title>{title}</title>
          <Group left={MARGIN.left} top={MARGIN.top}>
            <GridRows scale={y} width={innerWidth} numTicks={4} stroke="#e2e8f0" />
            {tooltipOpen && tooltipData !== undefined && categories[tooltipData] !== undefined ? (
              <rect
                x={x(categories[tooltipData]!) ?? 0}
                y={0}
                width={Math.max(band, 2)}
                height={innerHeight}
                fill="#f1f5f9"
                data-chart-hover=""
              />
            ) : null}
            {kind === 'bar'
              ? colored.map((s, si) =>
                  s.values.map((v, i) => {
                    if (v === null) return null;
                    const y0 = y(0);
                    const yv = y(v);
                    return (
                      <Bar
                        key={`${s.key}-${categories[i]}`}
                        x={(x(categories[i]!) ?? 0) + si * barWidth}
                        y={Math.min(y0, yv)}
                        width={Math.max(1, barWidth - (colored.length > 1 ? 1 : 0))}
                        height={Math.max(v === 0 ? 0 : 1, Math.abs(y0 - yv))}
                        fill={s.color}
                      />
                    );
                  }),
                )
              : colored.map((s) => (
                  <g key={s.key}>
                    <LinePath<number | null>
                      data={s.values}
                      defined={(v) => v !== null}
                      x={(_, i) => center(categories[i]!)}
                      y={(v) => y(v ?? 0)}
                      stroke={s.color}
                      strokeWidth={2.5}
                      fill="none"
                    />
                    {s.values.map((v, i) =>
                      v === null || !dots ? null : (
                        <circle
                          key={categories[i]}
                          cx={center(categories[i]!)}
                          cy={y(v)}
                          r={3.5}
                          fill={s.color}
                        />
                      ),
                    )}
                  </g>
                ))}
            {limit ? (
              <g data-chart-limit="">
                <line
                  x1={0}
                  x2={innerWidth}
                  y1={y(limit.value)}
                  y2={y(limit.value)}
                  stroke={LIMIT_COLOR}
                  strokeWidth={2}
                  strokeDasharray="6 4"
                >
                  <title>{`${limit.label}: ${formatValue(limit.value)}`}</title>
                </line>
                <text
                  x={innerWidth - 4}
                  y={y(limit.value) - 6}
                  textAnchor="end"
                  fontSize={TICK_FONT}
                  fill="#b91c1c"
                  paintOrder="stroke"
                  stroke="#ffffff"
                  strokeWidth={3}
                >
                  {`${limit.label}: ${formatValue(limit.value)}`}
                </text>
              </g>
            ) : null}
            {/* Hover without JavaScript: each category's column carries its numbers as a native tooltip. */}
            {categories.map((c, i) => (
              <rect
                key={c}
                x={(x(c) ?? 0) - (step - band) / 2}
                y={0}
                width={step}
                height={innerHeight}
                fill="transparent"
                data-chart-point={c}
              >
                <title>{pointTitle(i)}</title>
              </rect>
            ))}
            <AxisLeft
              scale={y}
              numTicks={4}
              tickFormat={(v) => formatAxis(Number(v))}
              stroke="#64748b"
              tickStroke="#64748b"
              label={yLabel}
              labelOffset={40}
              labelProps={{ fontSize: TICK_FONT, fill: '#1e293b', textAnchor: 'middle', fontWeight: 600 }}
              tickLabelProps={() => ({
                fontSize: TICK_FONT - 1,
                fill: '#334155',
                textAnchor: 'end',
                dx: -4,
                dy: 4,
              })}
            />
            <AxisBottom
              scale={x}
              top={innerHeight}
              tickValues={ticks}
              tickFormat={(c) => ellipsis(formatCategory(String(c)), labelMax)}
              stroke="#64748b"
              tickStroke="#64748b"
              label={xLabel}
              labelOffset={14}
              labelProps={{ fontSize: TICK_FONT, fill: '#1e293b', textAnchor: 'middle', fontWeight: 600 }}
              tickLabelProps={() => ({ fontSize: TICK_FONT - 1, fill: '#334155', textAnchor: 'middle' })}
            />
          </Group>
        </svg>
        {tooltipOpen && tooltipData !== undefined && categories[tooltipData] !== undefined ? (
          <TooltipWithBounds
            left={tooltipLeft}
            top={tooltipTop}
            className="pointer-events-none"
            style={{ ...defaultStyles, color: '#0f172a', lineHeight: 1.4, minWidth: '9rem', zIndex: 10 }}
            // The table carries the numbers for assistive technology; this is the pointer's view of them.
            role="tooltip"
            data-chart-tooltip=""
          >
            <div className="space-y-1 text-sm">
              <p className="font-semibold text-slate-900">{formatCategoryLong(categories[tooltipData]!)}</p>
              {colored.map((s) => (
                <p key={s.key} className="flex items-center gap-2 text-slate-800">
                  <span
                    aria-hidden="true"
                    className="inline-block h-2.5 w-2.5 rounded-sm"
                    style={{ background: s.color }}
                  />
                  {s.label}:{' '}
                  <strong>
                    {s.values[tooltipData] === null ? 'not recorded' : formatValue(s.values[tooltipData]!)}
                  </strong>
                </p>
              ))}
              {limit ? (
                <p className="text-slate-700">
                  {limit.label}: {formatValue(limit.value)}
                </p>
              ) : null}
            </div>
          </TooltipWithBounds>
        ) : null}
      </div>
      <details className="text-sm" open={tableOpen}>
        <summary className="cursor-pointer font-medium text-slate-800">{title} as a table</summary>
        <div className="mt-2 max-h-80 overflow-auto">
          <table className="w-full text-left">
            <caption className="sr-only">{title}</caption>
            <thead className="text-slate-700">
              <tr>
                <th scope="col" className="py-1 pr-3">
                  {categoryHeading}
                </th>
                {colored.map((s) => (
                  <th key={s.key} scope="col" className="py-1 pl-3 text-right">
                    {s.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {categories.map((c, i) => (
                <tr key={c} data-category={c}>
                  <th scope="row" className="py-1 pr-3 font-normal">
                    {formatCategoryLong(c)}
                  </th>
                  {colored.map((s) => (
                    <td key={s.key} className="py-1 pl-3 text-right tabular-nums">
                      {s.values[i] === null ? (
                        <>
                          <span aria-hidden="true">—</span>
                          <span className="sr-only">not recorded</span>
                        </>
                      ) : (
                        formatValue(s.values[i]!)
                      )}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
