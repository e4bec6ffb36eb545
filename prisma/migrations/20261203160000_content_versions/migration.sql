-- CreateTable
CREATE TABLE "ContentVersion" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "contentId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "hash" TEXT NOT NULL,
    "body" JSONB NOT NULL,
    "publishedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ContentVersion_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ContentVersion_kind_contentId_hash_idx" ON "ContentVersion"("kind", "contentId", "hash");

-- CreateIndex
CREATE UNIQUE INDEX "ContentVersion_kind_contentId_version_key" ON "ContentVersion"("kind", "contentId", "version");
