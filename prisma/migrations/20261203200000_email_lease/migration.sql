-- Lease on the email ledger's claim (issue 18): the attempt holding a claimed row and until when.
-- Existing claimed rows have no lease (NULL): a retry may take them over at once, as before.
ALTER TABLE "EmailLog" ADD COLUMN "attemptId" TEXT;
ALTER TABLE "EmailLog" ADD COLUMN "leaseUntil" TIMESTAMP(3);
