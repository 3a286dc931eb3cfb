import type { Page } from "@/lib/pleo/types";

/**
 * Cursor pagination as an async iterator: yields each page, passing `after=<endCursor>` until Pleo
 * says `hasNextPage: false`. A page that claims more but gives no new cursor would loop forever, so it
 * is an error instead.
 *
 *   for await (const page of paginate((after) => client.listEmployees({ after }))) …
 */
export async function* paginate<T>(
  fetchPage: (after?: string) => Promise<Page<T>>,
  opts: { after?: string } = {},
): AsyncGenerator<Page<T>> {
  let after = opts.after;
  const seen = new Set<string>();
  for (;;) {
    const page = await fetchPage(after);
    yield page;
    if (!page.hasNextPage) return;
    if (!page.endCursor || seen.has(page.endCursor) || page.endCursor === after) {
      throw new Error(`Pleo pagination did not advance (hasNextPage with cursor ${page.endCursor ?? "missing"})`);
    }
    seen.add(page.endCursor);
    after = page.endCursor;
  }
}

/** Every item of every page (small lists: employees, accounts, tag groups). */
export async function collectAll<T>(fetchPage: (after?: string) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of paginate(fetchPage)) out.push(...page.items);
  return out;
}
