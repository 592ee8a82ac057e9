-- deployctl ledger, version 2: the schema fingerprint recorded after every change deployctl made
-- (a release, a migrate run) or accepted. Drift detection compares the live schema with the
-- newest row; a difference nobody recorded was made by hand.

CREATE TABLE __schema__.schema_fingerprint (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  -- why it was recorded: the end of a release, after a migrate run, a drift accepted by hand,
  -- or the first check on a database that had none
  reason       text NOT NULL CHECK (reason IN ('release', 'migrate', 'accepted', 'first')),
  release_id   bigint REFERENCES __schema__.release (id),
  -- sha256 (hex) of the canonical shape, as `deployctl fingerprint` prints it
  hash         text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  -- the shape itself, so a later check can say what changed, not only that something did
  shape        jsonb NOT NULL
);
CREATE INDEX schema_fingerprint_newest ON __schema__.schema_fingerprint (id DESC);
