-- The team's custom lead fields (workflows/segments/custom-fields.ts), filtered on by segments.
ALTER TABLE "Lead" ADD COLUMN "custom" JSONB;
