-- AlterTable
ALTER TABLE "PleoCompany" ADD COLUMN     "dataVersion" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "timeZone" TEXT;

-- AlterTable
ALTER TABLE "Team" ALTER COLUMN "name" DROP NOT NULL;

-- AlterTable
ALTER TABLE "AccountingEntry" ADD COLUMN     "accountIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "splitCount" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "supplier" JSONB,
ADD COLUMN     "tagIds" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateTable
CREATE TABLE "TeamMember" (
    "companyId" UUID NOT NULL,
    "teamId" UUID NOT NULL,
    "employeeId" UUID NOT NULL,
    "lastSeenAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "TeamMember_pkey" PRIMARY KEY ("teamId","employeeId")
);

-- CreateTable
CREATE TABLE "TaxCode" (
    "id" UUID NOT NULL,
    "companyId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "code" TEXT,
    "rate" DECIMAL(12,6) NOT NULL,
    "type" TEXT NOT NULL,
    "archived" BOOLEAN NOT NULL DEFAULT false,
    "syncedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TaxCode_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "TeamMember_companyId_idx" ON "TeamMember"("companyId");

-- CreateIndex
CREATE INDEX "TaxCode_companyId_idx" ON "TaxCode"("companyId");

-- CreateIndex
CREATE INDEX "AccountingEntry_accountIds_idx" ON "AccountingEntry" USING GIN ("accountIds");

-- CreateIndex
CREATE INDEX "AccountingEntry_tagIds_idx" ON "AccountingEntry" USING GIN ("tagIds");

-- AddForeignKey
ALTER TABLE "TaxCode" ADD CONSTRAINT "TaxCode_companyId_fkey" FOREIGN KEY ("companyId") REFERENCES "PleoCompany"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- ---------------------------------------------------------------------------------------------
-- Hand-written below: Prisma does not model extensions, generated columns, partial or trigram indexes,
-- functions or triggers.

-- Text search without a sequential scan: trigram GIN index on "searchText" (pg_trgm ships with
-- PostgreSQL's contrib and is a trusted extension since PostgreSQL 13; PGlite loads it in
-- lib/db/connect.ts).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- An amount in minor units as searchable text in major units, "1234.50" and "1234,50" (exponent by
-- ISO 4217: 0 and 3 decimals listed, 2 otherwise), without its sign.
CREATE FUNCTION "amount_search_text"(minors BIGINT, currency TEXT) RETURNS TEXT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN currency IN ('BIF','CLP','DJF','GNF','ISK','JPY','KMF','KRW','PYG','RWF','UGX','UYI','VND','VUV','XAF','XOF','XPF')
      THEN abs(minors)::text
    WHEN currency IN ('BHD','IQD','JOD','KWD','LYD','OMR','TND')
      THEN (abs(minors) / 1000)::text || '.' || lpad((abs(minors) % 1000)::text, 3, '0') || ' '
        || (abs(minors) / 1000)::text || ',' || lpad((abs(minors) % 1000)::text, 3, '0')
    ELSE (abs(minors) / 100)::text || '.' || lpad((abs(minors) % 100)::text, 2, '0') || ' '
        || (abs(minors) / 100)::text || ',' || lpad((abs(minors) % 100)::text, 2, '0')
  END
$$;

-- What the dashboard's `q` searches on the entry itself (names of employees, teams, categories and tags
-- are matched through their own tables: lib/expenses/sql.ts): note, the supplier's name where Pleo sends
-- one (it documents none), its identifiers and document number, and both amounts.
ALTER TABLE "AccountingEntry" DROP COLUMN "searchText";
ALTER TABLE "AccountingEntry"
  ADD COLUMN "searchText" TEXT GENERATED ALWAYS AS (lower(
    coalesce("note", '') || E'\n' ||
    coalesce("supplierName", '') || E'\n' ||
    coalesce("supplier" ->> 'externalSupplierId', '') || E'\n' ||
    coalesce("supplier" ->> 'documentNumber', '') || E'\n' ||
    coalesce("supplier" ->> 'cif', '') || E'\n' ||
    coalesce("supplier" ->> 'externalAccountNumber', '') || E'\n' ||
    "amount_search_text"("billMinors", "billCurrency") || E'\n' ||
    "amount_search_text"("transactionMinors", "transactionCurrency")
  )) STORED;
CREATE INDEX "AccountingEntry_searchText_trgm_idx" ON "AccountingEntry" USING GIN ("searchText" gin_trgm_ops);

-- Entries with split items the breakdowns use (a few percent): found without scanning the rest.
CREATE INDEX "AccountingEntry_split_idx" ON "AccountingEntry" ("companyId", "performedAt") WHERE "splitCount" > 0;

