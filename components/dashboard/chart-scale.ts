/**
 * The value axis of a bar chart, computed on the server: a domain that includes zero and ends on
 * "nice" round ticks (1, 2, 2.5 or 5 × a power of ten), and where a value sits on it (percent from the
 * top, so it can be used in CSS and in an SVG whose viewBox is 100 high).
 */
export type ValueScale = {
  min: number;
  max: number;
  ticks: number[];
  /** Percent from the top of the plot (max → 0, min → 100). */
  at(value: number): number;
};

const NICE_STEPS = [1, 2, 2.5, 5, 10];

export function valueScale(values: number[], targetTicks = 4): ValueScale {
  const finite = values.filter(Number.isFinite);
  let lo = Math.min(0, ...finite);
  let hi = Math.max(0, ...finite);
  if (hi === lo) hi = lo + 1;
  const raw = (hi - lo) / targetTicks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = NICE_STEPS.find((s) => s * magnitude >= raw - 1e-12)! * magnitude;
  lo = Math.floor(lo / step + 1e-9) * step;
  hi = Math.ceil(hi / step - 1e-9) * step;
  const count = Math.round((hi - lo) / step);
  // toPrecision: 0.1 + 0.2-style float noise must not reach the labels.
  const ticks = Array.from({ length: count + 1 }, (_, i) => Number((lo + i * step).toPrecision(12)));
  const min = ticks[0];
  const max = ticks[ticks.length - 1];
  return { min, max, ticks, at: (value) => ((max - value) / (max - min)) * 100 };
}

/** A bar from zero to `value`: its top and height in percent of the plot (negative values hang below zero). */
export function barExtent(scale: ValueScale, value: number): { top: number; height: number } {
  const zero = scale.at(0);
  const end = scale.at(value);
  return { top: Math.min(zero, end), height: Math.abs(zero - end) };
}
