/**
 * The zod schemas that validate and reshape Pleo's JSON (lib/pleo/schemas), on payloads shaped as
 * Pleo's specs document them: what each becomes, which fields are required, what an absent or null
 * optional field reads as, and that fields Pleo adds later are dropped rather than refused. The requests
 * that fetch them are tested in endpoints.test.ts and client.test.ts.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { accountingEntrySchema } from "@/lib/pleo/schemas/accounting-entries";
import {
  dataEnvelope,
  dateTime,
  describeIssues,
  flag,
  moneySchema,
  noContent,
  opt,
  pageEnvelope,
  pageOrListEnvelope,
  parseScopes,
} from "@/lib/pleo/schemas/common";
import {
  employeeSchema,
  ledgerAccountSchema,
  tagGroupSchema,
  tagSchema,
  taxCodeSchema,
  teamSchema,
} from "@/lib/pleo/schemas/directory";
import { installationSchema } from "@/lib/pleo/schemas/installations";
import { receiptSchema } from "@/lib/pleo/schemas/receipts";

const COMPANY = "6f2c3a8e-0000-4000-8000-000000000001";
const ENTRY = "0e000000-0000-4000-8000-000000000001";

/** The paths zod names when `schema` refuses `value` (empty when it accepts it). */
function refusedAt(schema: z.ZodType, value: unknown): string[] {
  const r = schema.safeParse(value);
  return r.success ? [] : r.error.issues.map((i) => i.path.join("."));
}

const without = <T extends Record<string, unknown>>(o: T, key: string) => {
  const copy: Record<string, unknown> = { ...o };
  delete copy[key];
  return copy;
};

