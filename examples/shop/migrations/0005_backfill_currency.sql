-- deployctl:backfill id 10000
-- Fills currency for the orders placed before version 2. deployctl runs this statement once per
-- range of ids — $1 exclusive, $2 inclusive — from the smallest id to the largest, each batch
-- committed on its own together with the id it reached (a stopped backfill resumes there), so an
-- app write to a row of the running batch waits for that batch only. With `throttle:` in
-- deployctl.yaml each batch is sized to its time budget and none starts while the app is slow.
-- Rows version 2 already wrote are skipped; rows version 1 adds meanwhile are covered too.
UPDATE orders SET currency = 'EUR' WHERE id > $1 AND id <= $2 AND currency IS NULL;
