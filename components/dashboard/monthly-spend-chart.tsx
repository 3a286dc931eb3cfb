"use client";

import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export type MonthlyBar = { label: string; value: number; formatted: string; count: number };

/** Bars of spend per month; amounts arrive pre-formatted so the currency and locale are right. */
export function MonthlySpendBars({ data, currency, locale }: { data: MonthlyBar[]; currency: string; locale: string }) {
  const axis = new Intl.NumberFormat(locale, {
    style: "currency",
    currency,
    notation: "compact",
    maximumFractionDigits: 1,
  });
  return (
    <div className="h-64 w-full" aria-hidden>
      <ResponsiveContainer width="100%" height="100%">
        {/* The chart is hidden from assistive tech (the "Show as table" fallback is the accessible view), so
            it must not take keyboard focus either: no Recharts accessibility layer. */}
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 8 }} accessibilityLayer={false}>
          <CartesianGrid vertical={false} stroke="rgba(0,0,0,0.08)" />
          <XAxis dataKey="label" tickLine={false} axisLine={false} fontSize={12} />
          <YAxis
            tickFormatter={(v: number) => axis.format(v)}
            tickLine={false}
            axisLine={false}
            fontSize={12}
            width={80}
          />
          <Tooltip
            cursor={{ fill: "rgba(0,0,0,0.04)" }}
            formatter={(_v, _n, item) => [
              `${(item.payload as MonthlyBar).formatted} · ${(item.payload as MonthlyBar).count} expenses`,
              "Spend",
            ]}
          />
          <Bar dataKey="value" name="Spend" fill="var(--color-brand)" radius={[4, 4, 0, 0]} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