describe("building blocks", () => {
  it("opt: absent and null both read as null; a value is checked", () => {
    const s = z.object({ a: opt(z.string()) });
    expect(s.parse({})).toEqual({ a: null });
    expect(s.parse({ a: null })).toEqual({ a: null });
    expect(s.parse({ a: "x" })).toEqual({ a: "x" });
    expect(refusedAt(s, { a: 1 })).toEqual(["a"]);
  });

  it("dateTime: ISO-8601, nanoseconds included, becomes a Date; anything else is refused with a message", () => {
    expect(dateTime.parse("2026-11-30T10:00:00Z")).toEqual(new Date("2026-11-30T10:00:00Z"));
    expect(dateTime.parse("2026-11-30T10:00:00.123456789Z")).toEqual(new Date("2026-11-30T10:00:00.123Z"));
    const r = dateTime.safeParse("yesterday");
    expect(r.success).toBe(false);
    expect(r.error?.issues[0].message).toBe("expected an ISO-8601 date-time");
    expect(dateTime.safeParse(1_700_000_000_000).success).toBe(false);
  });

  it("money: a currency and minor units as a JSON integer or an integer string, kept exact as a bigint", () => {
    expect(moneySchema.parse({ currency: "DKK", minors: 12345, extra: true })).toEqual({
      currency: "DKK",
      minors: 12345n,
    });
    expect(moneySchema.parse({ currency: "DKK", minors: "-9007199254740993" })).toEqual({
      currency: "DKK",
      minors: -9007199254740993n,
    });
    expect(moneySchema.parse({ currency: "DKK", minors: "9007199254740993" }).minors).toBe(9007199254740993n);
    expect(refusedAt(moneySchema, { currency: "DKK", minors: 1.5 })).toEqual(["minors"]);
    expect(refusedAt(moneySchema, { currency: "DKK", minors: "12.5" })).toEqual(["minors"]);
    expect(refusedAt(moneySchema, { currency: "DKK", minors: "12a" })).toEqual(["minors"]);
    expect(refusedAt(moneySchema, { currency: "DKK", minors: "a12" })).toEqual(["minors"]);
    expect(refusedAt(moneySchema, { currency: "", minors: 1 })).toEqual(["currency"]);
  });

  it("dataEnvelope unwraps `data`; flag reads absent or null as false; noContent ignores any body", () => {
    expect(dataEnvelope(z.object({ id: z.string() })).parse({ data: { id: "x" }, meta: 1 })).toEqual({ id: "x" });
    expect(refusedAt(dataEnvelope(z.string()), { id: "x" })).toEqual(["data"]);
    const f = z.object({ archived: flag });
    expect(f.parse({})).toEqual({ archived: false });
    expect(f.parse({ archived: null })).toEqual({ archived: false });
    expect(f.parse({ archived: true })).toEqual({ archived: true });
    expect(noContent.parse({ anything: 1 })).toBeUndefined();
    expect(noContent.parse(undefined)).toBeUndefined();
  });

  it("parseScopes: space-separated, each once, in order", () => {
    expect(parseScopes(" users:read  companies:read\tusers:read\n")).toEqual(["users:read", "companies:read"]);
    expect(parseScopes(null)).toEqual([]);
    expect(parseScopes(undefined)).toEqual([]);
    expect(parseScopes("")).toEqual([]);
  });

  it("pageEnvelope: items, whether there is more, the cursor and the total; absent ones read as null", () => {
    const page = pageEnvelope(z.object({ id: z.string() }));
    expect(
      page.parse({
        data: [{ id: "a" }, { id: "b" }],
        pagination: { hasNextPage: true, hasPreviousPage: false, startCursor: "s", endCursor: "e", total: 9 },
      }),
    ).toEqual({ items: [{ id: "a" }, { id: "b" }], hasNextPage: true, endCursor: "e", total: 9 });
    expect(page.parse({ data: [], pagination: { hasNextPage: false } })).toEqual({
      items: [],
      hasNextPage: false,
      endCursor: null,
      total: null,
    });
    expect(refusedAt(page, { data: [] })).toEqual(["pagination"]);
    expect(refusedAt(page, { data: [], pagination: { hasNextPage: "yes" } })).toEqual(["pagination.hasNextPage"]);
    expect(refusedAt(page, { data: [], pagination: { hasNextPage: false, total: 1.5 } })).toEqual(["pagination.total"]);
  });

  it("pageOrListEnvelope: a plain list is one last page with its length as the total", () => {
    const list = pageOrListEnvelope(z.string());
    expect(list.parse({ data: ["a", "b", "c"] })).toEqual({
      items: ["a", "b", "c"],
      hasNextPage: false,
      endCursor: null,
      total: 3,
    });
    expect(list.parse({ data: ["a"], pagination: { hasNextPage: true, endCursor: "c1" } })).toEqual({
      items: ["a"],
      hasNextPage: true,
      endCursor: "c1",
      total: null,
    });
  });

  it("describeIssues: one line per issue with its path, the body when there is none, at most five", () => {
    const s = z.object({ data: z.array(z.object({ email: z.string() })) });
    const seven = { data: Array.from({ length: 7 }, () => ({})) };
    const error = s.safeParse(seven).error!;
    const lines = describeIssues(error);
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^data\[0\]\.email: /);
    expect(lines[4]).toMatch(/^data\[4\]\.email: /);
    expect(lines[5]).toBe("…and 2 more");
    expect(describeIssues(error, 7)).toHaveLength(7);
    expect(describeIssues(z.string().safeParse(1).error!)).toEqual([expect.stringMatching(/^\(body\): /)]);
    expect(describeIssues(z.object({ a: z.object({ b: z.string() }) }).safeParse({ a: {} }).error!)).toEqual([
      expect.stringMatching(/^a\.b: /),
    ]);
  });
});

