-- The schema version 1 of the shop runs on: what production has before the release.
-- `deployctl demo` creates it, fills it with generated orders, then releases version 2,
-- whose changes are the files in migrations/.
CREATE TABLE orders (
  id bigserial PRIMARY KEY,
  customer_id bigint NOT NULL,
  total_cents integer NOT NULL,
  status text NOT NULL,
  legacy_code text,
  created_at timestamptz NOT NULL DEFAULT now()
);
