-- deployctl ledger, version 1. "__schema__" is replaced by the configured ledger schema
-- (quoted). Each version file runs once, in a transaction, and inserts its own version row.

CREATE TABLE __schema__.release (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  artifact          text NOT NULL,
  previous_artifact text,
  status            text NOT NULL DEFAULT 'running'
                    CHECK (status IN ('running', 'succeeded', 'failed', 'rolled_back', 'aborted')),
  -- the last stage that completed; resume starts after it
  stage             text NOT NULL DEFAULT 'created',
  post_policy       text NOT NULL DEFAULT 'after-verify',
  started_at        timestamptz NOT NULL DEFAULT now(),
  finished_at       timestamptz,
  host              text NOT NULL,
  pid               integer NOT NULL,
  error             text,
  -- set when this release is the target of a manual rollback
  rolled_back_by    bigint REFERENCES __schema__.release (id)
);

-- One release in flight at a time, whatever happens to the process that started it.
CREATE UNIQUE INDEX release_one_running ON __schema__.release ((true)) WHERE status = 'running';

CREATE TABLE __schema__.migration (
  app          text NOT NULL,
  id           text NOT NULL,
  checksum     text NOT NULL,
  phase        text NOT NULL CHECK (phase IN ('pre', 'post', 'baseline')),
  applied_at   timestamptz NOT NULL DEFAULT now(),
  duration_ms  integer NOT NULL CHECK (duration_ms >= 0),
  release_id   bigint REFERENCES __schema__.release (id),
  attempts     integer NOT NULL DEFAULT 1 CHECK (attempts >= 1),
  PRIMARY KEY (app, id)
);

CREATE TABLE __schema__.release_event (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  release_id  bigint NOT NULL REFERENCES __schema__.release (id),
  at          timestamptz NOT NULL DEFAULT now(),
  stage       text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('start', 'end', 'fail', 'health', 'info')),
  duration_ms integer,
  detail      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX release_event_by_release ON __schema__.release_event (release_id, id);
