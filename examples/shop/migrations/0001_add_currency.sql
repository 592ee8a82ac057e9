-- Version 2 records the currency of each order. Nullable, no default: a catalog-only change
-- that version 1 ignores (it names its columns).
ALTER TABLE orders ADD COLUMN currency text;
