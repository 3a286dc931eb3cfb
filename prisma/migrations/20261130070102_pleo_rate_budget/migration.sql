-- CreateTable
CREATE TABLE "PleoRateBudget" (
    "companyId" UUID NOT NULL,
    "tokens" DOUBLE PRECISION NOT NULL,
    "refilledAt" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "PleoRateBudget_pkey" PRIMARY KEY ("companyId")
);

