CREATE INDEX users_created_at ON users (created_at);
ALTER TABLE users ADD COLUMN nickname text;
ALTER TABLE users DROP COLUMN legacy_flags;
