-- deployctl ledger, version 3: what a run leaves behind that another run must know about.

-- Pending migrations that sort before an applied one on purpose: a post migration kept back while
-- a later pre migration ran (staging), or left for the next release (--defer-post). The order
-- guard accepts these; any other pending migration that sorts before an applied one is refused.
CREATE TABLE __schema__.deferred_migration (
  app          text NOT NULL,
  id           text NOT NULL,
  reason       text NOT NULL CHECK (reason IN ('staged', 'next-release')),
  release_id   bigint REFERENCES __schema__.release (id),
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (app, id)
);

-- Server sessions that run migrations. A client killed while its statement waits for a lock
-- leaves the statement running (it still queues the app's queries); the next run that holds the
-- release lock ends every recorded session that is still alive.
CREATE TABLE __schema__.migrate_session (
  pid            integer NOT NULL,
  backend_start  timestamptz NOT NULL,
  release_id     bigint REFERENCES __schema__.release (id),
  host           text NOT NULL,
  client_pid     integer NOT NULL,
  PRIMARY KEY (pid, backend_start)
);

-- The process group of the deploy or rollback command running now (NULL when none), so that a
-- resumed release can stop a command its killed predecessor left running.
ALTER TABLE __schema__.release ADD COLUMN command_pgid integer, ADD COLUMN command_host text;
