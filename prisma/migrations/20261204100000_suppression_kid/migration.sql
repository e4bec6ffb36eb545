-- The key of the address hashes leaves the database (issue 18): it is a server secret now
-- (SUPPRESSION_SECRET / SUPPRESSION_KEYS), and every Suppression row names the key that made it.
-- Rows keyed under the PrivacyKey row get kid 'db': still matched, and re-keyed when their address
-- is seen (docs/ops.md says how to retire that key). Plain SHA-256 rows from before any key keep
-- kid NULL and are re-keyed at start.
ALTER TABLE "Suppression" ADD COLUMN "kid" TEXT;
UPDATE "Suppression" SET "kid" = 'db' WHERE "keyed";
ALTER TABLE "Suppression" DROP COLUMN "keyed";

-- A database with no row under its PrivacyKey never needs that key: gone, so a dump holds no key.
DELETE FROM "PrivacyKey" WHERE NOT EXISTS (SELECT 1 FROM "Suppression" WHERE "kid" = 'db');
