-- SpendMonthly by account and review status, with a count of entries without a receipt, so the
-- dashboard's KPIs and 12-month chart read the rollup for category and review filters too (prisma/
-- schema.prisma, SpendMonthly). Its rows are rebuilt below from the entries.
TRUNCATE "SpendMonthly";

-- AlterTable
ALTER TABLE "SpendMonthly" DROP CONSTRAINT "SpendMonthly_pkey",
ADD COLUMN     "accountId" TEXT NOT NULL,
ADD COLUMN     "isPrimary" BOOLEAN NOT NULL,
ADD COLUMN     "noReceipt" INTEGER NOT NULL,
ADD COLUMN     "reviewStatus" TEXT NOT NULL,
ADD CONSTRAINT "SpendMonthly_pkey" PRIMARY KEY ("companyId", "month", "family", "status", "reviewStatus", "billCurrency", "accountId", "isPrimary");

-- CreateIndex
CREATE INDEX "AccountingEntry_companyId_billMinors_idx" ON "AccountingEntry"("companyId", "billMinors");

-- ---------------------------------------------------------------------------------------------
-- Hand-written below: Prisma does not model functions or triggers.

-- Adds `added` and subtracts `removed` (live ones only) in one statement: each entry under each of its
-- accounts ('' when it has none), primary under its first. Called by the trigger with a statement's
-- transition rows and by the rebuild; keys that net to zero are skipped.
CREATE FUNCTION "spend_monthly_add"(added "AccountingEntry"[], removed "AccountingEntry"[]) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO "SpendMonthly" AS s ("companyId", "month", "family", "status", "reviewStatus", "billCurrency",
    "accountId", "isPrimary", "total", "count", "noReceipt")
  SELECT d."companyId",
    date_trunc('month', (d."performedAt" AT TIME ZONE 'UTC') AT TIME ZONE COALESCE(c."timeZone", 'UTC')),
    d."family", d."status", d."reviewStatus", d."billCurrency", a."accountId", a."n" = 1,
    SUM(d."sign" * d."billMinors")::bigint, SUM(d."sign")::int, SUM(d."sign" * (d."receiptCount" = 0)::int)::int
  FROM (
    SELECT x."companyId", x."performedAt", x."family", x."status", x."reviewStatus", x."billCurrency", x."accountIds",
      x."billMinors", x."receiptCount", 1 AS "sign"
    FROM unnest(added) x WHERE x."deletedAt" IS NULL
    UNION ALL
    SELECT x."companyId", x."performedAt", x."family", x."status", x."reviewStatus", x."billCurrency", x."accountIds",
      x."billMinors", x."receiptCount", -1
    FROM unnest(removed) x WHERE x."deletedAt" IS NULL
  ) d
  LEFT JOIN "PleoCompany" c ON c."id" = d."companyId"
  CROSS JOIN LATERAL unnest(CASE WHEN cardinality(d."accountIds") > 0 THEN d."accountIds" ELSE ARRAY['']::text[] END)
    WITH ORDINALITY AS a("accountId", "n")
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
  HAVING SUM(d."sign") <> 0 OR SUM(d."sign" * d."billMinors") <> 0 OR SUM(d."sign" * (d."receiptCount" = 0)::int) <> 0
  ON CONFLICT ("companyId", "month", "family", "status", "reviewStatus", "billCurrency", "accountId", "isPrimary")
  DO UPDATE SET "total" = s."total" + EXCLUDED."total", "count" = s."count" + EXCLUDED."count",
    "noReceipt" = s."noReceipt" + EXCLUDED."noReceipt";
$$;

CREATE OR REPLACE FUNCTION "spend_monthly_apply"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM "spend_monthly_add"(ARRAY(SELECT n::"AccountingEntry" FROM new_rows n), '{}');
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM "spend_monthly_add"('{}', ARRAY(SELECT o::"AccountingEntry" FROM old_rows o));
  ELSE
    PERFORM "spend_monthly_add"(ARRAY(SELECT n::"AccountingEntry" FROM new_rows n), ARRAY(SELECT o::"AccountingEntry" FROM old_rows o));
  END IF;
  RETURN NULL;
END
$$;

-- One company's rollup from its entries, in its current time zone, a month of entries at a time (a
-- large company's entries at once would be one very large array).
CREATE OR REPLACE FUNCTION "spend_monthly_rebuild"(company UUID) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  m TIMESTAMP;
BEGIN
  DELETE FROM "SpendMonthly" WHERE "companyId" = company;
  FOR m IN SELECT DISTINCT date_trunc('month', e."performedAt") FROM "AccountingEntry" e WHERE e."companyId" = company LOOP
    PERFORM "spend_monthly_add"(
      ARRAY(SELECT e FROM "AccountingEntry" e
        WHERE e."companyId" = company AND e."performedAt" >= m AND e."performedAt" < m + INTERVAL '1 month'),
      '{}');
  END LOOP;
END
$$;

SELECT "spend_monthly_rebuild"("id") FROM "PleoCompany";
