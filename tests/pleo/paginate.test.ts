/** lib/pleo/paginate.ts: cursor pagination, where it starts, when it stops, and cursors that do not advance. */
import { describe, expect, it } from "vitest";
import { collectAll, paginate } from "@/lib/pleo/paginate";
import type { Page } from "@/lib/pleo/types";

/** A fake Pleo list over `pages` (by the `after` each was asked with), recording the calls. */
function pager<T>(pages: Record<string, Page<T>>) {
  const calls: Array<string | undefined> = [];
  const fetchPage = async (after?: string) => {
    calls.push(after);
    const page = pages[after ?? ""];
    if (!page) throw new Error(`no page after ${after}`);
    return page;
  };
  return { calls, fetchPage };
}

const page = <T>(items: T[], endCursor: string | null, hasNextPage: boolean): Page<T> => ({
  items,
  endCursor,
  hasNextPage,
  total: null,
});

describe("paginate", () => {
  it("follows endCursor until hasNextPage is false, yielding each page in order", async () => {
    const { calls, fetchPage } = pager({
      "": page([1, 2], "A", true),
      A: page([3], "B", true),
      B: page([4], "C", false),
    });
    const seen: number[][] = [];
    for await (const p of paginate(fetchPage)) seen.push(p.items);
    expect(seen).toEqual([[1, 2], [3], [4]]);
    expect(calls).toEqual([undefined, "A", "B"]);
    expect(await collectAll(pager({ "": page([1, 2], "A", true), A: page([3], null, false) }).fetchPage)).toEqual([
      1, 2, 3,
    ]);
  });

  it("starts after the cursor it is given", async () => {
    const { calls, fetchPage } = pager({ X: page(["x"], "Y", true), Y: page(["y"], "Y2", false) });
    const items: string[] = [];
    for await (const p of paginate(fetchPage, { after: "X" })) items.push(...p.items);
    expect(items).toEqual(["x", "y"]);
    expect(calls).toEqual(["X", "Y"]);
  });

  it("refuses a next page without a cursor, after yielding the page that claimed it", async () => {
    const { fetchPage } = pager({ "": page([1], null, true) });
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const p of paginate(fetchPage)) got.push(...p.items);
      })(),
    ).rejects.toThrow("Pleo pagination did not advance (hasNextPage with cursor missing)");
    expect(got).toEqual([1]);
  });

  it("refuses a cursor equal to the one it started after", async () => {
    const { calls, fetchPage } = pager({ S: page([1], "S", true) });
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const p of paginate(fetchPage, { after: "S" })) got.push(...p.items);
      })(),
    ).rejects.toThrow("Pleo pagination did not advance (hasNextPage with cursor S)");
    expect(calls).toEqual(["S"]);
    expect(got).toEqual([1]);
  });

  it("refuses a cursor seen before (a cycle A → B → A)", async () => {
    const { calls, fetchPage } = pager({ "": page([1], "A", true), A: page([2], "B", true), B: page([3], "A", true) });
    await expect(collectAll(fetchPage)).rejects.toThrow("cursor A");
    expect(calls).toEqual([undefined, "A", "B"]);
  });
});
