-- AlterTable
ALTER TABLE "Manager" ADD COLUMN     "locale" TEXT NOT NULL DEFAULT 'en';