describe("an accounting entry", () => {
  const full = {
    id: ENTRY,
    companyId: COMPANY,
    employeeId: "e1",
    teamId: "t1",
    family: "CARD_PURCHASE",
    subFamily: "ATM",
    status: "COMPLETED",
    exportStatus: "NOT_EXPORTED",
    reviewStatus: "OK",
    performedAt: "2026-11-01T10:00:00Z",
    settledAt: "2026-11-02T10:00:00Z",
    bookkeepingDate: "2026-11-03T00:00:00Z",
    createdAt: "2026-11-01T10:00:01Z",
    updatedAt: "2026-11-04T10:00:00Z",
    deletedAt: null,
    transactionValue: { currency: "EUR", minors: 1000 },
    totalBillValue: { currency: "DKK", minors: 7460 },
    accountId: "a1",
    accountCode: "6100",
    taxCodeId: "tax1",
    note: "Lunch",
    supplier: {
      name: "Café Norden",
      cif: "B123",
      documentNumber: "INV-1",
      documentType: "INVOICE",
      externalAccountNumber: "DK50",
      externalSupplierId: "S-9",
      somethingNew: 1,
    },
    receiptIds: ["r1", "r2"],
    attendees: [{ name: "x" }, { name: "y" }, { name: "z" }],
    tags: [{ tagGroupId: "g1", tagId: "tag1", label: "dropped" }],
    splitItems: [
      {
        id: "s1",
        accountId: "a2",
        accountCode: null,
        taxCodeId: "tax1",
        totalBillValue: { currency: "DKK", minors: 7460 },
        transactionValue: { currency: "EUR", minors: 1000 },
        tags: [{ tagGroupId: "g1", tagId: "tag2" }],
      },
    ],
    addedByPleoLater: true,
  };

  it("reads every field, with the supplier's identifiers apart from its name and the attendees counted", () => {
    expect(accountingEntrySchema.parse(full)).toStrictEqual({
      id: ENTRY,
      companyId: COMPANY,
      employeeId: "e1",
      teamId: "t1",
      family: "CARD_PURCHASE",
      subFamily: "ATM",
      status: "COMPLETED",
      exportStatus: "NOT_EXPORTED",
      reviewStatus: "OK",
      performedAt: new Date("2026-11-01T10:00:00Z"),
      settledAt: new Date("2026-11-02T10:00:00Z"),
      bookkeepingDate: new Date("2026-11-03T00:00:00Z"),
      createdAt: new Date("2026-11-01T10:00:01Z"),
      updatedAt: new Date("2026-11-04T10:00:00Z"),
      deletedAt: null,
      transactionValue: { currency: "EUR", minors: 1000n },
      totalBillValue: { currency: "DKK", minors: 7460n },
      accountId: "a1",
      accountCode: "6100",
      taxCodeId: "tax1",
      note: "Lunch",
      supplierName: "Café Norden",
      supplier: {
        cif: "B123",
        documentNumber: "INV-1",
        documentType: "INVOICE",
        externalAccountNumber: "DK50",
        externalSupplierId: "S-9",
      },
      receiptIds: ["r1", "r2"],
      attendeeCount: 3,
      tags: [{ tagGroupId: "g1", tagId: "tag1" }],
      splitItems: [
        {
          id: "s1",
          accountId: "a2",
          accountCode: null,
          taxCodeId: "tax1",
          totalBillValue: { currency: "DKK", minors: 7460n },
          transactionValue: { currency: "EUR", minors: 1000n },
          tags: [{ tagGroupId: "g1", tagId: "tag2" }],
        },
      ],
    });
  });

  it("optional fields may be absent or null; a supplier without a name has none, no supplier is null", () => {
    const optional = [
      "employeeId",
      "teamId",
      "subFamily",
      "settledAt",
      "bookkeepingDate",
      "deletedAt",
      "totalBillValue",
      "accountId",
      "accountCode",
      "taxCodeId",
      "note",
      "supplier",
    ];
    const minimal = Object.fromEntries(Object.entries(full).filter(([k]) => !optional.includes(k)));
    const parsed = accountingEntrySchema.parse(minimal);
    for (const k of optional.filter((k) => k !== "supplier")) expect(parsed[k as keyof typeof parsed]).toBeNull();
    expect(parsed.supplier).toBeNull();
    expect(parsed.supplierName).toBeNull();
    expect(accountingEntrySchema.parse({ ...full, supplier: null }).supplier).toBeNull();
    const nameless = accountingEntrySchema.parse({ ...full, supplier: { documentNumber: "INV-2" } });
    expect(nameless.supplierName).toBeNull();
    expect(nameless.supplier).toEqual({
      cif: null,
      documentNumber: "INV-2",
      documentType: null,
      externalAccountNumber: null,
      externalSupplierId: null,
    });
    const split = accountingEntrySchema.parse({ ...full, splitItems: [{ id: "s2", tags: [] }] }).splitItems[0];
    expect(split).toEqual({
      id: "s2",
      accountId: null,
      accountCode: null,
      taxCodeId: null,
      totalBillValue: null,
      transactionValue: null,
      tags: [],
    });
  });

  it("each required field missing is refused at its path", () => {
    const required = [
      "id",
      "companyId",
      "family",
      "status",
      "exportStatus",
      "reviewStatus",
      "performedAt",
      "createdAt",
      "updatedAt",
      "transactionValue",
      "receiptIds",
      "attendees",
      "tags",
      "splitItems",
    ];
    for (const key of required) expect(refusedAt(accountingEntrySchema, without(full, key))).toEqual([key]);
    expect(refusedAt(accountingEntrySchema, { ...full, id: "" })).toEqual(["id"]);
    expect(refusedAt(accountingEntrySchema, { ...full, companyId: "" })).toEqual(["companyId"]);
    expect(refusedAt(accountingEntrySchema, { ...full, performedAt: "not a date" })).toEqual(["performedAt"]);
    expect(refusedAt(accountingEntrySchema, { ...full, tags: [{ tagGroupId: "g1" }] })).toEqual(["tags.0.tagId"]);
    expect(refusedAt(accountingEntrySchema, { ...full, tags: [{ tagId: "t" }] })).toEqual(["tags.0.tagGroupId"]);
    expect(refusedAt(accountingEntrySchema, { ...full, splitItems: [{ id: "", tags: [] }] })).toEqual([
      "splitItems.0.id",
    ]);
    expect(refusedAt(accountingEntrySchema, { ...full, splitItems: [{ id: "s" }] })).toEqual(["splitItems.0.tags"]);
  });
});

