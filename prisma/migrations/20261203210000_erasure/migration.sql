-- Erasure that leaves nothing (issue 18).
-- What an erasure could not remove yet, retried until it is gone.
ALTER TABLE "Lead" ADD COLUMN "erasurePending" TEXT[] DEFAULT ARRAY[]::TEXT[];
UPDATE "Lead" SET "erasurePending" = ARRAY[]::TEXT[] WHERE "erasurePending" IS NULL;

-- The key of the address hashes: 244 random bits from gen_random_uuid() (strong random), made once here.
CREATE TABLE "PrivacyKey" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "secret" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "PrivacyKey_pkey" PRIMARY KEY ("id")
);
INSERT INTO "PrivacyKey" ("id", "secret") VALUES (1, replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''));

-- Existing rows hold a plain SHA-256 of the address: marked, matched as such, re-keyed at start.
ALTER TABLE "Suppression" ADD COLUMN "keyed" BOOLEAN NOT NULL DEFAULT false;
