/**
 * Deterministic seed generator: the same seed, entry count and anchor time always produce the same
 * companies, employees, accounts, tags and accounting entries.
 */
import {
  ACCOUNT_UNKNOWN,
  type Account,
  type CompanyData,
  type Employee,
  type EntryRec,
  type ExportStatus,
  type Family,
  type ReviewStatus,
  type SplitRec,
  type Status,
  type SubFamily,
  type Tag,
  type TagGroup,
  type TaxCode,
  type Team,
} from "../model";
import { deriveSeed, int, mulberry32, pick, type Rng, uuid, weightedIndex } from "../rng";
import {
  ACCOUNTS,
  EUR_PER_UNIT,
  FIRST_NAMES,
  JOB_TITLES,
  LAST_NAMES,
  NOTES,
  SUPPLIERS,
  TAG_GROUPS,
  TAX_CODES,
  TEAM_NAMES,
  type AccountKey,
} from "./catalog";
import { CURRENCY_EXPONENT, type CompanyFixture, type Currency } from "./fixtures";

const DAY = 86_400_000;
const HISTORY_DAYS = 548; // ~18 months

/** Everything needed to create further entries for a company (seed and control API "activity"). */
export interface GenContext {
  data: CompanyData;
  cardSuppliers: number[];
  cardWeights: number[];
  cardTotal: number;
  invoiceSuppliers: number[];
  accountByKey: Map<AccountKey, number>;
  /** Non-archived tag indexes per tag group. */
  tagsByGroup: number[][];
}

const FAMILY_WEIGHTS: [Family, number][] = [
  ["CARD_PURCHASE", 76],
  ["OUT_OF_POCKET", 7],
  ["BILL_INVOICE", 5],
  ["MILEAGE", 2.5],
  ["PER_DIEM", 2],
  ["REIMBURSEMENT", 1.5],
  ["CREDIT_NOTE", 1],
  ["CASHBACK", 1],
  ["WALLET", 1.5],
  ["PLEO_INVOICE", 0.5],
];
const FAMILY_W = FAMILY_WEIGHTS.map(([, w]) => w);

function toMinors(major: number, currency: Currency): number {
  return Math.round(major * 10 ** CURRENCY_EXPONENT[currency]);
}

/** Convert minor units between currencies at a realistic rate with a little day-to-day jitter. */
export function convertMinors(rng: Rng, minors: number, from: Currency, to: Currency): number {
  if (from === to) return minors;
  const major = minors / 10 ** CURRENCY_EXPONENT[from];
  const rate = (EUR_PER_UNIT[from] / EUR_PER_UNIT[to]) * (1 + (rng() - 0.5) * 0.02);
  // Card schemes add a small foreign-exchange fee to the wallet amount.
  return toMinors(major * rate * 1.01, to);
}

function logUniform(rng: Rng, min: number, max: number): number {
  return Math.exp(Math.log(min) + rng() * (Math.log(max) - Math.log(min)));
}