describe("the directory", () => {
  it("an employee: five required fields, code and job title optional", () => {
    const e = { id: "e1", companyId: COMPANY, email: "a@b.test", firstName: "Ada", lastName: "L", extra: 1 };
    expect(employeeSchema.parse(e)).toStrictEqual({
      id: "e1",
      companyId: COMPANY,
      email: "a@b.test",
      firstName: "Ada",
      lastName: "L",
      code: null,
      jobTitle: null,
    });
    expect(employeeSchema.parse({ ...e, code: "E1", jobTitle: "CFO" })).toMatchObject({ code: "E1", jobTitle: "CFO" });
    for (const key of ["id", "companyId", "email", "firstName", "lastName"])
      expect(refusedAt(employeeSchema, without(e, key))).toEqual([key]);
    expect(refusedAt(employeeSchema, { ...e, id: "" })).toEqual(["id"]);
    expect(refusedAt(employeeSchema, { ...e, companyId: "" })).toEqual(["companyId"]);
  });

  it("a team (the sandbox's shape)", () => {
    const t = { id: "t1", companyId: COMPANY, name: "Finance" };
    expect(teamSchema.parse(t)).toStrictEqual({ ...t, code: null });
    expect(refusedAt(teamSchema, { ...t, id: "" })).toEqual(["id"]);
    expect(refusedAt(teamSchema, { ...t, companyId: "" })).toEqual(["companyId"]);
    expect(refusedAt(teamSchema, without(t, "name"))).toEqual(["name"]);
  });

  it("an account, a tag group: archived false unless Pleo says so", () => {
    const a = { id: "a1", companyId: COMPANY, name: "Travel" };
    expect(ledgerAccountSchema.parse(a)).toStrictEqual({ ...a, code: null, externalId: null, archived: false });
    expect(ledgerAccountSchema.parse({ ...a, code: "6100", externalId: "x", archived: true })).toMatchObject({
      code: "6100",
      externalId: "x",
      archived: true,
    });
    expect(refusedAt(ledgerAccountSchema, { ...a, id: "" })).toEqual(["id"]);
    expect(refusedAt(ledgerAccountSchema, { ...a, companyId: "" })).toEqual(["companyId"]);
    const g = { id: "g1", companyId: COMPANY, name: "Project" };
    expect(tagGroupSchema.parse(g)).toStrictEqual({ ...g, code: null, archived: false });
    expect(refusedAt(tagGroupSchema, { ...g, id: "" })).toEqual(["id"]);
    expect(refusedAt(tagGroupSchema, { ...g, companyId: "" })).toEqual(["companyId"]);
  });

  it("a tag: Pleo's groupId is our tagGroupId", () => {
    const t = { id: "tag1", groupId: "g1", name: "Apollo", archived: null };
    expect(tagSchema.parse(t)).toStrictEqual({
      id: "tag1",
      tagGroupId: "g1",
      name: "Apollo",
      code: null,
      archived: false,
    });
    expect(tagSchema.parse({ ...t, code: "AP", archived: true })).toMatchObject({ code: "AP", archived: true });
    expect(refusedAt(tagSchema, { ...t, id: "" })).toEqual(["id"]);
    expect(refusedAt(tagSchema, { ...t, groupId: "" })).toEqual(["groupId"]);
  });

  it("a tax code: the rate as Pleo's number or a decimal string, kept as text", () => {
    const t = { id: "tax1", companyId: COMPANY, name: "VAT", rate: 0.25, type: "inclusive" };
    expect(taxCodeSchema.parse(t)).toStrictEqual({ ...t, rate: "0.25", code: null, archived: false });
    expect(taxCodeSchema.parse({ ...t, rate: "0.123456" }).rate).toBe("0.123456");
    expect(taxCodeSchema.parse({ ...t, rate: "-1" }).rate).toBe("-1");
    expect(taxCodeSchema.parse({ ...t, rate: "12.5" }).rate).toBe("12.5");
    for (const rate of ["25%", ".25", "0.", "0.25x", "x0.25"])
      expect(refusedAt(taxCodeSchema, { ...t, rate })).toEqual(["rate"]);
    expect(refusedAt(taxCodeSchema, { ...t, id: "" })).toEqual(["id"]);
    expect(refusedAt(taxCodeSchema, { ...t, companyId: "" })).toEqual(["companyId"]);
    expect(refusedAt(taxCodeSchema, without(t, "type"))).toEqual(["type"]);
  });
});

