import Link from "next/link";
import { barExtent, valueScale } from "./chart-scale";

export type MonthlyBar = {
  /** Axis label, e.g. "Mar 25". */
  label: string;
  /** Full name, e.g. "March 2025". */
  long: string;
  /** Major units, for the bar's height only; `formatted` is the exact amount. */
  value: number;
  formatted: string;
  count: number;
  /** This view narrowed to the month. */
  href: string;
};

const VIEW_WIDTH = 10; // viewBox units per month

/**
 * Bars of spend per month, rendered on the server: an SVG for the bars and grid (no JavaScript needed
 * to read it) under one link per month. Hovering or focusing a month shows its details; activating it
 * shows that month's expenses. Screen readers get the links' names here and the "Show as table"
 * alternative next to the chart.
 */
export function MonthlySpendBars({ data, currency, locale }: { data: MonthlyBar[]; currency: string; locale: string }) {
  const scale = valueScale(data.map((d) => d.value));
  const axis = new Intl.NumberFormat(locale, {
    style: "currency",
    currency,
    notation: "compact",
    minimumFractionDigits: 0,
    maximumFractionDigits: 1,
  });
  const number = new Intl.NumberFormat(locale);
  const width = data.length * VIEW_WIDTH;
  return (
    <div className="flex gap-2" data-testid="monthly-chart">
      <div aria-hidden className="relative h-56 w-16 shrink-0 text-right text-xs text-muted tabular-nums">
        {scale.ticks.map((t) => (
          <span
            key={t}
            className="absolute right-0 -translate-y-1/2 whitespace-nowrap"
            style={{ top: `${scale.at(t)}%` }}
          >
            {axis.format(t)}
          </span>
        ))}
      </div>
      <div className="min-w-0 flex-1">
        <div className="relative h-56">
          <svg
            aria-hidden
            className="absolute inset-0 h-full w-full overflow-visible"
            viewBox={`0 0 ${width} 100`}
            preserveAspectRatio="none"
          >
            {scale.ticks.map((t) => (
              <line
                key={t}
                x1={0}
                x2={width}
                y1={scale.at(t)}
                y2={scale.at(t)}
                vectorEffect="non-scaling-stroke"
                className={t === 0 ? "stroke-black/25" : "stroke-black/[0.08]"}
              />
            ))}
            {data.map((d, i) => {
              const { top, height } = barExtent(scale, d.value);
              return (
                <rect
                  key={d.long}
                  x={i * VIEW_WIDTH + VIEW_WIDTH * 0.2}
                  width={VIEW_WIDTH * 0.6}
                  y={top}
                  height={height}
                  className="fill-brand"
                  data-testid="monthly-bar"
                />
              );
            })}
          </svg>
          <ol aria-label="Months" className="absolute inset-0 flex">
            {data.map((d, i) => {
              const { top } = barExtent(scale, d.value);
              const align = i < 2 ? "left-0" : i >= data.length - 2 ? "right-0" : "left-1/2 -translate-x-1/2";
              const expenses = `${number.format(d.count)} ${d.count === 1 ? "expense" : "expenses"}`;
              return (
                <li key={d.long} className="relative flex-1">
                  <Link
                    href={d.href}
                    aria-label={`${d.long}: ${d.formatted}, ${expenses}. Show this month`}
                    className="group absolute inset-0 block rounded-sm hover:bg-black/[0.04] focus-visible:bg-black/[0.04]"
                  >
                    <span
                      aria-hidden
                      data-testid="monthly-tooltip"
                      className={`pointer-events-none invisible absolute z-10 rounded-md border border-black/10 bg-white px-2.5 py-1.5 text-xs whitespace-nowrap shadow-md group-hover:visible group-focus-visible:visible ${align}`}
                      style={{ bottom: `calc(${100 - top}% + 6px)` }}
                    >
                      <span className="block font-semibold">{d.long}</span>
                      <span className="block tabular-nums">{d.formatted}</span>
                      <span className="block text-muted">{expenses}</span>
                    </span>
                  </Link>
                </li>
              );
            })}
          </ol>
        </div>
        {/* On narrow screens every third label (counted back from this month), so none overlap. */}
        <div aria-hidden className="mt-1 flex text-center text-xs whitespace-nowrap text-muted">
          {data.map((d, i) => (
            <span key={d.long} className={`flex-1 ${(data.length - 1 - i) % 3 ? "invisible sm:visible" : ""}`}>
              {d.label}
            </span>
          ))}
        </div>
      </div>
    </div>
  );
}
