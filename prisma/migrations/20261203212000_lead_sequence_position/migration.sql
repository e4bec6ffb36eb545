-- Where each lead is in its nurture sequence now (issue 19): written by the lead workflow's persistLead.
ALTER TABLE "Lead" ADD COLUMN "sequenceId" TEXT,
ADD COLUMN "sequenceStep" TEXT,
ADD COLUMN "sequenceStepAt" TIMESTAMP(3),
ADD COLUMN "sequenceVersion" INTEGER;

-- CreateIndex
CREATE INDEX "Lead_sequenceId_sequenceVersion_sequenceStep_idx" ON "Lead"("sequenceId", "sequenceVersion", "sequenceStep");
