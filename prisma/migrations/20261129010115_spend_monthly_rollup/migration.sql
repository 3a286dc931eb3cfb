-- CreateTable
CREATE TABLE "SpendMonthly" (
    "companyId" UUID NOT NULL,
    "month" TIMESTAMP(3) NOT NULL,
    "family" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "billCurrency" TEXT NOT NULL,
    "total" BIGINT NOT NULL,
    "count" INTEGER NOT NULL,

    CONSTRAINT "SpendMonthly_pkey" PRIMARY KEY ("companyId","month","family","status","billCurrency")
);


-- Keep "SpendMonthly" equal to the sums of live entries (hand-written: Prisma does not model triggers).
-- Statement-level triggers with transition tables see every row one statement inserted, updated or
-- deleted, so a sync page upsert of 100 entries costs one small aggregate, not 100 row triggers. An
-- UPDATE that changes nothing the rollup keys on (e.g. only syncedAt) nets to zero and writes nothing.
CREATE FUNCTION "spend_monthly_apply"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "SpendMonthly" AS s ("companyId", "month", "family", "status", "billCurrency", "total", "count")
    SELECT "companyId", date_trunc('month', "performedAt"), "family", "status", "billCurrency", SUM("billMinors")::bigint, COUNT(*)::int
    FROM new_rows WHERE "deletedAt" IS NULL
    GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT ("companyId", "month", "family", "status", "billCurrency")
    DO UPDATE SET "total" = s."total" + EXCLUDED."total", "count" = s."count" + EXCLUDED."count";
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO "SpendMonthly" AS s ("companyId", "month", "family", "status", "billCurrency", "total", "count")
    SELECT "companyId", date_trunc('month', "performedAt"), "family", "status", "billCurrency", -SUM("billMinors")::bigint, -COUNT(*)::int
    FROM old_rows WHERE "deletedAt" IS NULL
    GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT ("companyId", "month", "family", "status", "billCurrency")
    DO UPDATE SET "total" = s."total" + EXCLUDED."total", "count" = s."count" + EXCLUDED."count";
  ELSE
    INSERT INTO "SpendMonthly" AS s ("companyId", "month", "family", "status", "billCurrency", "total", "count")
    SELECT "companyId", "month", "family", "status", "billCurrency", SUM("t")::bigint, SUM("c")::int
    FROM (
      SELECT "companyId", date_trunc('month', "performedAt") AS "month", "family", "status", "billCurrency", "billMinors" AS "t", 1 AS "c"
      FROM new_rows WHERE "deletedAt" IS NULL
      UNION ALL
      SELECT "companyId", date_trunc('month', "performedAt"), "family", "status", "billCurrency", -"billMinors", -1
      FROM old_rows WHERE "deletedAt" IS NULL
    ) AS d
    GROUP BY 1, 2, 3, 4, 5
    HAVING SUM("t") <> 0 OR SUM("c") <> 0
    ON CONFLICT ("companyId", "month", "family", "status", "billCurrency")
    DO UPDATE SET "total" = s."total" + EXCLUDED."total", "count" = s."count" + EXCLUDED."count";
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER "AccountingEntry_spend_monthly_insert" AFTER INSERT ON "AccountingEntry"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "spend_monthly_apply"();
CREATE TRIGGER "AccountingEntry_spend_monthly_update" AFTER UPDATE ON "AccountingEntry"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "spend_monthly_apply"();
CREATE TRIGGER "AccountingEntry_spend_monthly_delete" AFTER DELETE ON "AccountingEntry"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "spend_monthly_apply"();

-- Entries synced before this migration.
INSERT INTO "SpendMonthly" ("companyId", "month", "family", "status", "billCurrency", "total", "count")
SELECT "companyId", date_trunc('month', "performedAt"), "family", "status", "billCurrency", SUM("billMinors")::bigint, COUNT(*)::int
FROM "AccountingEntry" WHERE "deletedAt" IS NULL
GROUP BY 1, 2, 3, 4, 5;
