import Link from "next/link";
import { fetchFilterOptions } from "@/lib/expenses/data";
import {
  FAMILIES,
  REVIEW_STATUSES,
  STATUSES,
  UNCATEGORISED_LABEL,
  familyLabel,
  humanize,
} from "@/lib/expenses/definitions";
import { DEFAULT_FILTERS, MAX_SEARCH_LENGTH, activeFilterCount, hrefFor, type FilterKey } from "@/lib/expenses/filters";
import { PERIODS, PERIOD_LABELS } from "@/lib/expenses/period";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { FilterFormShell } from "./filter-form-client";
import type { DashboardView } from "./view";

const COMMON_CURRENCIES = ["DKK", "EUR", "SEK", "NOK", "GBP", "USD", "ISK", "CHF", "PLN"];
const fieldClass = "mt-1 block w-full rounded-md border border-black/15 bg-white px-2 py-1.5 text-sm";

function Field({ id, label, children }: { id: string; label: string; children: React.ReactNode }) {
  return (
    <div className="min-w-0">
      <label htmlFor={id} className="block text-xs font-medium text-muted">
        {label}
      </label>
      {children}
    </div>
  );
}

type Option = { value: string; label: string };
/** A filter picked from a list; the empty choice ("All …") leaves it out. */
type SelectFilter = { name: FilterKey; label: string; allLabel: string; options: Option[] };

function SelectField({ filter, value }: { filter: SelectFilter; value: string | undefined }) {
  const id = `f-${filter.name}`;
  return (
    <Field id={id} label={filter.label}>
      <select id={id} name={filter.name} defaultValue={value ?? ""} className={fieldClass}>
        <option value="">{filter.allLabel}</option>
        {filter.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </Field>
  );
}

const humanizedOption = (value: string): Option => ({ value, label: humanize(value) });
const idOption = (x: { id: string; name: string }): Option => ({ value: x.id, label: x.name });

/** Every filter of the view, as a GET form: submitting changes the URL (and so the whole page). */
export async function FilterForm({ view }: { view: DashboardView }) {
  const options = await fetchFilterOptions(view.scope);
  const f = view.filters;
  const active = activeFilterCount(f) > 0 || f.period !== DEFAULT_FILTERS.period;
  const selects: SelectFilter[] = [
    {
      name: "family",
      label: "Type",
      allLabel: "All types",
      options: FAMILIES.map((x) => ({ value: x, label: familyLabel(x) })),
    },
    { name: "status", label: "Status", allLabel: "All statuses", options: STATUSES.map(humanizedOption) },
    {
      name: "review",
      label: "Review status",
      allLabel: "Any review status",
      options: [{ value: "WAITING", label: "Waiting for review (any)" }, ...REVIEW_STATUSES.map(humanizedOption)],
    },
    { name: "employee", label: "Employee", allLabel: "All employees", options: options.employees.map(idOption) },
    { name: "team", label: "Team", allLabel: "All teams", options: options.teams.map(idOption) },
    {
      name: "category",
      label: "Category",
      allLabel: "All categories",
      options: [{ value: "none", label: UNCATEGORISED_LABEL }, ...options.categories.map(idOption)],
    },
  ];
  return (
    <FilterFormShell action="/dashboard">
      {view.companyParam && <input type="hidden" name="company" value={view.companyParam} />}
      {f.tagGroup && <input type="hidden" name="tagGroup" value={f.tagGroup} />}
      {(f.sort !== DEFAULT_FILTERS.sort || f.dir !== DEFAULT_FILTERS.dir) && (
        <>
          <input type="hidden" name="sort" value={f.sort} />
          <input type="hidden" name="dir" value={f.dir} />
        </>
      )}
      <Field id="f-period" label="Period">
        <select id="f-period" name="period" defaultValue={f.period} className={fieldClass}>
          {PERIODS.map((p) => (
            <option key={p} value={p}>
              {PERIOD_LABELS[p]}
            </option>
          ))}
        </select>
      </Field>
      <Field id="f-from" label="From">
        <input id="f-from" name="from" type="date" defaultValue={f.from ?? ""} className={fieldClass} />
      </Field>
      <Field id="f-to" label="To">
        <input id="f-to" name="to" type="date" defaultValue={f.to ?? ""} className={fieldClass} />
      </Field>
      <div className="col-span-2 md:col-span-1 xl:col-span-3">
        <label htmlFor="f-q" className="block text-xs font-medium text-muted">
          Search note, supplier, amount, person or tag
        </label>
        <input
          id="f-q"
          name="q"
          type="search"
          defaultValue={f.q ?? ""}
          maxLength={MAX_SEARCH_LENGTH}
          placeholder="e.g. coffee, INV-2041, 125.50, Mette"
          className={fieldClass}
        />
      </div>
      {selects.map((filter) => (
        <SelectField key={filter.name} filter={filter} value={f[filter.name]} />
      ))}
      {options.tagGroups.length > 0 && (
        <Field id="f-tag" label="Tag">
          <select id="f-tag" name="tag" defaultValue={f.tag ?? ""} className={fieldClass}>
            <option value="">All tags</option>
            {options.tagGroups.map((g) => (
              <optgroup key={g.id} label={g.name}>
                {g.tags.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.name}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </Field>
      )}
      <Field id="f-currency" label="Purchase currency">
        <input
          id="f-currency"
          name="currency"
          list="f-currency-list"
          defaultValue={f.currency ?? ""}
          maxLength={3}
          placeholder="Any"
          className={`${fieldClass} uppercase`}
        />
        <datalist id="f-currency-list">
          {COMMON_CURRENCIES.map((c) => (
            <option key={c} value={c} />
          ))}
        </datalist>
      </Field>
      <div className="flex items-end pb-1.5">
        <label className="flex items-center gap-2 text-sm">
          <input
            type="checkbox"
            name="receipt"
            value="missing"
            defaultChecked={f.receipt === "missing"}
            className="h-4 w-4 accent-[var(--color-brand)]"
          />
          Missing receipt only
        </label>
      </div>
      <div className="col-span-2 flex items-end gap-2 md:col-span-4 xl:col-span-2 xl:justify-end">
        <Button type="submit">Apply filters</Button>
        {active && (
          <Button asChild variant="secondary">
            <Link href={hrefFor("/dashboard", DEFAULT_FILTERS, { company: view.companyParam })}>Clear</Link>
          </Button>
        )}
      </div>
    </FilterFormShell>
  );
}

export function FilterFormSkeleton() {
  return (
    <div role="status" aria-label="Loading filters" className="grid grid-cols-2 gap-3 md:grid-cols-4 xl:grid-cols-6">
      {Array.from({ length: 12 }, (_, i) => (
        <Skeleton key={i} className="h-12" />
      ))}
    </div>
  );
}
