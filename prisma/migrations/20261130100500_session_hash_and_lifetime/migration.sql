-- Sessions end: an absolute end counted from createdAt (lib/sessions.ts). Sessions that exist now count
-- from this migration, and their idle end is brought within the default idle timeout (2 hours).
ALTER TABLE "Session" ADD COLUMN     "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;
UPDATE "Session" SET "expires" = LEAST("expires", CURRENT_TIMESTAMP + INTERVAL '2 hours');

-- The row stores the SHA-256 (hex) of the cookie's value, never the value: existing cookies keep working.
UPDATE "Session" SET "sessionToken" = encode(sha256(convert_to("sessionToken", 'UTF8')), 'hex');