export function generateCompany(fixture: CompanyFixture, seed: number, entryCount: number, now: number): GenContext {
  const rng = mulberry32(deriveSeed(seed, `company:${fixture.id}`));
  const large = fixture.size === "large";
  const companyId = fixture.id;
  const setupTime = now - (HISTORY_DAYS + 30) * DAY;

  const teams: Team[] = TEAM_NAMES.slice(0, large ? 6 : 3).map((name, i) => ({
    id: uuid(rng),
    companyId,
    name,
    code: `T${100 + i * 10}`,
  }));

  const firstNames = FIRST_NAMES[fixture.currency];
  const lastNames = LAST_NAMES[fixture.currency];
  const employeeCount = large ? 40 : 12;
  const employees: Employee[] = [];
  const usedEmails = new Set<string>();
  for (let i = 0; i < employeeCount; i++) {
    const firstName = pick(rng, firstNames);
    const lastName = pick(rng, lastNames);
    let local = `${firstName}.${lastName}`
      .toLowerCase()
      .normalize("NFD")
      .replace(/[^a-z.]/g, "");
    if (usedEmails.has(local)) local = `${local}${i}`;
    usedEmails.add(local);
    employees.push({
      id: uuid(rng),
      companyId,
      email: `${local}@${fixture.emailDomain}`,
      firstName,
      lastName,
      code: `E${1001 + i}`,
      jobTitle: pick(rng, JOB_TITLES),
      phone: `+${fixture.currency === "DKK" ? "45" : fixture.currency === "GBP" ? "44" : "31"} ${int(rng, 20, 99)} ${int(rng, 10, 99)} ${int(rng, 10, 99)} ${int(rng, 10, 99)}`,
      team: i % teams.length,
    });
  }

  const taxCodes: TaxCode[] = TAX_CODES.map((t) => ({
    id: uuid(rng),
    code: t.code,
    name: t.name,
    rate: t.rate,
    type: t.type,
  }));
  const accounts: Account[] = ACCOUNTS.map((a) => ({
    id: uuid(rng),
    companyId,
    code: a.code,
    name: a.name,
    externalId: `ext-${a.code}`,
    archived: "archived" in a ? a.archived : false,
    taxCodeExternalId: a.key === "fees" ? "VAT0" : "VAT25",
  }));
  const accountByKey = new Map<AccountKey, number>(ACCOUNTS.map((a, i) => [a.key, i]));

  const tagGroups: TagGroup[] = [];
  const tags: Tag[] = [];
  TAG_GROUPS.slice(0, large ? 3 : 2).forEach((g, gi) => {
    const group: TagGroup = {
      id: uuid(rng),
      companyId,
      code: g.code,
      name: g.name,
      archived: false,
      createdAt: setupTime,
      updatedAt: setupTime,
    };
    tagGroups.push(group);
    g.tags.forEach((name, ti) => {
      tags.push({
        id: uuid(rng),
        groupId: group.id,
        group: gi,
        code: `${g.code}-${String(ti + 1).padStart(3, "0")}`,
        name,
        // One archived tag per group exercises include_archived.
        archived: ti === g.tags.length - 1,
        createdAt: setupTime,
        updatedAt: setupTime,
      });
    });
  });

  const cardSuppliers: number[] = [];
  const cardWeights: number[] = [];
  const invoiceSuppliers: number[] = [];
  SUPPLIERS.forEach((s, i) => {
    if (s.invoice) {
      if (s.currency === fixture.currency || s.currency === "EUR") invoiceSuppliers.push(i);
      return;
    }
    cardSuppliers.push(i);
    // Local suppliers dominate; Danish shops rarely appear in a British company and vice versa.
    const local = s.currency === fixture.currency;
    const software = s.account === "software" || s.account === "marketing";
    cardWeights.push(s.weight * (local ? 6 : software ? 1.5 : 0.25));
  });

  const data: CompanyData = {
    fixture,
    employees,
    teams,
    accounts,
    tagGroups,
    tags,
    taxCodes,
    entries: [],
    byId: new Map(),
  };
  const ctx: GenContext = {
    data,
    cardSuppliers,
    cardWeights,
    cardTotal: cardWeights.reduce((a, b) => a + b, 0),
    invoiceSuppliers,
    accountByKey,
    tagsByGroup: tagGroups.map((_, gi) =>
      tags.map((t, ti) => (t.group === gi && !t.archived ? ti : -1)).filter((ti) => ti >= 0),
    ),
  };

  const start = now - HISTORY_DAYS * DAY;
  const span = now - 60_000 - start;
  for (let i = 0; i < entryCount; i++) {
    const u = rng();
    // Half uniform, half skewed towards recent months: the business grows over the 18 months.
    const f = rng() < 0.5 ? u : Math.sqrt(u);
    const performedAt = Math.floor((start + f * span) / 1000) * 1000;
    const e = makeEntry(ctx, rng, performedAt, now);
    // A small share of entries were deleted since.
    if (rng() < 0.015) {
      const del = Math.min(now, e.updatedAt + int(rng, 1, 20) * 3_600_000);
      e.deletedAt = del;
      e.updatedAt = del;
    }
    data.byId.set(e.id, data.entries.length);
    data.entries.push(e);
  }
  return ctx;
}

function pickReviewStatus(rng: Rng, recent: boolean): ReviewStatus {
  const r = rng();
  if (recent && r < 0.15) return "WAITING_FOR_REVIEWER";
  if (r < 0.55) return "NOT_REQUIRED";
  if (r < 0.75) return "OK";
  if (r < 0.87) return "NOT_SET";
  if (r < 0.92) return "WAITING_FOR_REVIEWER";
  if (r < 0.95) return "WAITING_FOR_EXPENSE_OWNER";
  if (r < 0.97) return "WAITING_FOR_TEAM_REVIEWER";
  return "NOT_OK";
}

function pickExportStatus(rng: Rng, ageDays: number, status: Status): ExportStatus {
  if (status === "CANCELLED" || status === "REJECTED") return "NOT_CREATED";
  if (status !== "COMPLETED") return "NOT_EXPORTED";
  const r = rng();
  if (ageDays > 40) return r < 0.92 ? "EXPORTED" : "NOT_EXPORTED";
  if (ageDays > 10) return r < 0.5 ? "EXPORTED" : r < 0.6 ? "QUEUED" : "NOT_EXPORTED";
  return r < 0.9 ? "NOT_EXPORTED" : r < 0.95 ? "QUEUED" : "EXPORTING";
}

