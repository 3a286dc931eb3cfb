-- AlterTable
ALTER TABLE "Session" ADD COLUMN     "companyIds" TEXT[] DEFAULT ARRAY[]::TEXT[];

