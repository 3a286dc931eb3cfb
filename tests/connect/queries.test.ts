/**
 * The viewer's reads (lib/connections/queries.ts) on their own, against a real PGlite: the tenant
 * boundary every page and action relies on. One user owns four companies, three in their session's
 * scope and one outside it; another user owns a fifth, which a forged scope lists too. Two companies
 * share a name (the company id breaks the tie) and rows are written in an order that is neither the
 * name's nor the id's, so a lost ordering shows. Scopes and parameters carry upper-case and malformed
 * ids. Every SQL statement is counted: a malformed id, an empty scope or an empty list never becomes a
 * query (lib/ids.ts).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { setDatabaseForProcess } from "@/lib/db";
import { createDatabase, openPGlite, type Database } from "@/lib/db/connect";
import { migratePGlite } from "@/lib/db/migrate";
import {
  countConnectionsOutsideScope,
  endedCompanyNamed,
  getConnectionForViewer,
  listConnectionsForViewer,
  listEndedCompaniesForViewer,
  selectCompanyForViewer,
  type ConnectionSummary,
  type Viewer,
} from "@/lib/connections/queries";
import type { ConnectionStatus } from "@/lib/pleo/types";

// Ids in one order, names in another, rows written in a third (A, C, B, O, W).
const A = "7c1d0b7e-3f2a-4d8e-9a41-0000000000a1"; // "Nordlys", in scope
const B = "7c1d0b7e-3f2a-4d8e-9a41-0000000000b2"; // "Brightwave", in scope
const C = "7c1d0b7e-3f2a-4d8e-9a41-0000000000c3"; // "Brightwave" too, in scope
const O = "7c1d0b7e-3f2a-4d8e-9a41-0000000000d4"; // "Outside": the user's own, outside the session's scope
const W = "7c1d0b7e-3f2a-4d8e-9a41-0000000000e5"; // "Aardvark": another user's
const JUNK = "not-a-company-id";

type Row = {
  companyId: string;
  userId: () => string;
  name: string;
  currency: string | null;
  status: ConnectionStatus;
  statusReason: string | null;
  scopes: string[];
  connectedAt: Date;
  installationStatus: string | null;
};

describe("the viewer's connections (lib/connections/queries.ts)", () => {
  let database: Database;
  let sent: string[] = [];
  let owner = "";
  let other = "";
  let ownerSession = "";
  let otherSession = "";
  const rows: Row[] = [
    row(A, () => owner, "Nordlys", "DKK", "CONNECTED", null, ["expenses:read"], "2026-01-05", "ACTIVE"),
    row(C, () => owner, "Brightwave", "EUR", "CONNECTED", null, ["expenses:read", "receipts:read"], "2026-02-01", null),
    row(B, () => owner, "Brightwave", null, "NEEDS_REAUTH", "refresh_rejected", [], "2026-03-09", "INACTIVE"),
    row(O, () => owner, "Outside", "SEK", "NEEDS_REAUTH", "revoked", ["expenses:read"], "2026-04-10", null),
    row(W, () => other, "Aardvark", "DKK", "CONNECTED", null, ["expenses:read"], "2026-05-01", "ACTIVE"),
  ];
  const summary = (companyId: string): ConnectionSummary => {
    const r = rows.find((x) => x.companyId === companyId)!;
    const connectionId = `conn-${companyId.slice(-2)}`;
    return {
      id: connectionId,
      companyId,
      companyName: r.name,
      currency: r.currency,
      status: r.status,
      statusReason: r.statusReason,
      scopes: r.scopes,
      connectedAt: r.connectedAt,
      installationStatus: r.installationStatus,
    };
  };
  /** The owner's session viewer: A, B (upper-case), C, a malformed id, and another user's company W. */
  const viewer = (extra: Partial<Viewer> = {}): Viewer => ({
    userId: owner,
    companyIds: [A, B.toUpperCase(), JUNK, C, W],
    ...extra,
  });
  /** The tables read since the last call (a relation is a statement of its own), sorted. */
  const queries = () => {
    const tables = new Set(sent.flatMap((sql) => [...sql.matchAll(/FROM "public"\."(\w+)"/g)].map((m) => m[1])));
    if (tables.size === 0 && sent.length > 0) throw new Error(`unexpected statements: ${sent.join("; ")}`);
    sent = [];
    return [...tables].sort();
  };

  beforeAll(async () => {
    const pglite = openPGlite(null);
    await migratePGlite(pglite);
    database = createDatabase({ kind: "pglite", dir: null }, pglite, { onQuery: (sql) => sent.push(sql) });
    setDatabaseForProcess(database);
    const prisma = database.prisma;
    owner = (await prisma.user.create({ data: { email: "owner@portal.test" } })).id;
    other = (await prisma.user.create({ data: { email: "other@portal.test" } })).id;
    for (const r of rows) {
      const userId = r.userId();
      await prisma.pleoCompany.create({ data: { id: r.companyId, name: r.name, currency: r.currency } });
      const account = await prisma.account.create({
        data: { userId, type: "oauth", provider: "pleo", providerAccountId: r.companyId },
      });
      await prisma.pleoConnection.create({
        data: {
          id: `conn-${r.companyId.slice(-2)}`,
          userId,
          accountId: account.id,
          companyId: r.companyId,
          status: r.status,
          statusReason: r.statusReason,
          scopes: r.scopes,
          connectedAt: r.connectedAt,
          installationStatus: r.installationStatus,
          accessTokenEnc: "v1.sealed-access",
          refreshTokenEnc: "v1.sealed-refresh",
          accessTokenExpiresAt: new Date("2026-06-01T00:00:00Z"),
          refreshTokenIssuedAt: new Date("2026-01-01T00:00:00Z"),
        },
      });
    }
    const expires = new Date(Date.now() + 3_600_000);
    // The owner's session lost O, C and B at Pleo (one upper-case, plus junk and two that must not show:
    // A is back in scope, W is another user's).
    ownerSession = (
      await prisma.session.create({
        data: {
          sessionToken: "owner-session-hash",
          userId: owner,
          expires,
          companyIds: [A],
          endedCompanyIds: [O, JUNK, C.toUpperCase(), A, W, B],
        },
      })
    ).id;
    // Another user's session that names the owner's company O: never read for the owner.
    otherSession = (
      await prisma.session.create({
        data: { sessionToken: "other-session-hash", userId: other, expires, companyIds: [W], endedCompanyIds: [O] },
      })
    ).id;
  });
  afterAll(async () => {
    setDatabaseForProcess(undefined);
    await database?.close();
  });
  beforeEach(() => {
    sent = [];
  });

  describe("listConnectionsForViewer", () => {
    it("lists the owner's in-scope companies by name, then id, with every summary field and no tokens", async () => {
      const list = await listConnectionsForViewer(viewer());
      expect(list).toEqual([summary(B), summary(C), summary(A)]);
      expect(JSON.stringify(list)).not.toContain("sealed");
      expect(queries()).toEqual(["PleoCompany", "PleoConnection"]);
    });

    it("reads nothing for an empty scope or one of malformed ids only", async () => {
      expect(await listConnectionsForViewer(viewer({ companyIds: [] }))).toEqual([]);
      expect(await listConnectionsForViewer(viewer({ companyIds: [JUNK, ""] }))).toEqual([]);
      expect(queries()).toEqual([]);
    });

    it("shows one company's row to its owner only, whatever the scope claims", async () => {
      expect(await listConnectionsForViewer({ userId: other, companyIds: [A, W.toUpperCase()] })).toEqual([summary(W)]);
      expect(await listConnectionsForViewer({ userId: owner, companyIds: [W] })).toEqual([]);
      expect(await listConnectionsForViewer({ userId: "no-such-user", companyIds: [A, B, C, O, W] })).toEqual([]);
    });
  });

  describe("getConnectionForViewer (the ownership check)", () => {
    it("returns the owner's in-scope company, whatever the case of the id or of the scope", async () => {
      expect(await getConnectionForViewer(viewer(), A)).toEqual(summary(A));
      expect(await getConnectionForViewer(viewer(), A.toUpperCase())).toEqual(summary(A));
      expect(await getConnectionForViewer(viewer(), B)).toEqual(summary(B)); // listed upper-case in the scope
      expect(await getConnectionForViewer(viewer(), C)).toEqual(summary(C));
      expect(queries()).toEqual(["PleoCompany", "PleoConnection"]);
    });

    it("refuses the owner's own company when the session's scope excludes it, without a query", async () => {
      expect(await getConnectionForViewer(viewer(), O)).toBeNull();
      expect(await getConnectionForViewer(viewer({ companyIds: [] }), A)).toBeNull();
      expect(queries()).toEqual([]);
      // The same company once in scope: it was the scope that refused.
      expect(await getConnectionForViewer(viewer({ companyIds: [O] }), O)).toEqual(summary(O));
    });

    it("refuses another user's company even when a scope lists it", async () => {
      expect(await getConnectionForViewer(viewer(), W)).toBeNull();
      expect(await getConnectionForViewer(viewer(), W.toUpperCase())).toBeNull();
      expect(await getConnectionForViewer({ userId: other, companyIds: [A, W] }, A)).toBeNull();
      expect(await getConnectionForViewer({ userId: other, companyIds: [A, W] }, W)).toEqual(summary(W));
    });

    it("answers a malformed id with null, never a query", async () => {
      for (const id of [JUNK, "", `${A} `, `${A}x`, A.replace(/-/g, "")]) {
        expect(await getConnectionForViewer(viewer({ companyIds: [A, JUNK, "", `${A} `] }), id)).toBeNull();
      }
      expect(queries()).toEqual([]);
    });
  });

  describe("countConnectionsOutsideScope", () => {
    it("counts the owner's companies outside the scope; malformed and upper-case scope ids do no harm", async () => {
      expect(await countConnectionsOutsideScope(viewer())).toBe(1); // O
      expect(await countConnectionsOutsideScope(viewer({ companyIds: [A.toUpperCase(), JUNK] }))).toBe(3);
      expect(await countConnectionsOutsideScope(viewer({ companyIds: [] }))).toBe(4);
      expect(await countConnectionsOutsideScope(viewer({ companyIds: [A, B, C, O] }))).toBe(0);
    });

    it("never counts another user's companies", async () => {
      expect(await countConnectionsOutsideScope({ userId: other, companyIds: [] })).toBe(1);
      expect(await countConnectionsOutsideScope({ userId: other, companyIds: [W] })).toBe(0);
      expect(await countConnectionsOutsideScope({ userId: "no-such-user", companyIds: [] })).toBe(0);
    });
  });

  describe("selectCompanyForViewer", () => {
    it("shows the first company without a parameter, and keeps the parameter when there is a choice", async () => {
      for (const param of [undefined, null, "", "   ", []]) {
        expect(await selectCompanyForViewer(viewer(), param)).toEqual({
          connections: [summary(B), summary(C), summary(A)],
          connection: summary(B),
          companyParam: B,
        });
      }
    });

    it("shows the company the parameter names: trimmed, any case, the first of several", async () => {
      const list = [summary(B), summary(C), summary(A)];
      expect(await selectCompanyForViewer(viewer(), C)).toEqual({
        connections: list,
        connection: summary(C),
        companyParam: C,
      });
      expect(await selectCompanyForViewer(viewer(), `  ${A.toUpperCase()}\n`)).toEqual({
        connections: list,
        connection: summary(A),
        companyParam: A,
      });
      expect(await selectCompanyForViewer(viewer(), [A, C])).toEqual({
        connections: list,
        connection: summary(A),
        companyParam: A,
      });
    });

    it("answers null for a company the viewer may not see: out of scope, another user's, malformed", async () => {
      for (const param of [O, W, W.toUpperCase(), JUNK, [W, A]]) {
        expect(await selectCompanyForViewer(viewer(), param)).toBeNull();
      }
      expect(await selectCompanyForViewer(viewer({ companyIds: [] }), A)).toBeNull();
    });

    it("drops the parameter when the viewer sees one company, and shows none when they see none", async () => {
      const one = viewer({ companyIds: [C.toUpperCase()] });
      expect(await selectCompanyForViewer(one, undefined)).toEqual({
        connections: [summary(C)],
        connection: summary(C),
        companyParam: undefined,
      });
      expect(await selectCompanyForViewer(one, C)).toEqual({
        connections: [summary(C)],
        connection: summary(C),
        companyParam: undefined,
      });
      expect(await selectCompanyForViewer(viewer({ companyIds: [W] }), undefined)).toEqual({
        connections: [],
        connection: null,
        companyParam: undefined,
      });
    });
  });

  describe("listEndedCompaniesForViewer", () => {
    const ended = (companyId: string) => {
      const r = rows.find((x) => x.companyId === companyId)!;
      return { companyId, companyName: r.name, status: r.status };
    };

    it("reads the session's ended companies: the owner's, out of scope, by name then id", async () => {
      expect(await listEndedCompaniesForViewer(viewer({ companyIds: [A], sessionId: ownerSession }))).toEqual([
        ended(B),
        ended(C),
        ended(O),
      ]);
      expect(queries()).toEqual(["PleoCompany", "PleoConnection", "Session"]);
    });

    it("orders by name, not by id: with nothing in scope, Nordlys (the lowest id) comes after both Brightwaves", async () => {
      expect(await listEndedCompaniesForViewer(viewer({ companyIds: [], sessionId: ownerSession }))).toEqual([
        ended(B),
        ended(C),
        ended(A),
        ended(O),
      ]);
    });

    it("leaves out companies back in scope, and reads no connections when none is left", async () => {
      expect(
        await listEndedCompaniesForViewer(viewer({ companyIds: [A, B, C.toUpperCase()], sessionId: ownerSession })),
      ).toEqual([ended(O)]);
      queries();
      expect(
        await listEndedCompaniesForViewer(viewer({ companyIds: [A, B, C, O, W], sessionId: ownerSession })),
      ).toEqual([]);
      expect(queries()).toEqual(["Session"]); // no connections read
    });

    it("uses the ended list the caller already read instead of reading the session", async () => {
      const v = viewer({ companyIds: [A], sessionId: ownerSession, endedCompanyIds: [O.toUpperCase(), JUNK, A] });
      expect(await listEndedCompaniesForViewer(v)).toEqual([ended(O)]);
      expect(queries()).toEqual(["PleoCompany", "PleoConnection"]); // no session read
      expect(await listEndedCompaniesForViewer({ ...v, endedCompanyIds: [] })).toEqual([]);
      expect(await listEndedCompaniesForViewer({ ...v, endedCompanyIds: [JUNK, A] })).toEqual([]);
      expect(queries()).toEqual([]);
    });

    it("reads nothing without a session; another user's or an unknown session gives nothing", async () => {
      expect(await listEndedCompaniesForViewer(viewer())).toEqual([]);
      expect(await listEndedCompaniesForViewer(viewer({ sessionId: null, endedCompanyIds: [O] }))).toEqual([]);
      expect(queries()).toEqual([]);
      // otherSession lists O, which the owner does own: still not the owner's session.
      expect(await listEndedCompaniesForViewer(viewer({ companyIds: [A], sessionId: otherSession }))).toEqual([]);
      expect(await listEndedCompaniesForViewer(viewer({ companyIds: [A], sessionId: "no-such-session" }))).toEqual([]);
      // And another user's companies never show, even from a list that names them.
      expect(await listEndedCompaniesForViewer({ userId: other, companyIds: [], sessionId: otherSession })).toEqual([]);
      expect(
        await listEndedCompaniesForViewer({ userId: other, companyIds: [], sessionId: "x", endedCompanyIds: [W] }),
      ).toEqual([ended(W)]);
    });
  });

  describe("endedCompanyNamed", () => {
    const named = (param: string | string[] | null | undefined) =>
      endedCompanyNamed(viewer({ companyIds: [A], sessionId: ownerSession }), param);

    it("finds the ended company a parameter names: trimmed, any case, the first of several", async () => {
      const o = { companyId: O, companyName: "Outside", status: "NEEDS_REAUTH" };
      expect(await named(O)).toEqual(o);
      expect(await named(` ${O.toUpperCase()} `)).toEqual(o);
      expect(await named([O, B])).toEqual(o);
      expect(await named([B, O])).toEqual({ companyId: B, companyName: "Brightwave", status: "NEEDS_REAUTH" });
    });

    it("answers null for a company that did not end in this session or is not the owner's", async () => {
      expect(await named(A)).toBeNull(); // in scope
      expect(await named(W)).toBeNull(); // another user's
      expect(await named([A, O])).toBeNull();
    });

    it("answers null without a query when there is no id or a malformed one", async () => {
      for (const param of [undefined, null, "", "  ", [], JUNK, `${O}x`]) {
        expect(await named(param)).toBeNull();
      }
      expect(queries()).toEqual([]);
    });
  });
});

function row(
  companyId: string,
  userId: () => string,
  name: string,
  currency: string | null,
  status: ConnectionStatus,
  statusReason: string | null,
  scopes: string[],
  day: string,
  installationStatus: string | null,
): Row {
  return {
    companyId,
    userId,
    name,
    currency,
    status,
    statusReason,
    scopes,
    connectedAt: new Date(`${day}T09:30:00Z`),
    installationStatus,
  };
}
