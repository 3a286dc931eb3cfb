/**
 * The choices of the settings form and how they map to a connection's columns (syncEnabled,
 * syncIntervalMinutes, historyMonths, syncWindowDays). Shared by the form (client), the validation and
 * the page's reads, so a choice is spelled once. No server-only imports: the form uses it too.
 */

export const FREQUENCIES = [
  { value: "15", minutes: 15, label: "Every 15 minutes" },
  { value: "60", minutes: 60, label: "Hourly" },
  { value: "360", minutes: 360, label: "Every 6 hours" },
  { value: "1440", minutes: 1440, label: "Daily" },
  { value: "manual", minutes: null, label: "Manual only" },
] as const;

export const HISTORY_WINDOWS = [
  { value: "3", months: 3, label: "Last 3 months" },
  { value: "12", months: 12, label: "Last 12 months" },
  { value: "24", months: 24, label: "Last 24 months" },
  { value: "all", months: null, label: "Everything" },
] as const;

export const CHANGE_WINDOWS = [
  { value: "7", days: 7, label: "7 days" },
  { value: "30", days: 30, label: "30 days" },
  { value: "60", days: 60, label: "60 days" },
  { value: "90", days: 90, label: "90 days" },
] as const;

export type FrequencyValue = (typeof FREQUENCIES)[number]["value"];
export type HistoryValue = (typeof HISTORY_WINDOWS)[number]["value"];
export type ChangeWindowValue = (typeof CHANGE_WINDOWS)[number]["value"];

export type SettingsValues = { frequency: FrequencyValue; history: HistoryValue; changesWindow: ChangeWindowValue };

/** The columns a connection stores its settings in. */
export type SettingsColumns = {
  syncEnabled: boolean;
  syncIntervalMinutes: number;
  historyMonths: number | null;
  syncWindowDays: number;
};

/** A connection's columns as the form's values; a value no option offers shows as the nearest sensible one. */
export function valuesOf(c: SettingsColumns): SettingsValues {
  const frequency = c.syncEnabled
    ? (FREQUENCIES.find((f) => f.minutes === c.syncIntervalMinutes)?.value ?? "15")
    : "manual";
  const history = HISTORY_WINDOWS.find((h) => h.months === c.historyMonths)?.value ?? "all";
  const changesWindow = CHANGE_WINDOWS.find((w) => w.days === c.syncWindowDays)?.value ?? "60";
  return { frequency, history, changesWindow };
}

/** The form's values as columns; "Manual only" keeps the previous interval (it turns the schedule off). */
export function columnsOf(v: SettingsValues, previous?: Pick<SettingsColumns, "syncIntervalMinutes">): SettingsColumns {
  const f = FREQUENCIES.find((x) => x.value === v.frequency)!;
  return {
    syncEnabled: f.minutes !== null,
    syncIntervalMinutes: f.minutes ?? previous?.syncIntervalMinutes ?? 15,
    historyMonths: HISTORY_WINDOWS.find((x) => x.value === v.history)!.months,
    syncWindowDays: CHANGE_WINDOWS.find((x) => x.value === v.changesWindow)!.days,
  };
}

export const labelOf = {
  frequency: (v: FrequencyValue) => FREQUENCIES.find((x) => x.value === v)!.label,
  history: (v: HistoryValue) => HISTORY_WINDOWS.find((x) => x.value === v)!.label,
  changesWindow: (v: ChangeWindowValue) => CHANGE_WINDOWS.find((x) => x.value === v)!.label,
};
