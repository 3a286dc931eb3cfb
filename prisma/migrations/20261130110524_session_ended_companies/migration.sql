-- AlterTable
ALTER TABLE "Session" ADD COLUMN     "endedCompanyIds" TEXT[] DEFAULT ARRAY[]::TEXT[];

