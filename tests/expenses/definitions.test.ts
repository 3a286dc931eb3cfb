import { describe, expect, it } from "vitest";
import {
  FAMILIES,
  NON_SPEND_STATUSES,
  RECEIPT_FAMILIES,
  REVIEW_STATUSES,
  SPEND_FAMILIES,
  STATUSES,
  UNKNOWN_ACCOUNT_ID,
  categoryLabel,
  employeeName,
  familyLabel,
  humanize,
  isMissingReceipt,
  isSpend,
  isWaitingForReview,
  pleoAppEntryUrl,
  supplierLabel,
  taxCodeLabel,
  teamLabel,
} from "@/lib/expenses/definitions";
import * as sandboxModel from "@/sandbox/model";

// What the dashboard counts and how it names things (lib/expenses/definitions.ts). The enum lists are
// compared with the sandbox's, a second copy of Pleo's Accounting Entries spec written on its own, so
// a misspelt value in either shows.

describe("Pleo's values", () => {
  it("families, statuses and review statuses are the spec's, as the sandbox spells them too", () => {
    const sorted = (xs: readonly string[]) => [...xs].sort();
    expect(sorted(FAMILIES)).toEqual(sorted(sandboxModel.FAMILIES));
    expect(sorted(STATUSES)).toEqual(sorted(sandboxModel.STATUSES));
    expect(sorted(REVIEW_STATUSES)).toEqual(sorted(sandboxModel.REVIEW_STATUSES));
  });

  it("Pleo's \"I don't know\" account is the nil UUID, as the sandbox sends it", () => {
    expect(UNKNOWN_ACCOUNT_ID).toBe(sandboxModel.UNKNOWN_ID);
    expect(UNKNOWN_ACCOUNT_ID).toMatch(/^[0-]{36}$/);
  });

  it("the filter lists families with purchases first", () => {
    expect(FAMILIES.slice(0, 3)).toEqual(["CARD_PURCHASE", "OUT_OF_POCKET", "BILL_INVOICE"]);
    expect(FAMILIES.at(-1)).toBe("BILL_INVOICE_PAYMENT");
  });

  it("spend excludes top-ups, settlements and wallet bookkeeping; receipts are asked for purchases only", () => {
    expect([...SPEND_FAMILIES].sort()).toEqual(
      [
        "BILL_INVOICE",
        "CARD_PURCHASE",
        "CASHBACK",
        "CREDIT_NOTE",
        "MILEAGE",
        "OUT_OF_POCKET",
        "PER_DIEM",
        "PLEO_INVOICE",
      ].sort(),
    );
    expect([...RECEIPT_FAMILIES].sort()).toEqual(["BILL_INVOICE", "CARD_PURCHASE", "OUT_OF_POCKET"]);
    expect(NON_SPEND_STATUSES).toEqual(["CANCELLED", "REJECTED"]);
  });
});

describe("what counts", () => {
  it("isSpend: a spend family, not cancelled or rejected, not deleted", () => {
    expect(isSpend({ family: "CARD_PURCHASE", status: "COMPLETED" })).toBe(true);
    expect(isSpend({ family: "CREDIT_NOTE", status: "PENDING", deletedAt: null })).toBe(true);
    expect(isSpend({ family: "WALLET", status: "COMPLETED" })).toBe(false);
    expect(isSpend({ family: "REIMBURSEMENT", status: "COMPLETED" })).toBe(false);
    expect(isSpend({ family: "CARD_PURCHASE", status: "CANCELLED" })).toBe(false);
    expect(isSpend({ family: "CARD_PURCHASE", status: "REJECTED" })).toBe(false);
    expect(isSpend({ family: "CARD_PURCHASE", status: "COMPLETED", deletedAt: new Date() })).toBe(false);
    expect(isSpend({ family: "SOMETHING_NEW", status: "COMPLETED" })).toBe(false);
  });

  it("isWaitingForReview: every WAITING_FOR_ status, nothing else", () => {
    const waiting = REVIEW_STATUSES.filter(isWaitingForReview);
    expect(waiting).toEqual([
      "WAITING_FOR_EXPENSE_OWNER",
      "WAITING_FOR_REVIEWER",
      "WAITING_FOR_COMPANY_REVIEWER",
      "WAITING_FOR_TEAM_REVIEWER",
      "WAITING_FOR_TAG_REVIEWER",
    ]);
    expect(isWaitingForReview("NOT_WAITING_FOR_ANYONE")).toBe(false);
  });

  it("isMissingReceipt: no receipt on an entry of a family that asks for one", () => {
    expect(isMissingReceipt({ family: "CARD_PURCHASE", receiptCount: 0 })).toBe(true);
    expect(isMissingReceipt({ family: "CARD_PURCHASE", receiptCount: 1 })).toBe(false);
    expect(isMissingReceipt({ family: "MILEAGE", receiptCount: 0 })).toBe(false);
  });
});

