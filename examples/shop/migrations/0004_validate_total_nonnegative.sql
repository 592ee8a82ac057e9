-- Checks the existing rows, under a lock that blocks no app query.
ALTER TABLE orders VALIDATE CONSTRAINT orders_total_cents_nonnegative;
