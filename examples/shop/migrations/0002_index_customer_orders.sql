-- deployctl:no-transaction CREATE INDEX CONCURRENTLY cannot run inside a transaction
-- Version 2 lists a customer's recent orders. Built concurrently: app reads and writes go on
-- while it scans the table.
-- One maintenance worker: the build leaves the other cores to the app.
SET max_parallel_maintenance_workers = 0;
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_created_at ON orders (customer_id, created_at);