describe("an installation", () => {
  const inst = {
    id: "i1",
    applicationId: "app",
    resource: "urn:pleo:company:x",
    status: "ACTIVATED",
    errorCode: null,
    metadata: { syncEnabled: "true", interval: 15, nested: { a: 1 } },
    createdAt: "2026-11-01T10:00:00Z",
    updatedAt: "2026-11-02T10:00:00Z",
  };

  it("bare or in a data envelope; metadata values kept as strings (others as their JSON)", () => {
    const expected = {
      id: "i1",
      applicationId: "app",
      resource: "urn:pleo:company:x",
      status: "ACTIVATED",
      errorCode: null,
      metadata: { syncEnabled: "true", interval: "15", nested: '{"a":1}' },
      createdAt: new Date("2026-11-01T10:00:00Z"),
      updatedAt: new Date("2026-11-02T10:00:00Z"),
    };
    expect(installationSchema.parse(inst)).toStrictEqual(expected);
    expect(installationSchema.parse({ data: inst })).toStrictEqual(expected);
  });

  it("only id and status are required", () => {
    expect(installationSchema.parse({ id: "i1", status: "PENDING_INTEGRATION" })).toStrictEqual({
      id: "i1",
      applicationId: null,
      resource: null,
      status: "PENDING_INTEGRATION",
      errorCode: null,
      metadata: null,
      createdAt: null,
      updatedAt: null,
    });
    expect(refusedAt(installationSchema, { ...inst, id: "" })).toEqual(["id"]);
    expect(refusedAt(installationSchema, { ...inst, status: "" })).toEqual(["status"]);
    expect(refusedAt(installationSchema, null).length).toBeGreaterThan(0);
    // A body that is not an object is refused, not a crash.
    expect(refusedAt(installationSchema, "ACTIVATED").length).toBeGreaterThan(0);
    expect(refusedAt(installationSchema, { data: null }).length).toBeGreaterThan(0);
  });
});

describe("a receipt", () => {
  const r = {
    id: "r1",
    accountingEntryId: ENTRY,
    createdAt: "2026-11-01T10:00:00Z",
    fileType: "PDF",
    mimeType: "application/pdf",
    sizeInBytes: 2048,
    source: "EMAIL",
    url: "https://files.example.test/r1.pdf",
    ocrDocumentId: "ignored",
  };

  it("every field but the OCR id, the entry as entryId", () => {
    expect(receiptSchema.parse(r)).toStrictEqual({
      id: "r1",
      entryId: ENTRY,
      createdAt: new Date("2026-11-01T10:00:00Z"),
      fileType: "PDF",
      mimeType: "application/pdf",
      sizeInBytes: 2048,
      source: "EMAIL",
      url: "https://files.example.test/r1.pdf",
    });
  });

  it("refuses what it cannot use: no id or entry, a size that is not a whole non-negative number, a URL that is not one", () => {
    expect(refusedAt(receiptSchema, { ...r, id: "" })).toEqual(["id"]);
    expect(refusedAt(receiptSchema, { ...r, accountingEntryId: "" })).toEqual(["accountingEntryId"]);
    expect(refusedAt(receiptSchema, { ...r, sizeInBytes: -1 })).toEqual(["sizeInBytes"]);
    expect(refusedAt(receiptSchema, { ...r, sizeInBytes: 1.5 })).toEqual(["sizeInBytes"]);
    expect(receiptSchema.parse({ ...r, sizeInBytes: 0 }).sizeInBytes).toBe(0);
    expect(refusedAt(receiptSchema, { ...r, url: "not a url" })).toEqual(["url"]);
    for (const key of ["fileType", "mimeType", "source", "createdAt"])
      expect(refusedAt(receiptSchema, without(r, key))).toEqual([key]);
  });
});
