-- A total is never negative. NOT VALID: new rows are checked from now on, existing rows are
-- not scanned while the table is locked.
ALTER TABLE orders ADD CONSTRAINT orders_total_cents_nonnegative CHECK (total_cents >= 0) NOT VALID;
