-- The new code no longer reads legacy_flags: drop it once it is rolled out.
ALTER TABLE users DROP COLUMN legacy_flags;