-- Entries synced before this migration: accounts, tags and usable splits from what is stored.
UPDATE "AccountingEntry" e SET
  "accountIds" = ARRAY(
    SELECT DISTINCT a::text FROM unnest(ARRAY[e."accountId"] || ARRAY(SELECT s."accountId" FROM "SplitItem" s WHERE s."entryId" = e."id")) a
    WHERE a IS NOT NULL),
  "tagIds" = ARRAY(
    SELECT DISTINCT lower(t ->> 'tagId')
    FROM jsonb_array_elements(e."tags" || COALESCE((SELECT jsonb_agg(x) FROM "SplitItem" s, jsonb_array_elements(s."tags") x WHERE s."entryId" = e."id"), '[]'::jsonb)) t
    WHERE t ->> 'tagId' ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'),
  "splitCount" = COALESCE((
    SELECT count(*)::int FROM "SplitItem" s WHERE s."entryId" = e."id"
    HAVING bool_and(s."billMinors" IS NOT NULL AND s."billCurrency" = e."billCurrency") AND sum(s."billMinors") = e."billMinors"
  ), 0);

-- Teams as entries name them (lib/sync/write-entries.ts keeps these from now on).
INSERT INTO "Team" ("id", "companyId")
SELECT DISTINCT "teamId", "companyId" FROM "AccountingEntry" WHERE "teamId" IS NOT NULL
ON CONFLICT ("id") DO NOTHING;
INSERT INTO "TeamMember" ("companyId", "teamId", "employeeId", "lastSeenAt")
SELECT "companyId", "teamId", "employeeId", max("performedAt") FROM "AccountingEntry"
WHERE "teamId" IS NOT NULL AND "employeeId" IS NOT NULL AND "deletedAt" IS NULL
GROUP BY 1, 2, 3;

-- SpendMonthly by the company's month: its time zone (PleoCompany."timeZone", UTC when unknown). The
-- month is the local wall time of the month's start, e.g. 2026-03-01 00:00 for March in Copenhagen.
CREATE OR REPLACE FUNCTION "spend_monthly_apply"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "SpendMonthly" AS s ("companyId", "month", "family", "status", "billCurrency", "total", "count")
    SELECT n."companyId", date_trunc('month', (n."performedAt" AT TIME ZONE 'UTC') AT TIME ZONE COALESCE(c."timeZone", 'UTC')),
      n."family", n."status", n."billCurrency", SUM(n."billMinors")::bigint, COUNT(*)::int
    FROM new_rows n LEFT JOIN "PleoCompany" c ON c."id" = n."companyId"
    WHERE n."deletedAt" IS NULL
    GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT ("companyId", "month", "family", "status", "billCurrency")
    DO UPDATE SET "total" = s."total" + EXCLUDED."total", "count" = s."count" + EXCLUDED."count";
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO "SpendMonthly" AS s ("companyId", "month", "family", "status", "billCurrency", "total", "count")
    SELECT o."companyId", date_trunc('month', (o."performedAt" AT TIME ZONE 'UTC') AT TIME ZONE COALESCE(c."timeZone", 'UTC')),
      o."family", o."status", o."billCurrency", -SUM(o."billMinors")::bigint, -COUNT(*)::int
    FROM old_rows o LEFT JOIN "PleoCompany" c ON c."id" = o."companyId"
    WHERE o."deletedAt" IS NULL
    GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT ("companyId", "month", "family", "status", "billCurrency")
    DO UPDATE SET "total" = s."total" + EXCLUDED."total", "count" = s."count" + EXCLUDED."count";
  ELSE
    INSERT INTO "SpendMonthly" AS s ("companyId", "month", "family", "status", "billCurrency", "total", "count")
    SELECT d."companyId", date_trunc('month', (d."performedAt" AT TIME ZONE 'UTC') AT TIME ZONE COALESCE(c."timeZone", 'UTC')),
      d."family", d."status", d."billCurrency", SUM(d."t")::bigint, SUM(d."c")::int
    FROM (
      SELECT "companyId", "performedAt", "family", "status", "billCurrency", "billMinors" AS "t", 1 AS "c"
      FROM new_rows WHERE "deletedAt" IS NULL
      UNION ALL
      SELECT "companyId", "performedAt", "family", "status", "billCurrency", -"billMinors", -1
      FROM old_rows WHERE "deletedAt" IS NULL
    ) AS d LEFT JOIN "PleoCompany" c ON c."id" = d."companyId"
    GROUP BY 1, 2, 3, 4, 5
    HAVING SUM(d."t") <> 0 OR SUM(d."c") <> 0
    ON CONFLICT ("companyId", "month", "family", "status", "billCurrency")
    DO UPDATE SET "total" = s."total" + EXCLUDED."total", "count" = s."count" + EXCLUDED."count";
  END IF;
  RETURN NULL;
END
$$;

-- One company's rollup from its entries, in its current time zone.
CREATE FUNCTION "spend_monthly_rebuild"(company UUID) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "SpendMonthly" WHERE "companyId" = company;
  INSERT INTO "SpendMonthly" ("companyId", "month", "family", "status", "billCurrency", "total", "count")
  SELECT e."companyId", date_trunc('month', (e."performedAt" AT TIME ZONE 'UTC') AT TIME ZONE COALESCE(c."timeZone", 'UTC')),
    e."family", e."status", e."billCurrency", SUM(e."billMinors")::bigint, COUNT(*)::int
  FROM "AccountingEntry" e JOIN "PleoCompany" c ON c."id" = e."companyId"
  WHERE e."companyId" = company AND e."deletedAt" IS NULL
  GROUP BY 1, 2, 3, 4, 5;
END
$$;

-- A company whose time zone changes gets its months re-cut in the same transaction.
CREATE FUNCTION "spend_monthly_time_zone_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "spend_monthly_rebuild"(NEW."id");
  RETURN NULL;
END
$$;

CREATE TRIGGER "PleoCompany_spend_monthly_time_zone" AFTER UPDATE OF "timeZone" ON "PleoCompany"
  FOR EACH ROW WHEN (OLD."timeZone" IS DISTINCT FROM NEW."timeZone")
  EXECUTE FUNCTION "spend_monthly_time_zone_changed"();