/**
 * Create one realistic entry performed at `performedAt`; every derived timestamp stays <= now.
 */
export function makeEntry(ctx: GenContext, rng: Rng, performedAt: number, now: number): EntryRec {
  const { data } = ctx;
  const wallet = data.fixture.currency;
  const family = FAMILY_WEIGHTS[weightedIndex(rng, FAMILY_W)][0];
  const ageDays = (now - performedAt) / DAY;
  const clampNow = (t: number) => Math.min(now, t);

  let subFamily: SubFamily | null = null;
  let supplier = -1;
  let accountKey: AccountKey | null = null;
  let txCurrency: Currency = wallet;
  let txMajor = 0;
  let sign = 1;
  let note: string | null = null;
  let status: Status = "COMPLETED";
  let settleDelayDays = 0;
  let hasEmployee = true;
  let receiptCount = 1;

  switch (family) {
    case "CARD_PURCHASE": {
      supplier = ctx.cardSuppliers[weightedIndex(rng, ctx.cardWeights, ctx.cardTotal)];
      const s = SUPPLIERS[supplier];
      subFamily = s.online ? "ONLINE" : "IN_STORE";
      accountKey = s.account;
      txCurrency = s.currency;
      txMajor = logUniform(rng, s.min, s.max);
      if (rng() < 0.025) sign = -1; // merchant refund
      settleDelayDays = 1 + rng() * 2;
      if (ageDays < settleDelayDays) status = "PENDING";
      else if (rng() < 0.005) status = "CANCELLED";
      receiptCount = rng() < (ageDays < 7 ? 0.35 : 0.1) ? 0 : rng() < 0.05 ? 2 : 1;
      break;
    }
    case "OUT_OF_POCKET": {
      const candidates = ctx.cardSuppliers.filter((i) => !SUPPLIERS[i].online && SUPPLIERS[i].currency === wallet);
      supplier = candidates.length > 0 ? pick(rng, candidates) : pick(rng, ctx.cardSuppliers);
      const s = SUPPLIERS[supplier];
      accountKey = s.account;
      txCurrency = s.currency;
      txMajor = logUniform(rng, s.min, s.max);
      settleDelayDays = 3 + rng() * 7;
      if (ageDays < 4 && rng() < 0.5) status = "DRAFT";
      else if (ageDays < settleDelayDays) status = "PENDING";
      else if (rng() < 0.02) status = "REJECTED";
      receiptCount = rng() < 0.15 ? 0 : 1;
      break;
    }
    case "BILL_INVOICE":
    case "CREDIT_NOTE": {
      supplier = pick(rng, ctx.invoiceSuppliers);
      const s = SUPPLIERS[supplier];
      accountKey = s.account;
      txCurrency = s.currency;
      txMajor = logUniform(rng, s.min, s.max);
      if (family === "CREDIT_NOTE") {
        sign = -1;
        txMajor /= 4;
      }
      settleDelayDays = family === "BILL_INVOICE" ? 14 + rng() * 16 : 0;
      if (ageDays < settleDelayDays) status = "PENDING";
      break;
    }
    case "MILEAGE": {
      accountKey = "mileage";
      const km = int(rng, 12, 480);
      txMajor = (km * 0.4 * EUR_PER_UNIT.EUR) / EUR_PER_UNIT[wallet];
      note = `Mileage ${km} km`;
      settleDelayDays = 5 + rng() * 10;
      if (ageDays < settleDelayDays) status = "PENDING";
      receiptCount = 0;
      break;
    }
    case "PER_DIEM": {
      accountKey = "perdiem";
      const days = int(rng, 1, 4);
      txMajor = (days * 60) / EUR_PER_UNIT[wallet];
      settleDelayDays = 5 + rng() * 10;
      if (ageDays < settleDelayDays) status = "PENDING";
      receiptCount = 0;
      break;
    }
    case "REIMBURSEMENT": {
      subFamily = "REIMBURSEMENT_TO_EMPLOYEE";
      txMajor = logUniform(rng, 40, 600) / EUR_PER_UNIT[wallet] / 7;
      note = "Reimbursement of out-of-pocket expenses";
      receiptCount = 0;
      break;
    }
    case "CASHBACK": {
      sign = -1;
      txMajor = logUniform(rng, 5, 120) / EUR_PER_UNIT[wallet] / 7;
      note = "Pleo cashback";
      hasEmployee = false;
      break;
    }
    case "WALLET": {
      subFamily = "LOAD";
      sign = -1; // money into the wallet, not spend
      txMajor = int(rng, 2, 30) * 1000 * (wallet === "DKK" ? 7 : wallet === "ISK" ? 140 : 1);
      note = "Wallet top-up";
      hasEmployee = false;
      receiptCount = 0;
      accountKey = null;
      break;
    }
    default: {
      subFamily = "PLEO_INVOICE";
      accountKey = "software";
      txMajor = (39 * 10) / EUR_PER_UNIT[wallet] / 10;
      note = "Pleo subscription";
      hasEmployee = false;
      break;
    }
  }

  const txMinors = sign * Math.max(1, toMinors(txMajor, txCurrency));
  const billMinors = txCurrency === wallet ? txMinors : convertMinors(rng, txMinors, txCurrency, wallet);

  const settledAt =
    status === "COMPLETED" || status === "CANCELLED" ? clampNow(performedAt + settleDelayDays * DAY) : null;
  let bookkeepingDate: number | null;
  if (family === "OUT_OF_POCKET" || family === "MILEAGE" || family === "PER_DIEM") {
    bookkeepingDate = status === "DRAFT" ? null : performedAt; // FOUND: out-of-pocket books on purchase date
  } else bookkeepingDate = settledAt;

  const employee = hasEmployee ? int(rng, 0, data.employees.length - 1) : -1;
  const team = employee >= 0 && rng() < 0.9 ? data.employees[employee].team : -1;

  let account = -1;
  if (accountKey !== null) {
    const r = rng();
    // Most entries are categorised; some are "I don't know" or not categorised yet.
    account = r < 0.03 ? ACCOUNT_UNKNOWN : r < 0.08 && ageDays < 30 ? -1 : (ctx.accountByKey.get(accountKey) ?? -1);
  }
  const foreign = txCurrency !== wallet;
  const taxCode = account < 0 ? -1 : foreign ? (family === "BILL_INVOICE" ? 2 : 1) : 0;

  if (note === null && accountKey !== null && rng() < 0.6) note = pick(rng, NOTES[accountKey]);

  let tags: number[] | null = null;
  if (data.tagGroups.length > 0 && accountKey !== null) {
    const chosen: number[] = [];
    const chance = [0.6, 0.4, 0.2];
    data.tagGroups.forEach((_, gi) => {
      if (rng() < chance[gi]) chosen.push(pick(rng, ctx.tagsByGroup[gi]));
    });
    if (chosen.length > 0) tags = chosen; // at most one per group, max 5 (FOUND limit)
  }

  let split: SplitRec[] | null = null;
  if ((family === "CARD_PURCHASE" || family === "BILL_INVOICE") && account >= 0 && rng() < 0.04) {
    const parts = int(rng, 2, 3);
    split = [];
    let txLeft = txMinors;
    let billLeft = billMinors;
    for (let p = 0; p < parts; p++) {
      const last = p === parts - 1;
      const share = last ? 1 : 0.3 + rng() * 0.3;
      const tx = last ? txLeft : Math.trunc(txLeft * share);
      const bill = last ? billLeft : Math.trunc(billLeft * share);
      txLeft -= tx;
      billLeft -= bill;
      split.push({
        id: uuid(rng),
        account: p === 0 ? account : int(rng, 0, data.accounts.length - 2),
        taxCode,
        txMinors: tx,
        billMinors: bill,
        tags: tags ? [...tags] : [],
      });
    }
  }

  let attendees: number[] | null = null;
  if (accountKey === "meals" && employee >= 0 && rng() < 0.1) {
    attendees = [int(rng, 0, data.employees.length - 1)];
    if (rng() < 0.5) attendees.push(int(rng, 0, data.employees.length - 1));
  }

  const createdAt = clampNow(performedAt + int(rng, 5, 900) * 1000);
  let updatedAt = Math.max(createdAt, settledAt ?? 0);
  if (rng() < 0.3) updatedAt = clampNow(updatedAt + int(rng, 1, 72) * 3_600_000);

  return {
    id: uuid(rng),
    family,
    subFamily,
    status,
    exportStatus: pickExportStatus(rng, ageDays, status),
    reviewStatus: pickReviewStatus(rng, ageDays < 14),
    performedAt,
    settledAt,
    bookkeepingDate,
    createdAt,
    updatedAt,
    deletedAt: null,
    employee,
    team,
    account,
    taxCode,
    supplier,
    note,
    txCurrency,
    txMinors,
    billMinors,
    receiptSeed: (rng() * 4294967296) >>> 0,
    receiptCount,
    tags,
    split,
    attendees,
  };
}
