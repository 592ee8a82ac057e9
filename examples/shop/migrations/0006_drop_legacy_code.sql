-- Version 2 no longer reads or writes legacy_code; version 1 does, in every query. deployctl
-- runs this after version 2 is rolled out and verified.
ALTER TABLE orders DROP COLUMN legacy_code;
