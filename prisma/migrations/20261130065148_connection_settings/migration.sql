-- AlterTable
ALTER TABLE "PleoConnection" ADD COLUMN     "historyMonths" INTEGER,
ADD COLUMN     "installationErrorCode" TEXT,
ADD COLUMN     "settingsSavedAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "SyncState" ADD COLUMN     "backfillUntil" TIMESTAMP(3),
ADD COLUMN     "coveredFrom" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "ConnectionEvent" (
    "id" BIGSERIAL NOT NULL,
    "companyId" UUID NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "type" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "actorUserId" TEXT,
    "detail" TEXT,

    CONSTRAINT "ConnectionEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Disconnection" (
    "id" TEXT NOT NULL,
    "companyId" UUID NOT NULL,
    "companyName" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "sessionId" TEXT,
    "requestedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "keepData" BOOLEAN NOT NULL,
    "entryCount" INTEGER NOT NULL,
    "uninstallStatus" TEXT NOT NULL,
    "uninstallDetail" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3),
    "lastAttemptAt" TIMESTAMP(3),
    "completedAt" TIMESTAMP(3),
    "claimedBy" TEXT,
    "claimedUntil" TIMESTAMP(3),
    "accessTokenEnc" TEXT,
    "refreshTokenEnc" TEXT,
    "accessTokenExpiresAt" TIMESTAMP(3),
    "refreshStartedAt" TIMESTAMP(3),

    CONSTRAINT "Disconnection_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ConnectionEvent_companyId_at_id_idx" ON "ConnectionEvent"("companyId", "at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "ConnectionEvent_at_idx" ON "ConnectionEvent"("at");

-- CreateIndex
CREATE INDEX "Disconnection_uninstallStatus_nextAttemptAt_idx" ON "Disconnection"("uninstallStatus", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "Disconnection_userId_sessionId_idx" ON "Disconnection"("userId", "sessionId");

-- CreateIndex
CREATE INDEX "Disconnection_companyId_idx" ON "Disconnection"("companyId");