describe("labels", () => {
  it("families read as words; a family Pleo adds later reads as its humanised code", () => {
    expect(familyLabel("CARD_PURCHASE")).toBe("Card purchase");
    expect(familyLabel("BILL_INVOICE")).toBe("Invoice");
    expect(familyLabel("BILL_INVOICE_PAYMENT")).toBe("Invoice payment");
    expect(familyLabel("GIFT_CARD")).toBe("Gift card");
    // An inherited member of the table is not a family.
    expect(familyLabel("constructor")).toBe("Constructor");
    expect(familyLabel("toString")).toBe("Tostring");
  });

  it("humanize: lower case, words, a capital first letter", () => {
    expect(humanize("COMPLETED_EXTERNALLY")).toBe("Completed externally");
    expect(humanize("OK")).toBe("Ok");
    expect(humanize("")).toBe("");
  });

  it("names: employees by first and last name, accounts with their code when they have one", () => {
    expect(employeeName({ firstName: "Ada", lastName: "Lovelace" })).toBe("Ada Lovelace");
    expect(categoryLabel({ code: "6100", name: "Travel" })).toBe("6100 Travel");
    expect(categoryLabel({ code: null, name: "Travel" })).toBe("Travel");
    expect(categoryLabel({ code: "", name: "Travel" })).toBe("Travel");
  });

  it("a team reads as its name, else its id's start and up to two members, then how many more", () => {
    const id = "1a2b3c4d-0000-4000-8000-000000000001";
    expect(teamLabel({ id, name: "Finance" }, ["Ada Lovelace"])).toBe("Finance");
    expect(teamLabel({ id, name: null }, [])).toBe("Team 1a2b3c4d");
    expect(teamLabel({ id, name: "" }, ["Ada Lovelace"])).toBe("Team 1a2b3c4d · Ada Lovelace");
    expect(teamLabel({ id, name: null }, ["Ada Lovelace", "Bo Zed"])).toBe("Team 1a2b3c4d · Ada Lovelace, Bo Zed");
    expect(teamLabel({ id, name: null }, ["A B", "C D", "E F"])).toBe("Team 1a2b3c4d · A B, C D +1");
    expect(teamLabel({ id, name: null }, ["A B", "C D", "E F", "G H", "I J"])).toBe("Team 1a2b3c4d · A B, C D +3");
  });

  it("a supplier reads as its name, else its document number and supplier id, else nothing", () => {
    expect(supplierLabel("Café Norden", { documentNumber: "INV-1" })).toBe("Café Norden");
    expect(supplierLabel(null, { documentNumber: "INV-1", externalSupplierId: "S-9" })).toBe(
      "Document INV-1 · Supplier S-9",
    );
    expect(supplierLabel(null, { documentNumber: "INV-1" })).toBe("Document INV-1");
    expect(supplierLabel("", { externalSupplierId: "S-9", cif: "B123" })).toBe("Supplier S-9");
    expect(supplierLabel(null, { cif: "B123", documentNumber: "", externalSupplierId: null })).toBeNull();
    expect(supplierLabel(null, null)).toBeNull();
  });

  it("a tax code reads as its name, its rate in per cent (Pleo sends a fraction) and its code", () => {
    expect(taxCodeLabel({ name: "VAT", rate: "0.25", code: "VAT25" })).toBe("VAT · 25% (VAT25)");
    expect(taxCodeLabel({ name: "Reduced", rate: "0.125000", code: null })).toBe("Reduced · 12.5%");
    expect(taxCodeLabel({ name: "Odd", rate: "0.123456789", code: "" })).toBe("Odd · 12.3457%");
    expect(taxCodeLabel({ name: "Exempt", rate: "0", code: null })).toBe("Exempt · 0%");
    // A rate that is not a number is shown as Pleo sent it.
    expect(taxCodeLabel({ name: "Unknown", rate: "n/a", code: null })).toBe("Unknown · n/a");
  });

  it("an entry links into Pleo's web app by its id", () => {
    expect(pleoAppEntryUrl("00000000-0000-4000-8000-000000000001")).toBe(
      "https://app.pleo.io/expenses/00000000-0000-4000-8000-000000000001",
    );
  });
});
